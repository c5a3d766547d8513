package store

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
)

// TestAuditGroupCommit holds the log's writer while 50 appends arrive, so
// the first is written alone and the other 49 queue and go in one
// transaction; the log then verifies with one signed head per entry, each
// caller got its own entry as stored, and a log whose saved tree state
// fell inside a group reopens and appends.
func TestAuditGroupCommit(t *testing.T) {
	defer func(n uint64) { stateEvery = n }(stateEvery)
	stateEvery = 4
	ctx := context.Background()
	key := newKey(t)
	path := filepath.Join(t.TempDir(), "a.duckdb")
	s, a := openAudit(t, path, key)
	const n = 50
	sh := a.share
	sh.mu.Lock()
	got := make([]audit.Entry, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], errs[i] = a.Append(ctx, sampleEvent(i)) })
	}
	for queued := 0; queued < n-1; { // the leader took itself; the rest queue behind it
		time.Sleep(time.Millisecond)
		sh.qmu.Lock()
		queued = len(sh.queue)
		sh.qmu.Unlock()
	}
	sh.mu.Unlock()
	wg.Wait()
	if sh.commits != 2 {
		t.Errorf("transactions = %d, want 2 (one lone append, then the 49 queued behind it)", sh.commits)
	}
	stored, err := a.Entries(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for i, e := range got {
		if errs[i] != nil {
			t.Fatalf("append %d: %v", i, errs[i])
		}
		if seen[e.Index] || e.Index >= n || !bytes.Equal(stored[e.Index].Bytes, e.Bytes) || e.Event.Target != sampleEvent(i).Target {
			t.Errorf("append %d got entry %d (%s), not its own as stored", i, e.Index, e.Event.Target)
		}
		seen[e.Index] = true
	}
	rep, err := a.Verify(ctx, audit.Options{})
	// One signed head per transaction: the lone append's and the group's.
	if err != nil || rep.Problem != nil || rep.Size != n || rep.Heads != sh.commits {
		t.Fatalf("verify: size %d, heads %d, %v %v; want %d and %d", rep.Size, rep.Heads, err, rep.Problem, n, sh.commits)
	}
	// An entry inside the group proves its inclusion in the group's head.
	head, err := a.LatestHead(ctx)
	if err != nil || head.Size != n {
		t.Fatalf("latest head: size %d, %v; want %d", head.Size, err, n)
	}
	pf, err := audit.ProveInclusion(ctx, a, n/2, head.Size)
	if err == nil {
		err = audit.VerifyInclusion(n/2, head.Size, stored[n/2].LeafHash, pf, head.Root)
	}
	if err != nil {
		t.Errorf("entry %d in the group's head: %v", n/2, err)
	}
	s.Close()
	s, a = openAudit(t, path, key) // the saved state (size 48) plus two replayed leaves
	defer s.Close()
	if e, err := a.Append(ctx, sampleEvent(n)); err != nil || e.Index != n {
		t.Fatalf("append after reopening: %d, %v", e.Index, err)
	}
	if rep, err := a.Verify(ctx, audit.Options{}); err != nil || rep.Problem != nil || rep.Size != n+1 {
		t.Fatalf("verify after reopening: %v %v", err, rep.Problem)
	}
}

// TestAuditAppendCancelled: an append whose context has ended is not
// written, and the log goes on.
func TestAuditAppendCancelled(t *testing.T) {
	ctx := context.Background()
	s, a := openAudit(t, "", newKey(t))
	defer s.Close()
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := a.Append(done, sampleEvent(0)); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled append: %v, want context.Canceled", err)
	}
	if e, err := a.Append(ctx, sampleEvent(1)); err != nil || e.Index != 0 {
		t.Fatalf("next append: index %d, %v; want 0", e.Index, err)
	}
}
