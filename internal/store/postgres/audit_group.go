package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/audit"
)

// Group commit, as the embedded store does it (internal/store's
// audit_group.go), across processes. Appends that arrive while this
// process is writing a transaction queue up; when it commits, the first
// of them writes the whole queue in the next transaction: under the log's
// advisory lock, a leaf per entry and one signed head for the tree the
// group leaves. No entry is stored without a head that covers it (both
// commit together), and every caller returns only after the transaction
// holding its entry committed, so an answered read is on the log. Nobody
// waits on a timer: a lone append costs one transaction, and 50
// concurrent ones share a few.
//
// The tree's right edge is kept in memory between groups. Under the lock
// the transaction reads the latest signed head; while it is the head this
// process wrote last, the kept edge is the log's and nothing else is read.
// When another process appended meanwhile (or the kept edge is unknown),
// the edge is reloaded from the tables and checked against that head
// ([loadTree]), exactly as before.

// auditShare is the per-store state of the log's appends, shared by every
// [Audit] the store hands out.
type auditShare struct {
	qmu     sync.Mutex // guards queue and leading
	queue   []*pendingAppend
	leading bool

	mu      sync.Mutex    // held while a group is written
	tree    *audit.Tree   // the log's right edge as this process last wrote it; nil when unknown
	commits atomic.Uint64 // transactions written, for tests and benchmarks
	reloads atomic.Uint64 // times the edge was read from the tables
}

// pendingAppend is one queued append and where its answer goes.
type pendingAppend struct {
	ctx   context.Context
	event audit.Event
	done  chan appendResult // buffered: a lead signal, then the result
}

// appendResult answers a pendingAppend: its entry or error, or, with lead
// set, that it must now write the queue itself.
type appendResult struct {
	entry audit.Entry
	err   error
	lead  bool
}

// enqueue queues e and returns its entry once the transaction holding it
// committed (or failed).
func (a *Audit) enqueue(ctx context.Context, e audit.Event) (audit.Entry, error) {
	p := &pendingAppend{ctx: ctx, event: e, done: make(chan appendResult, 1)}
	sh := &a.s.audit
	sh.qmu.Lock()
	sh.queue = append(sh.queue, p)
	lead := !sh.leading
	sh.leading = true
	sh.qmu.Unlock()
	if !lead {
		if r := <-p.done; !r.lead {
			return r.entry, r.err
		}
	}
	a.commitGroup()
	r := <-p.done
	return r.entry, r.err
}

// maxGroup bounds how many appends one transaction writes.
const maxGroup = 512

// commitGroup writes the queue (whose first append is the caller's), hands
// the lead to the next queued append, if any, and answers the group.
func (a *Audit) commitGroup() {
	sh := &a.s.audit
	sh.qmu.Lock()
	n := min(len(sh.queue), maxGroup)
	group := sh.queue[:n:n]
	sh.queue = append([]*pendingAppend(nil), sh.queue[n:]...)
	sh.qmu.Unlock()

	results := a.writeGroup(group)

	sh.qmu.Lock()
	if len(sh.queue) > 0 {
		sh.queue[0].done <- appendResult{lead: true}
	} else {
		sh.leading = false
	}
	sh.qmu.Unlock()
	for i, p := range group {
		p.done <- results[i]
	}
}

// writeGroup appends the group's events in one transaction. An append
// whose context ended before the group started is left out with its
// context's error; if the transaction fails, every append in it fails and
// the edge is reloaded from the tables next time.
func (a *Audit) writeGroup(group []*pendingAppend) []appendResult {
	sh := &a.s.audit
	sh.mu.Lock()
	defer sh.mu.Unlock()
	results := make([]appendResult, len(group))
	live := make([]int, 0, len(group))
	for i, p := range group {
		if err := p.ctx.Err(); err != nil {
			results[i].err = err
		} else {
			live = append(live, i)
		}
	}
	if len(live) == 0 {
		return results
	}
	// The group outlives any one caller's cancellation: others wait on it.
	ctx := context.WithoutCancel(group[live[0]].ctx)
	if err := a.writeLive(ctx, group, live, results); err != nil {
		sh.tree = nil
		err = appendError(err)
		for _, i := range live {
			if results[i].err == nil {
				results[i] = appendResult{err: err}
			}
		}
	}
	return results
}

