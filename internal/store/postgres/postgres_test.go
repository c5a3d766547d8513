package postgres_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
)

// TestOpenErrors: an unreachable server, a database that is not there,
// wrong credentials and a schema newer than the binary each give an error
// naming the cause, never the password.
func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	newer := pgtest.Fresh(t)
	st, err := postgres.Open(ctx, newer, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Pool().Exec(ctx, `INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', now())`); err != nil {
		t.Fatal(err)
	}
	st.Close()
	tests := []struct {
		name, url, code, want string
	}{
		{"unreachable", "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", fault.Invalid, "cannot reach PostgreSQL"},
		{"no database", strings.Replace(newer, "civiclink_test_", "civiclink_absent_", 1), fault.NotFound, "has no such database"},
		{"wrong credentials", "postgres://nosuchrole:s3cret@127.0.0.1:5432/postgres?sslmode=disable", fault.Unauthorized, "refused"},
		{"newer schema", newer, fault.Conflict, "schema version 9999, newer than this civiclink knows"},
		{"not a URL", "postgres://%zz", fault.Invalid, "not a PostgreSQL URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := postgres.Open(ctx, tt.url, "")
			if err == nil {
				st.Close()
				t.Fatal("opened")
			}
			if fault.Code(err) != tt.code || !strings.Contains(fault.Message(err), tt.want) {
				t.Errorf("error %q (%s), want %s with %q", fault.Message(err), fault.Code(err), tt.code, tt.want)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

// TestAuditTamper: editing, deleting or re-signing a row of the log in the
// database is found by verify, naming the entry, and stops appends that
// would build on a tampered tree.
func TestAuditTamper(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, sql string
		entry     int64
	}{
		{"edited entry bytes", `UPDATE audit_leaves SET entry = entry || '\x00'::bytea WHERE idx = 3`, 3},
		{"edited search column", `UPDATE audit_leaves SET actor_user = 'someone-else' WHERE idx = 5`, 5},
		{"deleted entry", `DELETE FROM audit_leaves WHERE idx = 2`, 2},
		{"forged head", `UPDATE audit_heads SET root = sha256(root) WHERE size = 7`, -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := open(t)
			_, key, _ := ed25519.GenerateKey(nil)
			log, err := st.AuditLog(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 8 {
				if _, err := log.Append(ctx, audit.Event{User: fmt.Sprint("u", i), Action: "dataset.read", Outcome: audit.Allowed}); err != nil {
					t.Fatal(err)
				}
			}
			if rep, err := log.Verify(ctx, audit.Options{}); err != nil || rep.Problem != nil {
				t.Fatalf("before tampering: %v %v", err, rep.Problem)
			}
			if _, err := st.Pool().Exec(ctx, tt.sql); err != nil {
				t.Fatal(err)
			}
			rep, err := log.Verify(ctx, audit.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Problem == nil {
				t.Fatal("verify found nothing wrong")
			}
			if tt.entry >= 0 && rep.Problem.Entry != tt.entry {
				t.Errorf("problem %v, want entry %d", rep.Problem, tt.entry)
			}
		})
	}
}

// TestAuditTwoProcesses: two stores on one database (as two web processes
// hold) append concurrently; the result is one log that verifies, with
// every entry once.
func TestAuditTwoProcesses(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Fresh(t)
	_, key, _ := ed25519.GenerateKey(nil)
	var logs []*postgres.Audit
	for range 2 {
		st, err := postgres.Open(ctx, url, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		log, err := st.AuditLog(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, log)
	}
	const each = 25
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for p, log := range logs {
		for i := range each {
			wg.Go(func() {
				_, err := log.Append(ctx, audit.Event{User: fmt.Sprintf("p%d-%d", p, i), Action: "dataset.read", Outcome: audit.Allowed})
				errs <- err
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rep, err := logs[1].Verify(ctx, audit.Options{})
	if err != nil || rep.Problem != nil || rep.Size != 2*each {
		t.Fatalf("verify: size %d, problem %v, err %v; want %d entries intact", rep.Size, rep.Problem, err, 2*each)
	}
	es, err := logs[0].Entries(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range es {
		seen[e.Event.User] = true
	}
	if len(seen) != 2*each {
		t.Errorf("%d distinct entries, want %d", len(seen), 2*each)
	}
}

// TestSharedState: what one process writes (a user, a session, a spend)
// the other reads at once.
func TestSharedState(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Fresh(t)
	var sts []*postgres.Store
	for range 2 {
		st, err := postgres.Open(ctx, url, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		sts = append(sts, st)
	}
	a, b := sts[0], sts[1]
	now := time.Now().UTC().Truncate(time.Microsecond)
	if err := a.BootstrapUser(ctx, &govern.User{ID: "ada", PartnerID: "county", Name: "Ada", Roles: []govern.Role{govern.PartnerAdmin}, CreatedBy: "test", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := b.BootstrapUser(ctx, &govern.User{ID: "bob", PartnerID: "county", Name: "Bob", CreatedBy: "test", CreatedAt: now}); fault.Code(err) != fault.Conflict {
		t.Errorf("second bootstrap on the other process: %v, want a conflict", err)
	}
	if u, err := b.User(ctx, "ada"); err != nil || u.Name != "Ada" {
		t.Errorf("the other process reads user ada as %+v, %v", u, err)
	}

	// Caches: a change or a sign-out through a moves b's counts on (by
	// NOTIFY), so b's caches reload.
	gen, ended := b.Generation(), b.WebSessionsEnded()
	u, _ := a.User(ctx, "ada")
	u.Disabled = true
	if err := a.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := a.EndWebSession(ctx, "some-token"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for (b.Generation() == gen || b.WebSessionsEnded() == ended) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if b.Generation() == gen || b.WebSessionsEnded() == ended {
		t.Errorf("after a change and a sign-out on the other process: generation %d→%d, sessions ended %d→%d; want both moved",
			gen, b.Generation(), ended, b.WebSessionsEnded())
	}
}

// TestReleaseKeysWithNUL: release keys join a cell's keys with NUL, which
// PostgreSQL's text cannot hold; they round-trip as bytes.
func TestReleaseKeysWithNUL(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	key := "E07000066\x002024-01\x00violence"
	d := disclose.DigestOf(disclose.MemberKey(7), []string{"p1", "p2"})
	if err := st.SaveReleases(ctx, key, []*disclose.Digest{d}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Releases(ctx, key)
	if err != nil || len(got) != 1 || got[0].Units != 2 {
		t.Fatalf("releases under a key with NUL: %v, %v", got, err)
	}
	if other, _ := st.Releases(ctx, "E07000066"); len(other) != 0 {
		t.Errorf("a key's prefix finds %d releases", len(other))
	}
}
