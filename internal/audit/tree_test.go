package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"iter"
	"testing"

	"github.com/transparency-dev/merkle/proof"
)

// mth is RFC 6962's Merkle Tree Hash written straight from section 2.1, as
// a reference for Tree.
func mth(leaves [][]byte) []byte {
	n := len(leaves)
	if n == 0 {
		s := sha256.Sum256(nil)
		return s[:]
	}
	if n == 1 {
		s := sha256.Sum256(append([]byte{0}, leaves[0]...))
		return s[:]
	}
	k := 1
	for k*2 < n {
		k *= 2
	}
	s := sha256.Sum256(append(append([]byte{1}, mth(leaves[:k])...), mth(leaves[k:])...))
	return s[:]
}

func leafData(n int) [][]byte {
	var out [][]byte
	for i := range n {
		out = append(out, []byte(fmt.Sprintf("entry %d", i)))
	}
	return out
}

func TestTreeRootMatchesRFC6962(t *testing.T) {
	data := leafData(70)
	tree := NewTree()
	for n := 0; n <= len(data); n++ {
		if got, want := tree.Root(), mth(data[:n]); !bytes.Equal(got, want) {
			t.Fatalf("size %d: root %x, want %x", n, got, want)
		}
		// A tree rebuilt from its stored state must carry on identically.
		again, err := LoadTree(tree.Size(), tree.State())
		if err != nil || !bytes.Equal(again.Root(), tree.Root()) {
			t.Fatalf("size %d: reloaded tree differs (%v)", n, err)
		}
		if n < len(data) {
			tree.Append(LeafHash(data[n]), nil)
		}
	}
}

func TestLoadTreeRejectsBadState(t *testing.T) {
	if _, err := LoadTree(3, make([]byte, 32)); err == nil {
		t.Error("size 3 with one hash accepted; it needs two")
	}
	if _, err := LoadTree(1, make([]byte, 31)); err == nil {
		t.Error("a state of 31 bytes accepted")
	}
}

// TestConsistencyProofs builds every consistency proof between sizes up to
// 33 with the replaying prover and checks it with the proof package; a proof
// against a different old root must fail.
func TestConsistencyProofs(t *testing.T) {
	data := leafData(33)
	for n := 1; n <= len(data); n++ {
		for m := 1; m <= n; m++ {
			nodes, err := proof.Consistency(uint64(m), uint64(n))
			if err != nil {
				t.Fatal(err)
			}
			p := newProver(nodes)
			tree := NewTree()
			for _, d := range data[:n] {
				tree.Append(LeafHash(d), p.visit)
			}
			pf, err := p.proof()
			if err != nil {
				t.Fatalf("%d→%d: %v", m, n, err)
			}
			old := mth(data[:m])
			if err := verifyConsistency(uint64(m), uint64(n), pf, old, tree.Root()); err != nil {
				t.Fatalf("%d→%d: %v", m, n, err)
			}
			changed := append(append([][]byte{}, data[:m-1]...), []byte("changed"))
			if err := verifyConsistency(uint64(m), uint64(n), pf, mth(changed), tree.Root()); err == nil {
				t.Fatalf("%d→%d: proof accepted a changed old tree", m, n)
			}
		}
	}
}

// memSource is an in-memory [Source] holding well-formed leaves only.
type memSource struct{ leaves []Leaf }

func (m memSource) Leaves(context.Context) iter.Seq2[Leaf, error] {
	return func(yield func(Leaf, error) bool) {
		for _, l := range m.leaves {
			if !yield(l, nil) {
				return
			}
		}
	}
}
func (m memSource) Count(context.Context) (uint64, error) { return uint64(len(m.leaves)), nil }
func (memSource) Heads(context.Context) iter.Seq2[Head, error] {
	return func(func(Head, error) bool) {}
}
func (memSource) Keys(context.Context) (map[string]ed25519.PublicKey, error) { return nil, nil }
func (memSource) TreeState(context.Context) (uint64, []byte, error)          { return 0, nil, nil }

func TestProveInclusion(t *testing.T) {
	data := leafData(21)
	var src memSource
	for i, d := range data {
		src.leaves = append(src.leaves, Leaf{Index: uint64(i), Bytes: d, LeafHash: LeafHash(d)})
	}
	for size := 1; size <= len(data); size++ {
		root := mth(data[:size])
		for i := range size {
			pf, err := ProveInclusion(context.Background(), src, uint64(i), uint64(size))
			if err != nil {
				t.Fatalf("entry %d of %d: %v", i, size, err)
			}
			if err := VerifyInclusion(uint64(i), uint64(size), LeafHash(data[i]), pf, root); err != nil {
				t.Fatalf("entry %d of %d: %v", i, size, err)
			}
			if err := VerifyInclusion(uint64(i), uint64(size), LeafHash([]byte("other")), pf, root); err == nil {
				t.Fatalf("entry %d of %d: proof accepted other bytes", i, size)
			}
		}
	}
	if _, err := ProveInclusion(context.Background(), src, 3, 30); err == nil {
		t.Error("a proof in a tree larger than the log was made")
	}
}
