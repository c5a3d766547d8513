package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"iter"
	"slices"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"

	"github.com/civiclink/civiclink/internal/fault"
)

// Leaf is one stored row of the log as a backend holds it: the index it is
// filed under, its bytes, its leaf hash and the search columns kept beside
// them. [Verify] trusts none of it.
type Leaf struct {
	Index    uint64
	Bytes    []byte
	LeafHash []byte
	Columns  Columns
}

// DecodeLeaf decodes a stored leaf into its entry, refusing one whose
// bytes do not decode, name another index or do not hash to its leaf
// hash: a listing never shows words the signed bytes do not hold.
func DecodeLeaf(l Leaf) (Entry, error) {
	idx, ev, err := Decode(l.Bytes)
	if err != nil || idx != l.Index || !bytes.Equal(LeafHash(l.Bytes), l.LeafHash) {
		return Entry{}, fault.Errorf(fault.Conflict, "audit entry %d is damaged; run `civiclink audit verify`", l.Index)
	}
	return Entry{Index: idx, Event: ev, Bytes: l.Bytes, LeafHash: l.LeafHash}, nil
}

// Source is a stored log as [Verify] reads it.
type Source interface {
	// Count returns how many leaves are stored.
	Count(ctx context.Context) (uint64, error)
	// Leaves yields every stored leaf in index order.
	Leaves(ctx context.Context) iter.Seq2[Leaf, error]
	// Heads yields every stored signed tree head in size order.
	Heads(ctx context.Context) iter.Seq2[Head, error]
	// Keys returns the public keys the store records, by key id.
	Keys(ctx context.Context) (map[string]ed25519.PublicKey, error)
	// TreeState returns the saved right edge of the tree (see [Tree.State])
	// at the size it was last saved; appends replay leaf hashes from there.
	TreeState(ctx context.Context) (size uint64, state []byte, err error)
}

// Options say what a verifier trusts beyond the store itself.
type Options struct {
	// Trusted are public keys known from outside the store (the signing key
	// file, a key a partner pinned). When set, every head must be signed by
	// one of them; otherwise heads are checked against the store's own keys.
	Trusted []ed25519.PublicKey
	// Kept are heads partners kept; the log must be consistent with each.
	Kept []Head
}

// Problem is the first thing found wrong with a log.
type Problem struct {
	// Entry is the first bad entry's index, or -1 when the fault is not in
	// an entry (a kept head, the stored tree state).
	Entry   int64
	Message string
}

// Error returns the problem as text naming the entry.
func (p *Problem) Error() string {
	if p.Entry < 0 {
		return p.Message
	}
	return fmt.Sprintf("entry %d: %s", p.Entry, p.Message)
}

// Report is what [Verify] found.
type Report struct {
	Size   uint64 // entries replayed
	Root   []byte // tree hash over them
	Heads  int    // signed heads checked
	Latest Head   // the last signed head checked
	// Trusted reports whether heads were checked against a key from outside
	// the store rather than only the key the store records.
	Trusted bool
	Kept    int      // kept heads proved consistent
	Problem *Problem // nil when the log is intact
}

// Verify replays the whole log: each leaf's bytes against its hash, index and
// search columns; the Merkle root at every signed head; every head's
// signature; the stored tree state; and, with RFC 6962 consistency proofs,
// every kept head. The report names the first bad entry. The error is only
// for failing to read the source.
func Verify(ctx context.Context, src Source, opts Options) (Report, error) {
	count, err := src.Count(ctx)
	if err != nil {
		return Report{}, err
	}
	keys, err := src.Keys(ctx)
	if err != nil {
		return Report{}, err
	}
	stateSize, state, err := src.TreeState(ctx)
	if err != nil {
		return Report{}, err
	}
	v := &verifier{count: count, keys: keys, opts: opts, tree: NewTree(), stateSize: stateSize}
	v.rep.Trusted = len(opts.Trusted) > 0
	v.startKept()
	if err := v.replay(ctx, src); err != nil || v.rep.Problem != nil {
		return v.rep, err
	}
	if v.checkState(state); v.rep.Problem != nil {
		return v.rep, nil
	}
	v.finishKept()
	return v.rep, nil
}

type verifier struct {
	count   uint64
	keys    map[string]ed25519.PublicKey
	opts    Options
	tree    *Tree
	provers []*prover
	rep     Report
	// stateSize is the size at which the tree state was saved; stateAt is
	// the replayed state at that size.
	stateSize uint64
	stateAt   []byte
}

func (v *verifier) fail(entry int64, format string, args ...any) {
	if v.rep.Problem == nil {
		v.rep.Problem = &Problem{Entry: entry, Message: fmt.Sprintf(format, args...)}
	}
}

