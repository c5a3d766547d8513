package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
// The tree's right edge is kept in memory between groups, so a group is
// one round trip: BEGIN, the lock, a check that the latest signed head is
// still the one this process wrote (civiclink_audit_expect_head, migration
// 0004), the inserts, COMMIT. When another process appended meanwhile, the
// head was changed, or the kept edge is unknown, the group is written
// again on the edge read back from the tables and checked against the
// latest head ([loadTree]), exactly as before group commit.

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
// log's advisory lock, filling in their entries: in one round trip on the
// kept edge when there is one, else (or when the log moved on) on the edge
// read back from the tables.
func (a *Audit) writeLive(ctx context.Context, group []*pendingAppend, live []int, results []appendResult) error {
	sh := &a.s.audit
	conn, err := a.s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if kept := sh.tree; kept != nil {
		sh.tree = nil // until a transaction on it commits
		b := &pgx.Batch{}
		b.Queue(`BEGIN`)
		b.Queue(`SELECT pg_advisory_xact_lock($1)`, int64(auditLock))
		b.Queue(`SELECT civiclink_audit_expect_head($1, $2)`, int64(kept.Size()), kept.Root())
		last, ok := a.queueGroup(b, kept, group, live, results)
		if !ok {
			return nil
		}
		b.Queue(`COMMIT`)
		err := sendAll(ctx, conn.Conn(), b)
		if err == nil {
			sh.tree = kept
			sh.commits.Add(1)
			return nil
		}
		conn.Exec(context.WithoutCancel(ctx), `ROLLBACK`)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != headMoved {
			return fmt.Errorf("write audit entries up to %d: %w", last.Index, err)
		}
	}
	sh.reloads.Add(1)
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditLock)); err != nil {
		return err
	}
	tree, err := loadTree(ctx, tx)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	last, ok := a.queueGroup(b, tree, group, live, results)
	if !ok {
		return nil
	}
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

// headMoved is the SQLSTATE civiclink_audit_expect_head raises when the
// log's latest head is not the one the kept edge leads to (migration 0004).
const headMoved = "CL001"

// queueGroup makes the live appends' entries on tree, extending it, and
// queues on b their leaves, any tree state and the signed head of the tree
// they leave. It returns the last entry, and false when no entry was made.
func (a *Audit) queueGroup(b *pgx.Batch, tree *audit.Tree, group []*pendingAppend, live []int, results []appendResult) (audit.Entry, bool) {
	var last audit.Entry
	made := false
	for _, i := range live {
		entry, err := audit.NewEntry(tree.Size(), group[i].event)
		if err != nil {
			results[i] = appendResult{err: err}
			continue
		}
		tree.Append(entry.LeafHash, nil)
		queueLeaf(b, entry)
		if tree.Size()%stateEvery == 0 {
			b.Queue(`INSERT INTO audit_tree_states VALUES ($1, $2)`, int64(tree.Size()), tree.State())
		}
		results[i] = appendResult{entry: entry}
		last, made = entry, true
	}
	if made {
		h := audit.Sign(a.key, tree.Size(), tree.Root(), last.Event.Time)
		b.Queue(`INSERT INTO audit_heads VALUES ($1, $2, $3, $4, $5)`, int64(h.Size), h.Root, h.Time.UTC(), h.KeyID, h.Signature)
	}
	return last, made
}

// sendAll sends b in one round trip and returns the first statement's
// error, if any.
func sendAll(ctx context.Context, conn *pgx.Conn, b *pgx.Batch) error {
	br := conn.SendBatch(ctx, b)
	var first error
	for range b.Len() {
		if _, err := br.Exec(); err != nil && first == nil {
			first = err
		}
	}
	if err := br.Close(); err != nil && first == nil {
		first = err
	}
	return first
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