// writeLive writes the live appends of group in one transaction under the
// log's advisory lock, filling in their entries.
func (a *Audit) writeLive(ctx context.Context, group []*pendingAppend, live []int, results []appendResult) error {
	sh := &a.s.audit
	tx, err := a.s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	tree, err := a.edge(ctx, tx)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	var last audit.Entry
	for _, i := range live {
		entry, err := audit.NewEntry(tree.Size(), group[i].event)
		if err != nil {
			results[i].err = err
			continue
		}
		tree.Append(entry.LeafHash, nil)
		queueLeaf(b, entry)
		if tree.Size()%stateEvery == 0 {
			b.Queue(`INSERT INTO audit_tree_states VALUES ($1, $2)`, int64(tree.Size()), tree.State())
		}
		results[i].entry, last = entry, entry
	}
	if b.Len() == 0 {
		return nil
	}
	h := audit.Sign(a.key, tree.Size(), tree.Root(), last.Event.Time)
	b.Queue(`INSERT INTO audit_heads VALUES ($1, $2, $3, $4, $5)`, int64(h.Size), h.Root, h.Time.UTC(), h.KeyID, h.Signature)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("insert audit entries up to %d: %w", last.Index, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit audit entries up to %d: %w", last.Index, err)
	}
	sh.tree = tree
	sh.commits.Add(1)
	return nil
}

// edge takes the log's advisory lock within tx and returns the tree's
// right edge: the one kept in memory when the latest signed head is still
// the one it leads to, else the one [loadTree] reads and checks. The
// caller may extend it; it becomes the kept edge only once committed.
func (a *Audit) edge(ctx context.Context, tx pgx.Tx) (*audit.Tree, error) {
	sh := &a.s.audit
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_advisory_xact_lock($1)`, int64(auditLock))
	b.Queue(`SELECT size, root FROM audit_heads ORDER BY size DESC LIMIT 1`)
	br := tx.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return nil, err
	}
	var size int64
	var root []byte
	err := br.QueryRow().Scan(&size, &root)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		br.Close()
		return nil, err
	}
	if err := br.Close(); err != nil {
		return nil, err
	}
	if kept := sh.tree; kept != nil && kept.Size() == uint64(size) && (size == 0 || bytes.Equal(kept.Root(), root)) {
		sh.tree = nil // until this transaction commits
		return kept, nil
	}
	sh.tree = nil
	sh.reloads.Add(1)
	return loadTree(ctx, tx)
}

// queueLeaf queues the insert of e's leaf on b.
func queueLeaf(b *pgx.Batch, e audit.Entry) {
	c := audit.ColumnsOf(e.Event)
	b.Queue(`INSERT INTO audit_leaves VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		int64(e.Index), e.Bytes, e.LeafHash, c.Time.UTC(), c.User, c.Partner, c.Action, c.Outcome, c.Agreement,
		nonNil(c.Datasets), nonNil(c.Owners))
}

// AuditStats is what a store's appends did: transactions written, times
// the tree's edge was read back from the tables (another process had
// appended in between, or a transaction failed) and appends now queued
// behind the group being written.
type AuditStats struct {
	Commits, Reloads uint64
	Queued           int
}

// AuditStats reports this store's appends so far, for tests and
// benchmarks.
func (s *Store) AuditStats() AuditStats {
	s.audit.qmu.Lock()
	q := len(s.audit.queue)
	s.audit.qmu.Unlock()
	return AuditStats{Commits: s.audit.commits.Load(), Reloads: s.audit.reloads.Load(), Queued: q}
}