// replay walks leaves and heads together, checking each head when the tree
// reaches its size.
func (v *verifier) replay(ctx context.Context, src Source) error {
	next, stop := iter.Pull2(src.Heads(ctx))
	defer stop()
	head, herr, more := next()
	for leaf, err := range src.Leaves(ctx) {
		if err != nil {
			return err
		}
		if !v.checkLeaf(leaf) {
			return nil
		}
		v.tree.Append(leaf.LeafHash, v.visit)
		if v.tree.Size() == v.stateSize {
			v.stateAt = v.tree.State()
		}
		for more && herr == nil && head.Size <= v.tree.Size() {
			if !v.checkHead(head) {
				return nil
			}
			head, herr, more = next()
		}
		if herr != nil {
			return herr
		}
	}
	v.rep.Size, v.rep.Root = v.tree.Size(), v.tree.Root()
	switch {
	case herr != nil:
		return herr
	case more:
		v.fail(int64(v.tree.Size()), "missing: a signed tree head covers %d entries but the log holds only %d (entries deleted from the end)", head.Size, v.tree.Size())
	case v.rep.Latest.Size < v.tree.Size():
		v.fail(int64(v.rep.Latest.Size), "not covered by any signed tree head (inserted after the last signature, or the heads were deleted)")
	}
	return nil
}

func (v *verifier) visit(id compact.NodeID, hash []byte) {
	for _, p := range v.provers {
		p.visit(id, hash)
	}
}

// checkLeaf checks one stored leaf at the next position of the tree.
func (v *verifier) checkLeaf(l Leaf) bool {
	pos := v.tree.Size()
	switch {
	case l.Index > pos:
		v.fail(int64(pos), "missing (the next stored entry is %d): an entry was deleted", l.Index)
	case l.Index < pos:
		v.fail(int64(l.Index), "stored twice: an entry was inserted")
	case !bytes.Equal(LeafHash(l.Bytes), l.LeafHash):
		v.fail(int64(pos), "its bytes do not match its leaf hash: the entry was changed")
	}
	if v.rep.Problem != nil {
		return false
	}
	idx, ev, err := Decode(l.Bytes)
	switch {
	case err != nil:
		v.fail(int64(pos), "%v: the entry was changed", err)
	case idx != pos:
		v.fail(int64(pos), "holds the entry written at index %d: entries were reordered", idx)
	case !ColumnsOf(ev).Equal(l.Columns):
		v.fail(int64(pos), "its search columns disagree with its signed bytes: the columns were edited (listings would mislead)")
	}
	return v.rep.Problem == nil
}

// checkHead checks a stored head against the replayed tree and its key.
func (v *verifier) checkHead(h Head) bool {
	last := int64(v.tree.Size()) - 1
	if h.Size != v.tree.Size() {
		v.fail(last, "a signed tree head claims size %d, which the log never had", h.Size)
		return false
	}
	if !bytes.Equal(h.Root, v.tree.Root()) {
		v.fail(last, "the tree head signed at size %d does not match the entries up to here: this entry was changed, inserted or reordered", h.Size)
		return false
	}
	if err := v.checkSignature(h); err != nil {
		v.fail(last, "%v", err)
		return false
	}
	v.rep.Heads++
	v.rep.Latest = h
	return true
}

func (v *verifier) checkSignature(h Head) error {
	if len(v.opts.Trusted) > 0 {
		i := slices.IndexFunc(v.opts.Trusted, func(k ed25519.PublicKey) bool { return KeyID(k) == h.KeyID })
		if i < 0 {
			return fmt.Errorf("the tree head for size %d is signed by key %s, which is not a trusted key (the log was re-signed)", h.Size, h.KeyID)
		}
		return VerifyHead(v.opts.Trusted[i], h)
	}
	pub, ok := v.keys[h.KeyID]
	if !ok {
		return fmt.Errorf("the tree head for size %d is signed by key %s, which the store does not record", h.Size, h.KeyID)
	}
	return VerifyHead(pub, h)
}

// checkState compares the saved right edge of the tree, which appends
// build on, with the replayed one at the same size.
func (v *verifier) checkState(state []byte) {
	if v.stateSize > v.tree.Size() || !bytes.Equal(state, v.stateAt) {
		v.fail(-1, "the saved tree state (size %d) does not match the entries replayed: appends would build on a wrong tree", v.stateSize)
	}
}

// startKept prepares a consistency proof from each kept head to the log.
func (v *verifier) startKept() {
	v.provers = make([]*prover, len(v.opts.Kept))
	for i, k := range v.opts.Kept {
		if nodes, err := proof.Consistency(k.Size, v.count); err == nil {
			v.provers[i] = newProver(nodes)
		} else {
			v.provers[i] = newProver(proof.Nodes{})
		}
	}
}

// finishKept proves the log consistent with each kept head.
func (v *verifier) finishKept() {
	for i, k := range v.opts.Kept {
		if msg := v.keptProblem(k, v.provers[i]); msg != "" {
			v.fail(-1, "not consistent with the kept head of size %d (root %s): %s", k.Size, base64.StdEncoding.EncodeToString(k.Root), msg)
			return
		}
		v.rep.Kept++
	}
}

func (v *verifier) keptProblem(k Head, p *prover) string {
	if _, ok := v.keys[k.KeyID]; !ok {
		return fmt.Sprintf("it was signed by key %s, which this log does not record (the log was replaced or re-keyed)", k.KeyID)
	}
	if k.Size > v.tree.Size() {
		return fmt.Sprintf("the log now holds only %d entries: entries were deleted", v.tree.Size())
	}
	pf, err := p.proof()
	if err == nil {
		err = verifyConsistency(k.Size, v.tree.Size(), pf, k.Root, v.tree.Root())
	}
	if err != nil {
		return "an entry before it was changed, removed or reordered, or the log was rebuilt (" + err.Error() + ")"
	}
	return ""
}
