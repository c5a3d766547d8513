package postgres_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
)

// auditLockKey is the log's advisory lock ("audit" in ASCII), held here
// from another connection to stall the writer as another process would.
const auditLockKey = 0x6175646974

// TestAuditGroupCommit: another session holds the log's advisory lock
// while 50 appends arrive, so the first waits on it alone and the other
// 49 queue behind it; once the lock is let go they are written in one
// transaction. The log verifies with one signed head per transaction,
// every caller got its own entry as stored, and an entry inside the group
// proves its inclusion in the group's head.
func TestAuditGroupCommit(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	_, key, _ := ed25519.GenerateKey(nil)
	log, err := st.AuditLog(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := log.Append(ctx, audit.Event{User: "first", Action: "dataset.read", Outcome: audit.Allowed}); err != nil {
		t.Fatal(err)
	}
	before := st.AuditStats()
	holder, err := st.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Release()
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(auditLockKey)); err != nil {
		t.Fatal(err)
	}
	const n = 50
	got := make([]audit.Entry, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			got[i], errs[i] = log.Append(ctx, audit.Event{User: fmt.Sprint("u", i), Action: "dataset.read", Outcome: audit.Allowed})
		})
	}
	for st.AuditStats().Queued < n-1 { // the leader took itself; the rest queue behind it
		time.Sleep(time.Millisecond)
	}
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(auditLockKey)); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	after := st.AuditStats()
	if c := after.Commits - before.Commits; c != 2 {
		t.Errorf("transactions = %d, want 2 (the leader alone, then the 49 queued behind it)", c)
	}
	if after.Reloads != before.Reloads {
		t.Errorf("the tree's edge was read back %d times with no other writer; want it kept", after.Reloads-before.Reloads)
	}
	stored, err := log.Entries(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for i, e := range got {
		if errs[i] != nil {
			t.Fatalf("append %d: %v", i, errs[i])
		}
		if seen[e.Index] || e.Index > n || !bytes.Equal(stored[e.Index].Bytes, e.Bytes) || e.Event.User != fmt.Sprint("u", i) {
			t.Errorf("append %d got entry %d (%s), not its own as stored", i, e.Index, e.Event.User)
		}
		seen[e.Index] = true
	}
	rep, err := log.Verify(ctx, audit.Options{})
	if err != nil || rep.Problem != nil || rep.Size != n+1 || uint64(rep.Heads) != after.Commits {
		t.Fatalf("verify: size %d, heads %d, %v %v; want %d and %d", rep.Size, rep.Heads, err, rep.Problem, n+1, after.Commits)
	}
	head, err := log.LatestHead(ctx)
	if err != nil || head.Size != n+1 {
		t.Fatalf("latest head: size %d, %v; want %d", head.Size, err, n+1)
	}
	pf, err := audit.ProveInclusion(ctx, log, n/2, head.Size)
	if err == nil {
		err = audit.VerifyInclusion(n/2, head.Size, stored[n/2].LeafHash, pf, head.Root)
	}
	if err != nil {
		t.Errorf("entry %d in the group's head: %v", n/2, err)
	}
	t.Logf("attacked: 50 appends stalled behind another session's lock; held: %d transactions, %d entries, log intact", after.Commits-before.Commits, rep.Size)
}

// TestAuditKeptEdgeFollowsOtherWriters: a process's kept tree edge is
// used only while the latest signed head is its own; after another
// process appends, or a head is forged in the database, the next append
// reads the edge back and checks it, so it neither forks the log nor
// builds on a forged head.
func TestAuditKeptEdgeFollowsOtherWriters(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Fresh(t)
	_, key, _ := ed25519.GenerateKey(nil)
	var stores []*postgres.Store
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
		stores, logs = append(stores, st), append(logs, log)
	}
	ev := func(u string) audit.Event {
		return audit.Event{User: u, Action: "dataset.read", Outcome: audit.Allowed}
	}
	for i := range 6 { // alternate: each append follows the other process's
		if _, err := logs[i%2].Append(ctx, ev(fmt.Sprint("p", i%2, "-", i))); err != nil {
			t.Fatal(err)
		}
	}
	if r := stores[0].AuditStats().Reloads + stores[1].AuditStats().Reloads; r < 5 {
		t.Errorf("%d reloads for 6 alternating appends; each after the other's must reload", r)
	}
	rep, err := logs[0].Verify(ctx, audit.Options{})
	if err != nil || rep.Problem != nil || rep.Size != 6 {
		t.Fatalf("verify after alternating appends: size %d, %v %v", rep.Size, err, rep.Problem)
	}
	if _, err := stores[0].Pool().Exec(ctx, `UPDATE audit_heads SET root = sha256(root) WHERE size = 6`); err != nil {
		t.Fatal(err)
	}
	_, err = logs[1].Append(ctx, ev("after-forgery")) // logs[1] wrote the head at 6 and keeps its edge
	if err == nil {
		t.Fatal("an append built on a forged latest head")
	}
	t.Logf("attacked: forged the latest signed head under a process's kept edge; held: append refused: %v", err)
}
