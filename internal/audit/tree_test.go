package audit

import (
	"bytes"
	"crypto/sha256"
	"fmt"
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
