package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
)

// Audit is the audit log kept in the store's own tables (migration
// 0002_audit.sql). With a signing key it appends; without one it can only be
// read and verified.
type Audit struct {
	s     *Store
	key   ed25519.PrivateKey
	share *auditShare
}

var (
	_ audit.Log    = (*Audit)(nil)
	_ audit.Source = (*Audit)(nil)
)

// auditShare is what every Audit over one open store shares: the queue
// that groups concurrent appends into one transaction, the right edge of
// the tree (read and checked against the latest signed head once, then
// kept in memory so an append reads nothing) and the prepared statements.
type auditShare struct {
	mu      sync.Mutex  // held by the one committer writing a group
	tree    *audit.Tree // nil until loaded, and again after a failed group
	commits int         // groups committed (for tests)

	smu   sync.Mutex  // guards stmts: the committer and the mover prepare them
	stmts []*sql.Stmt // prepared appends, see [appendSQL]

	// journal holds a file store's appends until the mover has written
	// them to the tables (audit_journal.go); nil for an in-memory store.
	journal     *journal
	journalOnce sync.Once
	journalErr  error

	qmu     sync.Mutex
	queue   []*pendingAppend // waiting for the next group
	leading bool             // a committer is writing or about to
	// maxGroup caps the entries of one transaction; 1 writes every append
	// in its own (the reference the benchmark compares with).
	maxGroup int
}

// appendSQL are the statements of appends, prepared once per store: a
// leaf, a signed head, the tree state, and many leaves and many heads as
// list parameters (DuckDB binds no BLOB lists, so bytes go as base64). Every
// statement only inserts, so appends go on while DuckDB checkpoints.
var appendSQL = []string{
	`INSERT INTO audit_leaves VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	`INSERT INTO audit_heads VALUES (?, ?, ?, ?, ?)`,
	`INSERT INTO audit_tree_states VALUES (?, ?)`,
	`INSERT INTO audit_leaves SELECT unnest(?::BIGINT[]), from_base64(unnest(?::VARCHAR[])),
		from_base64(unnest(?::VARCHAR[])), unnest(?::TIMESTAMP[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
		unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[][]), unnest(?::VARCHAR[][])`,
	`INSERT INTO audit_heads SELECT unnest(?::BIGINT[]), from_base64(unnest(?::VARCHAR[])),
		unnest(?::TIMESTAMP[]), unnest(?::VARCHAR[]), from_base64(unnest(?::VARCHAR[]))`,
}

// latestTreeState reads the newest saved right edge of the tree.
const latestTreeState = `SELECT size, compact FROM audit_tree_states ORDER BY size DESC LIMIT 1`

// stateEvery is how often (in entries) an append also saves the tree's
// right edge; loading replays the few leaf hashes written since. Tests
// lower it.
var stateEvery uint64 = 64

// prepare prepares appendSQL on first use.
func (sh *auditShare) prepare(ctx context.Context, db *sql.DB) error {
	sh.smu.Lock()
	defer sh.smu.Unlock()
	if sh.stmts != nil {
		return nil
	}
	var stmts []*sql.Stmt
	for _, q := range appendSQL {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			for _, st := range stmts {
				st.Close()
			}
			return fmt.Errorf("prepare audit append: %w", err)
		}
		stmts = append(stmts, st)
	}
	sh.stmts = stmts
	return nil
}

// auditShares maps each open *Store to its *auditShare.
var auditShares sync.Map

// AuditLog returns the store's audit log. key signs tree heads on append; it
// must be the key the log was started with (the first key given is recorded
// in the store). A nil key gives a log that can be read and verified only.
func (s *Store) AuditLog(ctx context.Context, key ed25519.PrivateKey) (*Audit, error) {
	sh, _ := auditShares.LoadOrStore(s, &auditShare{})
	a := &Audit{s: s, key: key, share: sh.(*auditShare)}
	if s.journaled() {
		a.share.journalOnce.Do(func() { a.share.journalErr = a.share.openJournal(ctx, s) })
		if a.share.journalErr != nil {
			return nil, a.share.journalErr
		}
	}
	if key == nil {
		return a, nil
	}
	a.share.mu.Lock()
	defer a.share.mu.Unlock()
	if err := a.registerKey(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// registerKey records the signing key's public half on first use and
// refuses a key the log was not started with.
func (a *Audit) registerKey(ctx context.Context) error {
	keys, err := a.Keys(ctx)
	if err != nil {
		return err
	}
	pub := a.key.Public().(ed25519.PublicKey)
	id := audit.KeyID(pub)
	if k, ok := keys[id]; ok && bytes.Equal(k, pub) {
		return nil
	}
	if len(keys) > 0 {
		return fault.FieldErrorf(fault.Forbidden, "audit-key", "the audit signing key %s is not the key this log is signed with; use the key file made when the log started", id)
	}
	_, err = a.s.db.ExecContext(ctx, `INSERT INTO audit_keys VALUES (?, ?, ?)`, id, []byte(pub), a.s.now())
	return err
}

// loadTree reads the saved right edge of the tree, replays the leaf hashes
// appended since it was saved, and checks the result against the latest
// signed head, so appends never build on a tampered state.
func loadTree(ctx context.Context, tx *sql.Tx) (*audit.Tree, error) {
	var size uint64
	var state []byte
	err := tx.QueryRowContext(ctx, latestTreeState).Scan(&size, &state)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	tree, err := audit.LoadTree(size, state)
	if err != nil {
		return nil, tamperedState(err)
	}
	if err := replaySince(ctx, tx, tree); err != nil {
		return nil, err
	}
	var later int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM audit_heads WHERE size > ?`, tree.Size()).Scan(&later); err != nil {
		return nil, err
	}
	if later > 0 {
		return nil, tamperedState(fmt.Errorf("%d signed heads are beyond the log's %d entries", later, tree.Size()))
	}
	if tree.Size() == 0 {
		return tree, nil
	}
	var root []byte
	err = tx.QueryRowContext(ctx, `SELECT root FROM audit_heads WHERE size = ?`, tree.Size()).Scan(&root)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if !bytes.Equal(root, tree.Root()) {
		return nil, tamperedState(fmt.Errorf("the head for size %d is missing or has another root", tree.Size()))
	}
	return tree, nil
}

