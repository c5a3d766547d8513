package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
)

// Group commit. Appends that arrive while a transaction is being written
// queue up; when it commits, the first of them writes the whole queue in
// the next transaction: a leaf per entry and one signed head for the tree
// the group leaves. No entry is ever stored without a head that covers
// it, since both commit together, and each proves its inclusion against
// that head exactly as against one of its own. Nobody waits on a timer: a
// group is whatever queued during the previous commit, so a lone append
// costs what it always did, and 50 concurrent ones share a few commits
// instead of taking 50 turns. Every caller returns only after the
// transaction holding its entry committed (or failed).

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

// Append stamps e with the store's clock and appends it as the next entry,
// covered by a signed head for the new tree size: O(log n) hashes, no earlier
// leaf read. Concurrent appends are committed together (see above); Append
// returns once e's transaction has committed.
func (a *Audit) Append(ctx context.Context, e audit.Event) (audit.Entry, error) {
	if a.key == nil {
		return audit.Entry{}, fault.Errorf(fault.Internal, "the audit log was opened without its signing key and cannot append")
	}
	e.Time = a.s.now()
	if err := e.Validate(); err != nil {
		return audit.Entry{}, err
	}
	p := &pendingAppend{ctx: ctx, event: e, done: make(chan appendResult, 1)}
	sh := a.share
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

// commitGroup writes the queue (whose first append is the caller's), hands
// the lead to the next queued append, if any, and answers the group.
func (a *Audit) commitGroup() {
	sh := a.share
	sh.qmu.Lock()
	n := len(sh.queue)
	if sh.maxGroup > 0 {
		n = min(n, sh.maxGroup)
	}
	group := sh.queue[:n:n]
	sh.queue = append([]*pendingAppend(nil), sh.queue[n:]...)
	sh.qmu.Unlock()

	results := a.writeGroup(group)
	a.s.busy()

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
// the tree is reloaded from the store next time.
func (a *Audit) writeGroup(group []*pendingAppend) []appendResult {
	sh := a.share
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
		for _, i := range live {
			if results[i].err == nil {
				results[i] = appendResult{err: err}
			}
		}
	}
	return results
}

// writeLive writes the live appends of group, filling in their entries:
// to the journal of a file store, or in one transaction.
func (a *Audit) writeLive(ctx context.Context, group []*pendingAppend, live []int, results []appendResult) error {
	sh := a.share
	if err := sh.prepare(ctx, a.s.db); err != nil {
		return err
	}
	if sh.tree == nil {
		if err := a.settle(); err != nil {
			return err
		}
		tree, err := a.loadTree(ctx)
		if err != nil {
			return err
		}
		sh.tree = tree
	}
	tree := sh.tree
	w := &groupWrite{}
	for _, i := range live {
		entry, err := audit.NewEntry(tree.Size(), group[i].event)
		if err != nil {
			results[i].err = err
			continue
		}
		tree.Append(entry.LeafHash, nil)
		w.add(entry, tree)
		results[i].entry = entry
	}
	n := len(w.entries)
	if n == 0 {
		return nil
	}
	w.head = audit.Sign(a.key, tree.Size(), tree.Root(), w.entries[n-1].Event.Time)
	if sh.journal != nil {
		if err := sh.journal.append(w); err != nil {
			return err
		}
		sh.commits++
		return nil
	}
	tx, err := a.s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := sh.write(ctx, tx, w); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit audit entries up to %d: %w", w.entries[n-1].Index, err)
	}
	sh.commits++
	return nil
}

// loadTree reads the tree's right edge from the tables (see [loadTree]).
func (a *Audit) loadTree(ctx context.Context) (*audit.Tree, error) {
	tx, err := a.s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return loadTree(ctx, tx)
}

// groupWrite is what one transaction writes: entries, the signed head
// of the tree they leave, and the tree's right edge when a size divisible
// by stateEvery was reached.
type groupWrite struct {
	entries   []audit.Entry
	head      audit.Head
	stateSize uint64
	state     []byte
}

func (w *groupWrite) add(e audit.Entry, tree *audit.Tree) {
	w.entries = append(w.entries, e)
	if tree.Size()%stateEvery == 0 {
		w.stateSize, w.state = tree.Size(), tree.State()
	}
}

// write inserts w within tx: its leaves, its head and any tree state.
func (sh *auditShare) write(ctx context.Context, tx *sql.Tx, w *groupWrite) error {
	if len(w.entries) == 0 {
		return nil
	}
	if err := sh.writeLeaves(ctx, tx, w.entries); err != nil {
		return err
	}
	h := w.head
	if _, err := tx.StmtContext(ctx, sh.stmts[1]).ExecContext(ctx, h.Size, h.Root, h.Time, h.KeyID, h.Signature); err != nil {
		return fmt.Errorf("insert audit head %d: %w", h.Size, err)
	}
	if w.state == nil {
		return nil
	}
	_, err := tx.StmtContext(ctx, sh.stmts[2]).ExecContext(ctx, w.stateSize, w.state)
	return err
}

// writeLeaves inserts entries within tx: a lone one through the one-row
// statement, more through one statement over list parameters.
func (sh *auditShare) writeLeaves(ctx context.Context, tx *sql.Tx, es []audit.Entry) error {
	if len(es) == 1 {
		return sh.insertLeaf(ctx, tx, es[0])
	}
	return insertLeaves(ctx, tx.StmtContext(ctx, sh.stmts[3]), es)
}

func insertLeaves(ctx context.Context, st *sql.Stmt, es []audit.Entry) error {
	n := len(es)
	idx, bs, hs := make([]int64, n), make([]string, n), make([]string, n)
	ts := make([]time.Time, n)
	user, partner, action, outcome, agreement := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	datasets, owners := make([][]string, n), make([][]string, n)
	for i, e := range es {
		c := audit.ColumnsOf(e.Event)
		idx[i], bs[i], hs[i], ts[i] = int64(e.Index), b64(e.Bytes), b64(e.LeafHash), c.Time
		user[i], partner[i], action[i], outcome[i], agreement[i] = c.User, c.Partner, c.Action, c.Outcome, c.Agreement
		datasets[i], owners[i] = nonNil(c.Datasets), nonNil(c.Owners)
	}
	_, err := st.ExecContext(ctx, idx, bs, hs, ts, user, partner, action, outcome, agreement, datasets, owners)
	if err != nil {
		return fmt.Errorf("insert audit entries %d to %d: %w", es[0].Index, es[n-1].Index, err)
	}
	return nil
}

func insertHeads(ctx context.Context, st *sql.Stmt, hs []audit.Head) error {
	n := len(hs)
	size, root, ts, keyID, sig := make([]int64, n), make([]string, n), make([]time.Time, n), make([]string, n), make([]string, n)
	for i, h := range hs {
		size[i], root[i], ts[i], keyID[i], sig[i] = int64(h.Size), b64(h.Root), h.Time, h.KeyID, b64(h.Signature)
	}
	if _, err := st.ExecContext(ctx, size, root, ts, keyID, sig); err != nil {
		return fmt.Errorf("insert audit heads %d to %d: %w", hs[0].Size, hs[n-1].Size, err)
	}
	return nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
