package store

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
)

func newKey(tb testing.TB) ed25519.PrivateKey {
	tb.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// openAudit opens (or reopens) the store at path with a manual clock and
// returns its audit log signed by key.
func openAudit(tb testing.TB, path string, key ed25519.PrivateKey) (*Store, *Audit) {
	tb.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	s.Clock = clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
	a, err := s.AuditLog(ctx, key)
	if err != nil {
		s.Close()
		tb.Fatal(err)
	}
	return s, a
}

// sampleEvent returns a varied synthetic event for position i.
func sampleEvent(i int) audit.Event {
	owners := []string{"police", "council", "nhs-trust"}
	e := audit.Event{
		User: fmt.Sprintf("analyst%d", i%3), Partner: owners[(i+1)%3], Action: []string{"ingest", "query", "export", "agreement.approve"}[i%4],
		Purpose: "violence-reduction", Target: fmt.Sprintf("dataset:incidents@%d", i+1),
		Datasets:  []audit.Dataset{{ID: fmt.Sprintf("incidents@%d", i+1), Owner: owners[i%3]}},
		Agreement: "dsa-7", Outcome: []string{audit.Allowed, audit.Denied, audit.Error}[i%3],
		Details: []byte(fmt.Sprintf(`{"rows": %d}`, 10*i)),
	}
	if i%3 == 1 {
		e.Reason = "no-agreement: dsa-7 does not name this partner"
	}
	return e
}

// fillLog appends n sample events and returns the entries.
func fillLog(tb testing.TB, a *Audit, n int) []audit.Entry {
	tb.Helper()
	var out []audit.Entry
	for i := range n {
		e, err := a.Append(context.Background(), sampleEvent(i))
		if err != nil {
			tb.Fatalf("append %d: %v", i, err)
		}
		a.s.Clock.(*clock.Manual).Advance(time.Second)
		out = append(out, e)
	}
	return out
}

func TestAuditRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.duckdb")
	key := newKey(t)
	s, a := openAudit(t, path, key)
	written := fillLog(t, a, 7)
	s.Close()

	s, a = openAudit(t, path, key) // entries survive a reopen and appends continue
	defer s.Close()
	more := fillLog(t, a, 2)
	if got, want := more[0].Index, uint64(7); got != want {
		t.Fatalf("index after reopen = %d, want %d", got, want)
	}
	all, err := a.Entries(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(all), 9; got != want {
		t.Fatalf("entries = %d, want %d", got, want)
	}
	for i, w := range written {
		g := all[i]
		if g.Index != w.Index || string(g.Bytes) != string(w.Bytes) || g.Event.User != w.Event.User || !g.Event.Time.Equal(w.Event.Time) || string(g.Event.Details) != `{"rows":`+fmt.Sprint(10*i)+`}` {
			t.Errorf("entry %d = %+v, want %+v", i, g, w)
		}
	}
	rep, err := a.Verify(ctx, audit.Options{Trusted: []ed25519.PublicKey{key.Public().(ed25519.PublicKey)}})
	if err != nil || rep.Problem != nil {
		t.Fatalf("verify: %v %v", err, rep.Problem)
	}
	if got, want := rep.Heads, 9; got != want {
		t.Errorf("heads checked = %d, want %d", got, want)
	}
}

func TestAuditFilters(t *testing.T) {
	ctx := context.Background()
	s, a := openAudit(t, "", newKey(t))
	defer s.Close()
	fillLog(t, a, 12)
	start := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		f    audit.Filter
		want []uint64
	}{
		{"owner", audit.Filter{Owner: "police"}, []uint64{0, 3, 6, 9}},
		{"acting partner", audit.Filter{Partner: "police"}, []uint64{2, 5, 8, 11}},
		{"dataset without version", audit.Filter{Dataset: "incidents"}, []uint64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
		{"dataset with version", audit.Filter{Dataset: "incidents@4"}, []uint64{3}},
		{"action and outcome", audit.Filter{Action: "query", Outcome: audit.Denied}, []uint64{1}},
		{"user", audit.Filter{User: "analyst2"}, []uint64{2, 5, 8, 11}},
		{"time window", audit.Filter{Since: start.Add(3 * time.Second), Until: start.Add(5 * time.Second)}, []uint64{3, 4}},
		{"from and limit", audit.Filter{From: 5, Limit: 2}, []uint64{5, 6}},
		{"no match", audit.Filter{Agreement: "dsa-9"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			es, err := a.Entries(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, e := range es {
				got = append(got, e.Index)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestAuditRefusesOtherKey(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.duckdb")
	s, a := openAudit(t, path, newKey(t))
	fillLog(t, a, 1)
	_, err := s.AuditLog(ctx, newKey(t))
	if got, want := fault.Code(err), fault.Forbidden; got != want {
		t.Errorf("other key: code %q (%v), want %q", got, err, want)
	}
	s.Close()
}

func TestAuditConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	s, a := openAudit(t, filepath.Join(t.TempDir(), "a.duckdb"), key)
	defer s.Close()
	b, err := s.AuditLog(ctx, key) // a second handle on the same store
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		log := []*Audit{a, b}[w%2]
		wg.Go(func() {
			for i := range each {
				if _, err := log.Append(ctx, sampleEvent(w*each+i)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent append: %v", err)
	}
	rep, err := a.Verify(ctx, audit.Options{})
	if err != nil || rep.Problem != nil {
		t.Fatalf("verify after concurrent appends: %v %v", err, rep.Problem)
	}
	if got, want := rep.Size, uint64(workers*each); got != want {
		t.Errorf("size = %d, want %d", got, want)
	}
}

// tamper closes nothing: it opens the store file directly with the DuckDB
// driver, as someone with write access to the file could, and runs stmts.
func tamper(tb testing.TB, path string, stmts ...string) {
	tb.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			tb.Fatalf("tamper %q: %v", q, err)
		}
	}
}

func TestAuditDetectsTampering(t *testing.T) {
	const n = 10
	// a well-made extra entry: a copy of entry 3 refiled as entry 10, with
	// its index in the bytes and its leaf hash both made to fit
	insert := []string{
		`INSERT INTO audit_leaves SELECT 10, encode(replace(decode(entry), '"index":3,', '"index":10,')), leaf_hash, ts, actor_user, actor_partner, action, outcome, agreement, datasets, owners FROM audit_leaves WHERE idx = 3`,
		`UPDATE audit_leaves SET leaf_hash = unhex(sha256('\x00'::BLOB || entry)) WHERE idx = 10`,
	}
	cases := []struct {
		name  string
		stmts []string
		entry int64  // first bad entry named, -1 for none
		want  string // in the problem's message
	}{
		{"changed bytes", []string{`UPDATE audit_leaves SET entry = encode(replace(decode(entry), 'analyst1', 'analyst2')) WHERE idx = 4`}, 4, "do not match its leaf hash"},
		{"changed bytes and leaf hash", []string{
			`UPDATE audit_leaves SET entry = encode(replace(decode(entry), '"denied"', '"allowed"')), outcome = 'allowed' WHERE idx = 4`,
			`UPDATE audit_leaves SET leaf_hash = unhex(sha256('\x00'::BLOB || entry)) WHERE idx = 4`}, 4, "tree head signed at size 5"},
		{"changed search column", []string{`UPDATE audit_leaves SET owners = ['council'] WHERE idx = 6`}, 6, "search columns"},
		{"deleted middle row", []string{`DELETE FROM audit_leaves WHERE idx = 5`}, 5, "missing"},
		{"deleted last row", []string{`DELETE FROM audit_leaves WHERE idx = 9`}, 9, "deleted from the end"},
		{"inserted row at the end", insert, 10, "not covered by any signed tree head"},
		{"inserted row in the middle", insertAt5(), 5, "tree head signed at size 6"},
		{"swapped rows", []string{
			`UPDATE audit_leaves SET idx = -1 WHERE idx = 2`,
			`UPDATE audit_leaves SET idx = 2 WHERE idx = 7`,
			`UPDATE audit_leaves SET idx = 7 WHERE idx = -1`}, 2, "written at index 7"},
		{"forged head signature", []string{`UPDATE audit_heads SET signature = unhex(sha256(signature)) || unhex(sha256(root)) WHERE size = 8`}, 7, "signature that is not valid"},
		{"replaced public key", []string{`UPDATE audit_keys SET public_key = unhex(sha256(public_key))`}, 0, "signed by key"},
	}
	base := filepath.Join(t.TempDir(), "base.duckdb")
	s, a := openAudit(t, base, newKey(t))
	fillLog(t, a, n)
	s.Close()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			path := copyStore(t, base)
			tamper(t, path, c.stmts...)
			s, a := openAudit(t, path, nil)
			defer s.Close()
			rep, err := a.Verify(ctx, audit.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Problem == nil {
				t.Fatalf("verify found nothing wrong after %s", c.name)
			}
			if got := rep.Problem.Entry; got != c.entry {
				t.Errorf("first bad entry = %d, want %d (%v)", got, c.entry, rep.Problem)
			}
			if !strings.Contains(rep.Problem.Error(), c.want) {
				t.Errorf("problem %q does not contain %q", rep.Problem, c.want)
			}
		})
	}
}

// insertAt5 moves entries 5..9 up by one and files a well-made copy of entry
// 3 (index and leaf hash made to fit) as entry 5.
func insertAt5() []string {
	var q []string
	for i := 9; i >= 5; i-- {
		q = append(q, fmt.Sprintf(`UPDATE audit_leaves SET idx = %d WHERE idx = %d`, i+1, i))
	}
	return append(q,
		`INSERT INTO audit_leaves SELECT 5, encode(replace(decode(entry), '"index":3,', '"index":5,')), leaf_hash, ts, actor_user, actor_partner, action, outcome, agreement, datasets, owners FROM audit_leaves WHERE idx = 3`,
		`UPDATE audit_leaves SET leaf_hash = unhex(sha256('\x00'::BLOB || entry)) WHERE idx = 5`)
}

// TestAuditKeptHead checks the trust model: truncating the log and
// rebuilding it under a new key both pass a check of the store against
// itself, but a head a partner kept, or the trusted key, exposes them.
func TestAuditKeptHead(t *testing.T) {
	ctx := context.Background()
	key := newKey(t)
	pub := key.Public().(ed25519.PublicKey)
	cases := []struct {
		name   string
		attack func(t *testing.T, path string)
		opts   audit.Options // besides the kept head
		want   string        // in the problem with the kept head
	}{
		{"untouched", func(*testing.T, string) {}, audit.Options{}, ""},
		{"truncated to 3 entries", truncateTo3, audit.Options{}, "holds only 3 entries"},
		{"rebuilt under a new key", rebuild, audit.Options{}, "does not record"},
		{"rebuilt, trusted key", rebuild, audit.Options{Trusted: []ed25519.PublicKey{pub}}, "not a trusted key"},
	}
	base := filepath.Join(t.TempDir(), "base.duckdb")
	s, a := openAudit(t, base, key)
	fillLog(t, a, 5)
	kept, err := a.LatestHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kept, err = audit.ParseHead(kept.MarshalIndent()) // as the partner reads it back
	if err != nil {
		t.Fatal(err)
	}
	fillLog(t, a, 5)
	s.Close()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			path := copyStore(t, base)
			c.attack(t, path)
			s, a := openAudit(t, path, nil)
			defer s.Close()
			if c.opts.Trusted == nil {
				rep, err := a.Verify(ctx, audit.Options{})
				if err != nil || rep.Problem != nil {
					t.Fatalf("without a kept head the attack should pass unseen, got %v %v", err, rep.Problem)
				}
			}
			c.opts.Kept = []audit.Head{kept}
			rep, err := a.Verify(ctx, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.want == "" && rep.Problem != nil:
				t.Fatalf("intact log: %v", rep.Problem)
			case c.want == "" && rep.Kept != 1:
				t.Fatalf("kept heads proved = %d, want 1", rep.Kept)
			case c.want != "" && (rep.Problem == nil || !strings.Contains(rep.Problem.Error(), c.want)):
				t.Fatalf("problem %v, want one containing %q", rep.Problem, c.want)
			}
		})
	}
}

// truncateTo3 deletes every entry after the third with its heads and writes
// a matching tree state, as an attacker with the code could.
func truncateTo3(t *testing.T, path string) {
	s, a := openAudit(t, path, nil)
	tree := audit.NewTree()
	for l, err := range a.Leaves(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if l.Index < 3 {
			tree.Append(l.LeafHash, nil)
		}
	}
	s.Close()
	tamper(t, path, `DELETE FROM audit_leaves WHERE idx >= 3`, `DELETE FROM audit_heads WHERE size > 3`,
		`DELETE FROM audit_tree_states`, fmt.Sprintf(`INSERT INTO audit_tree_states VALUES (3, unhex('%x'))`, tree.State()))
}

// rebuild empties the log and writes it again, entry 1 altered, under a
// key of the attacker's own.
func rebuild(t *testing.T, path string) {
	tamper(t, path, `DELETE FROM audit_leaves`, `DELETE FROM audit_heads`, `DELETE FROM audit_keys`, `DELETE FROM audit_tree_states`)
	s, a := openAudit(t, path, newKey(t))
	defer s.Close()
	for i := range 10 {
		e := sampleEvent(i)
		if i == 1 {
			e.Outcome = audit.Allowed
		}
		if _, err := a.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

// copyStore copies a closed store file into a fresh temp dir, so cases can
// share one prepared log.
func copyStore(tb testing.TB, path string) string {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	dst := filepath.Join(tb.TempDir(), filepath.Base(path))
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// TestAuditSavedState checks appends across the saved tree state (saved
// every stateEvery entries, leaf hashes replayed after it) and that a
// tampered saved state stops both verify and append.
func TestAuditSavedState(t *testing.T) {
	defer func(n uint64) { stateEvery = n }(stateEvery)
	stateEvery = 4
	ctx := context.Background()
	key := newKey(t)
	path := filepath.Join(t.TempDir(), "a.duckdb")
	s, a := openAudit(t, path, key)
	fillLog(t, a, int(stateEvery)+3)
	s.Close()
	s, a = openAudit(t, path, key)
	fillLog(t, a, 1)
	rep, err := a.Verify(ctx, audit.Options{})
	if err != nil || rep.Problem != nil || rep.Heads != int(stateEvery)+4 {
		t.Fatalf("verify: heads %d, %v %v", rep.Heads, err, rep.Problem)
	}
	s.Close()
	tamper(t, path, `UPDATE audit_tree_states SET compact = unhex(sha256(compact)) WHERE size = (SELECT max(size) FROM audit_tree_states)`)
	s, a = openAudit(t, path, key)
	defer s.Close()
	rep, err = a.Verify(ctx, audit.Options{})
	if err != nil || rep.Problem == nil || rep.Problem.Entry != -1 || !strings.Contains(rep.Problem.Message, "saved tree state") {
		t.Fatalf("verify after editing the saved state: %v %v", err, rep.Problem)
	}
	if _, err := a.Append(ctx, sampleEvent(0)); fault.Code(err) != fault.Conflict {
		t.Fatalf("append on a tampered state: %v, want a conflict", err)
	}
}
