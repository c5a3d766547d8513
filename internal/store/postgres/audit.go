package postgres

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
)

// Audit is the audit log in PostgreSQL: the same RFC 6962 Merkle log with
// signed tree heads as the embedded store keeps, shared by every process
// on the database. Appends are written in transactions under an advisory
// lock, so appends from several processes form one log that verifies;
// concurrent appends in one process share a transaction (group commit).
type Audit struct {
	s   *Store
	key ed25519.PrivateKey
	db  querier // reads: the pool, or a migration's transaction
}

var (
	_ audit.Log    = (*Audit)(nil)
	_ audit.Source = (*Audit)(nil)
)

// auditLock is the advisory lock key serialising appends ("audit" in ASCII).
const auditLock = 0x6175646974

// stateEvery is how often (in entries) an append also saves the tree's
// right edge; loading replays the leaf hashes written since.
const stateEvery = 64

// AuditLog returns the audit log. key signs tree heads on append; it must
// be the key the log was started with (the first key given is recorded).
// A nil key gives a log that can be read and verified only.
func (s *Store) AuditLog(ctx context.Context, key ed25519.PrivateKey) (*Audit, error) {
	a := &Audit{s: s, key: key, db: s.pool}
	if key == nil {
		return a, nil
	}
	pub := key.Public().(ed25519.PublicKey)
	id := audit.KeyID(pub)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditLock)); err != nil {
			return err
		}
		keys, err := keysOf(ctx, tx)
		if err != nil {
			return err
		}
		if k, ok := keys[id]; ok && bytes.Equal(k, pub) {
			return nil
		}
		if len(keys) > 0 {
			return fault.FieldErrorf(fault.Forbidden, "audit-key", "the audit signing key %s is not the key this log is signed with; use the key file made when the log started", id)
		}
		_, err = tx.Exec(ctx, `INSERT INTO audit_keys VALUES ($1, $2, $3)`, id, []byte(pub), s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Append stamps e with the store's clock and appends it as the next entry,
// covered by a signed head, in a transaction that holds the log's advisory
// lock; concurrent appends share one transaction (see audit_group.go).
// Append returns once that transaction has committed.
func (a *Audit) Append(ctx context.Context, e audit.Event) (audit.Entry, error) {
	if a.key == nil {
		return audit.Entry{}, fault.Errorf(fault.Internal, "the audit log was opened without its signing key and cannot append")
	}
	e.Time = a.s.now()
	if err := e.Validate(); err != nil {
		return audit.Entry{}, err
	}
	return a.enqueue(ctx, e)
}

// appendError wraps a failed group's error for its callers.
func appendError(err error) error {
	var fe *fault.Error
	if !errors.As(err, &fe) {
		err = fault.Wrap(err, fault.Internal, "cannot append to the audit log")
	}
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func tamperedState(err error) error {
	return fault.Wrap(err, fault.Conflict, "the audit log's stored state does not match its latest signed tree head, so nothing more can be appended; run `civiclink audit verify` to find what was changed")
}

// loadTree reads the saved right edge of the tree, replays the leaf hashes
// appended since and checks the result against the latest signed head, so
// an append never builds on a tampered state.
func loadTree(ctx context.Context, tx pgx.Tx) (*audit.Tree, error) {
	var size int64
	var state []byte
	err := tx.QueryRow(ctx, `SELECT size, compact FROM audit_tree_states ORDER BY size DESC LIMIT 1`).Scan(&size, &state)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	tree, err := audit.LoadTree(uint64(size), state)
	if err != nil {
		return nil, tamperedState(err)
	}
	rows, err := tx.Query(ctx, `SELECT idx, leaf_hash FROM audit_leaves WHERE idx >= $1 ORDER BY idx`, size)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var idx int64
		var h []byte
		if err := rows.Scan(&idx, &h); err != nil {
			rows.Close()
			return nil, err
		}
		if uint64(idx) != tree.Size() {
			rows.Close()
			return nil, tamperedState(fmt.Errorf("entry %d missing", tree.Size()))
		}
		tree.Append(h, nil)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var later int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_heads WHERE size > $1`, int64(tree.Size())).Scan(&later); err != nil {
		return nil, err
	}
	if later > 0 {
		return nil, tamperedState(fmt.Errorf("%d signed heads are beyond the log's %d entries", later, tree.Size()))
	}
	if tree.Size() == 0 {
		return tree, nil
	}
	var root []byte
	err = tx.QueryRow(ctx, `SELECT root FROM audit_heads WHERE size = $1`, int64(tree.Size())).Scan(&root)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	if !bytes.Equal(root, tree.Root()) {
		return nil, tamperedState(fmt.Errorf("the head for size %d is missing or has another root", tree.Size()))
	}
	return tree, nil
}

// Count returns how many leaves are stored.
func (a *Audit) Count(ctx context.Context) (uint64, error) {
	var n int64
	err := a.db.QueryRow(ctx, `SELECT count(*) FROM audit_leaves`).Scan(&n)
	return uint64(n), err
}

// TreeState returns the saved right edge of the tree.
func (a *Audit) TreeState(ctx context.Context) (uint64, []byte, error) {
	var size int64
	var state []byte
	err := a.db.QueryRow(ctx, `SELECT size, compact FROM audit_tree_states ORDER BY size DESC LIMIT 1`).Scan(&size, &state)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, nil
	}
	return uint64(size), state, err
}

// Keys returns the public keys recorded in the log, by key id.
func (a *Audit) Keys(ctx context.Context) (map[string]ed25519.PublicKey, error) {
	return keysOf(ctx, a.db)
}

func keysOf(ctx context.Context, db querier) (map[string]ed25519.PublicKey, error) {
	rows, err := db.Query(ctx, `SELECT key_id, public_key FROM audit_keys`)
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

func (a *Audit) leaves(ctx context.Context, q string, args ...any) iter.Seq2[audit.Leaf, error] {
	return rowsOf(ctx, a.db, a.db != querier(a.s.pool), scanLeaf, q, args...)
}

// rowsOf yields what scan makes of each row of q. With buffered (reading
// within a migration's transaction: one connection, while the verifier
// reads leaves and heads in step) the rows are read in full first.
func rowsOf[T any](ctx context.Context, db querier, buffered bool, scan func(pgx.Rows) (T, error), q string, args ...any) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		rows, err := db.Query(ctx, q, args...)
		if err != nil {
			yield(zero, err)
			return
		}
		defer rows.Close()
		if buffered {
			all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return scan(r.(pgx.Rows)) })
			for _, v := range all {
				if !yield(v, nil) {
					return
				}
			}
			if err != nil {
				yield(zero, err)
			}
			return
		}
		for rows.Next() {
			v, err := scan(rows)
			if !yield(v, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(zero, err)
		}
	}
}

func scanLeaf(rows pgx.Rows) (audit.Leaf, error) {
	var l audit.Leaf
	var idx int64
	c := &l.Columns
	if err := rows.Scan(&idx, &l.Bytes, &l.LeafHash, &c.Time, &c.User, &c.Partner, &c.Action, &c.Outcome, &c.Agreement, &c.Datasets, &c.Owners); err != nil {
		return l, err
	}
	if idx < 0 {
		return l, fault.Errorf(fault.Conflict, "the audit log holds an entry filed under the negative index %d: it was tampered with", idx)
	}
	l.Index, c.Time = uint64(idx), c.Time.UTC()
	if len(c.Datasets) == 0 {
		c.Datasets = nil
	}
	if len(c.Owners) == 0 {
		c.Owners = nil
	}
	return l, nil
}

// Heads yields every stored signed tree head in size order.
func (a *Audit) Heads(ctx context.Context) iter.Seq2[audit.Head, error] {
	return rowsOf(ctx, a.db, a.db != querier(a.s.pool), scanHead, `SELECT size, root, ts, key_id, signature FROM audit_heads ORDER BY size`)
}

func scanHead(r pgx.Rows) (audit.Head, error) {
	var h audit.Head
	var size int64
	err := r.Scan(&size, &h.Root, &h.Time, &h.KeyID, &h.Signature)
	h.Size, h.Time = uint64(size), h.Time.UTC()
	return h, err
}

// LatestHead returns the newest signed tree head with its public key;
// NotFound when nothing was appended yet.
func (a *Audit) LatestHead(ctx context.Context) (audit.Head, error) {
	var h audit.Head
	var size int64
	var pub []byte
	err := a.db.QueryRow(ctx, `SELECT h.size, h.root, h.ts, h.key_id, h.signature, k.public_key
		FROM audit_heads h LEFT JOIN audit_keys k USING (key_id) ORDER BY h.size DESC LIMIT 1`).
		Scan(&size, &h.Root, &h.Time, &h.KeyID, &h.Signature, &pub)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, fault.Errorf(fault.NotFound, "the audit log is empty: nothing has been recorded yet")
	}
	h.Size, h.Time, h.PublicKey = uint64(size), h.Time.UTC(), pub
	return h, err
}

// Verify replays the whole log (see [audit.Verify]).
func (a *Audit) Verify(ctx context.Context, opts audit.Options) (audit.Report, error) {
	return audit.Verify(ctx, a, opts)
}

// Entries returns the entries that pass f, decoded from their signed bytes
// and checked against their leaf hashes: in index order, or newest first
// with f.Newest. The search columns narrow the scan in SQL; each entry is
// then matched again on what its bytes say.
func (a *Audit) Entries(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	where, args := entryWhere(f)
	order := "idx"
	if f.Newest {
		order = "idx DESC"
	}
	var out []audit.Entry
	for l, err := range a.leaves(ctx, `SELECT `+leafColumns+` FROM audit_leaves WHERE `+where+` ORDER BY `+order, args...) {
		if err != nil {
			return nil, err
		}
		e, err := audit.DecodeLeaf(l)
		if err != nil {
			return nil, err
		}
		if f.Match(e.Event) {
			out = append(out, e)
			if f.Limit > 0 && len(out) == f.Limit {
				break
			}
		}
	}
	return out, nil
}

// entryWhere turns a filter into a WHERE clause over the search columns
// that selects every entry f matches, and may select more.
func entryWhere(f audit.Filter) (string, []any) {
	conds := []string{"true"}
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, "$"+strconv.Itoa(len(args))))
	}
	for _, c := range []struct{ col, v string }{
		{"actor_user", f.User}, {"actor_partner", f.Partner}, {"action", f.Action}, {"outcome", f.Outcome}, {"agreement", f.Agreement},
	} {
		if c.v != "" {
			add(c.col+" = %s", c.v)
		}
	}
	if f.Owner != "" {
		add("%s = ANY(owners)", f.Owner)
	}
	if f.WithData {
		conds = append(conds, "cardinality(datasets) > 0")
	}
	if !f.Since.IsZero() {
		add("ts >= %s", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		add("ts < %s", f.Until.UTC())
	}
	if f.From > 0 {
		add("idx >= %s", int64(f.From))
	}
	if f.Before > 0 {
		add("idx < %s", int64(f.Before))
	}
	return strings.Join(conds, " AND "), args
}
