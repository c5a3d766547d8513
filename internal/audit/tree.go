package audit

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

var factory = &compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}

// LeafHash returns the RFC 6962 leaf hash of entry bytes.
func LeafHash(b []byte) []byte { return rfc6962.DefaultHasher.HashLeaf(b) }

// Tree is the right edge of the log's Merkle tree (a compact range over
// [0, Size)): enough to append a leaf and compute the root in O(log n)
// without reading earlier leaves.
type Tree struct {
	r *compact.Range
}

// NewTree returns the tree of an empty log.
func NewTree() *Tree { return &Tree{r: factory.NewEmptyRange(0)} }

// LoadTree rebuilds a tree from its state as returned by [Tree.State].
func LoadTree(size uint64, state []byte) (*Tree, error) {
	if len(state)%sha256.Size != 0 {
		return nil, fmt.Errorf("tree state of %d bytes is not a whole number of hashes", len(state))
	}
	var hs [][]byte
	for b := state; len(b) > 0; b = b[sha256.Size:] {
		hs = append(hs, bytes.Clone(b[:sha256.Size]))
	}
	r, err := factory.NewRange(0, size, hs)
	if err != nil {
		return nil, fmt.Errorf("tree state does not fit size %d: %w", size, err)
	}
	return &Tree{r: r}, nil
}

// Size returns the number of leaves.
func (t *Tree) Size() uint64 { return t.r.End() }

// State returns the hashes of the tree's right edge, concatenated, for
// storage beside the log.
func (t *Tree) State() []byte { return bytes.Join(t.r.Hashes(), nil) }

// Append adds a leaf hash. visit, when not nil, sees every node completed by
// it (the leaf and any perfect subtrees it closes).
func (t *Tree) Append(leafHash []byte, visit func(id compact.NodeID, hash []byte)) {
	// Append only fails for a range not starting at 0, which a Tree never is.
	if err := t.r.Append(leafHash, visit); err != nil {
		panic(err)
	}
}

// Root returns the RFC 6962 tree hash.
func (t *Tree) Root() []byte {
	if t.r.End() == 0 {
		return rfc6962.DefaultHasher.EmptyRoot()
	}
	root, err := t.r.GetRootHash(nil)
	if err != nil {
		panic(err) // only for a range not starting at 0
	}
	return root
}

// prover gathers, while leaves are replayed, the node hashes a proof needs,
// so a proof over a log of any size costs one pass and no stored nodes.
type prover struct {
	nodes proof.Nodes
	want  map[compact.NodeID]int
	got   [][]byte
}

func newProver(nodes proof.Nodes) *prover {
	p := &prover{nodes: nodes, want: map[compact.NodeID]int{}, got: make([][]byte, len(nodes.IDs))}
	for i, id := range nodes.IDs {
		p.want[id] = i
	}
	return p
}

func (p *prover) visit(id compact.NodeID, hash []byte) {
	if i, ok := p.want[id]; ok {
		p.got[i] = bytes.Clone(hash)
	}
}

// proof returns the finished proof once every node has been seen.
func (p *prover) proof() ([][]byte, error) {
	for i, h := range p.got {
		if h == nil {
			return nil, fmt.Errorf("proof node %v was never computed", p.nodes.IDs[i])
		}
	}
	return p.nodes.Rehash(p.got, rfc6962.DefaultHasher.HashChildren)
}

// verifyConsistency proves with an RFC 6962 consistency proof that the tree
// of size1 with root1 is a prefix of the tree of size2 with root2.
func verifyConsistency(size1, size2 uint64, pf [][]byte, root1, root2 []byte) error {
	return proof.VerifyConsistency(rfc6962.DefaultHasher, size1, size2, pf, root1, root2)
}

// VerifyInclusion checks an RFC 6962 inclusion proof of the entry with leaf
// hash at index in the tree of size with root.
func VerifyInclusion(index, size uint64, leafHash []byte, pf [][]byte, root []byte) error {
	return proof.VerifyInclusion(rfc6962.DefaultHasher, index, size, leafHash, pf, root)
}