// replaySince appends to tree the leaf hashes stored from its size on.
func replaySince(ctx context.Context, tx *sql.Tx, tree *audit.Tree) error {
	rows, err := tx.QueryContext(ctx, `SELECT idx, leaf_hash FROM audit_leaves WHERE idx >= ? ORDER BY idx`, tree.Size())
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var idx uint64
		var h []byte
		if err := rows.Scan(&idx, &h); err != nil {
			return err
		}
		if idx != tree.Size() {
			return tamperedState(fmt.Errorf("entry %d missing", tree.Size()))
		}
		tree.Append(h, nil)
	}
	return rows.Err()
}

func tamperedState(err error) error {
	return fault.Wrap(err, fault.Conflict, "the audit log's stored state does not match its latest signed tree head, so nothing more can be appended; run `civiclink audit verify` to find what was changed")
}

// insertLeaf writes one entry's leaf within tx.
func (sh *auditShare) insertLeaf(ctx context.Context, tx *sql.Tx, e audit.Entry) error {
	c := audit.ColumnsOf(e.Event)
	_, err := tx.StmtContext(ctx, sh.stmts[0]).ExecContext(ctx,
		e.Index, e.Bytes, e.LeafHash, c.Time, c.User, c.Partner, c.Action, c.Outcome, c.Agreement,
		nonNil(c.Datasets), nonNil(c.Owners))
	if err != nil {
		return fmt.Errorf("insert audit entry %d: %w", e.Index, err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// settle waits until every entry appended so far is in the tables (see
// audit_journal.go); every read of the log begins with it.
func (a *Audit) settle() error {
	if j := a.share.journal; j != nil {
		return j.settle()
	}
	return nil
}

// Count returns how many leaves are stored.
func (a *Audit) Count(ctx context.Context) (uint64, error) {
	if err := a.settle(); err != nil {
		return 0, err
	}
	var n uint64
	err := a.s.db.QueryRowContext(ctx, `SELECT count(*) FROM audit_leaves`).Scan(&n)
	return n, err
}

// TreeState returns the saved right edge of the tree (saved every
// stateEvery entries).
func (a *Audit) TreeState(ctx context.Context) (uint64, []byte, error) {
	if err := a.settle(); err != nil {
		return 0, nil, err
	}
	var size uint64
	var state []byte
	err := a.s.db.QueryRowContext(ctx, latestTreeState).Scan(&size, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, nil
	}
	return size, state, err
}

// Keys returns the public keys recorded in the store, by key id.
func (a *Audit) Keys(ctx context.Context) (map[string]ed25519.PublicKey, error) {
	rows, err := a.s.db.QueryContext(ctx, `SELECT key_id, public_key FROM audit_keys`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	keys := map[string]ed25519.PublicKey{}
	for rows.Next() {
		var id string
		var pub []byte
		if err := rows.Scan(&id, &pub); err != nil {
			return nil, err
		}
		keys[id] = pub
	}
	return keys, rows.Err()
}

const leafColumns = `idx, entry, leaf_hash, ts, actor_user, actor_partner, action, outcome, agreement, datasets, owners`

// Leaves yields every stored leaf in index order, as stored.
func (a *Audit) Leaves(ctx context.Context) iter.Seq2[audit.Leaf, error] {
	return a.leaves(ctx, `SELECT `+leafColumns+` FROM audit_leaves ORDER BY idx`)
}

func (a *Audit) leaves(ctx context.Context, query string, args ...any) iter.Seq2[audit.Leaf, error] {
	return func(yield func(audit.Leaf, error) bool) {
		if err := a.settle(); err != nil {
			yield(audit.Leaf{}, err)
			return
		}
		rows, err := a.s.db.QueryContext(ctx, query, args...)
		if err != nil {
			yield(audit.Leaf{}, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			l, err := scanLeaf(rows)
			if !yield(l, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(audit.Leaf{}, err)
		}
	}
}

func scanLeaf(rows *sql.Rows) (audit.Leaf, error) {
	var l audit.Leaf
	var idx int64
	var ds, ow []any
	c := &l.Columns
	if err := rows.Scan(&idx, &l.Bytes, &l.LeafHash, &c.Time, &c.User, &c.Partner, &c.Action, &c.Outcome, &c.Agreement, &ds, &ow); err != nil {
		return l, err
	}
	if idx < 0 {
		return l, fault.Errorf(fault.Conflict, "the audit log holds an entry filed under the negative index %d: it was tampered with", idx)
	}
	l.Index = uint64(idx)
	c.Datasets, c.Owners = strings1(ds), strings1(ow)
	return l, nil
}

// strings1 turns a scanned VARCHAR[] into a []string (nil when empty, as
// [audit.ColumnsOf] makes it).
func strings1(vs []any) []string {
	var out []string
	for _, v := range vs {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// Heads yields every stored signed tree head in size order.
func (a *Audit) Heads(ctx context.Context) iter.Seq2[audit.Head, error] {
	return func(yield func(audit.Head, error) bool) {
		if err := a.settle(); err != nil {
			yield(audit.Head{}, err)
			return
		}
		rows, err := a.s.db.QueryContext(ctx, `SELECT size, root, ts, key_id, signature FROM audit_heads ORDER BY size`)
		if err != nil {
			yield(audit.Head{}, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var h audit.Head
			err := rows.Scan(&h.Size, &h.Root, &h.Time, &h.KeyID, &h.Signature)
			if !yield(h, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(audit.Head{}, err)
		}
	}
}

// LatestHead returns the newest signed tree head with its public key, ready
// to export; NotFound when nothing was appended yet.
func (a *Audit) LatestHead(ctx context.Context) (audit.Head, error) {
	if err := a.settle(); err != nil {
		return audit.Head{}, err
	}
	var h audit.Head
	var pub []byte
	err := a.s.db.QueryRowContext(ctx, `SELECT h.size, h.root, h.ts, h.key_id, h.signature, k.public_key
		FROM audit_heads h LEFT JOIN audit_keys k USING (key_id) ORDER BY h.size DESC LIMIT 1`).
		Scan(&h.Size, &h.Root, &h.Time, &h.KeyID, &h.Signature, &pub)
	if errors.Is(err, sql.ErrNoRows) {
		return h, fault.Errorf(fault.NotFound, "the audit log is empty: nothing has been recorded yet")
	}
	h.PublicKey = pub
	return h, err
}

// Verify replays the whole log (see [audit.Verify]).
func (a *Audit) Verify(ctx context.Context, opts audit.Options) (audit.Report, error) {
	return audit.Verify(ctx, a, opts)
}
