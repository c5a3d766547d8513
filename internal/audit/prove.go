package audit

import (
	"context"
	"fmt"

	"github.com/transparency-dev/merkle/proof"
)

// ProveInclusion replays the first size leaves of src and returns the RFC
// 6962 inclusion proof of entry index in the tree of that size. Check it
// with [VerifyInclusion] against a signed head's root and the leaf hash of
// the entry bytes shown, so the proof speaks for those bytes.
func ProveInclusion(ctx context.Context, src Source, index, size uint64) ([][]byte, error) {
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("no inclusion proof of entry %d in a tree of %d entries: %w", index, size, err)
	}
	p := newProver(nodes)
	tree := NewTree()
	for l, err := range src.Leaves(ctx) {
		if err != nil {
			return nil, err
		}
		if tree.Size() == size {
			break
		}
		if l.Index != tree.Size() {
			return nil, fmt.Errorf("entry %d is missing from the log; run verify", tree.Size())
		}
		tree.Append(l.LeafHash, p.visit)
	}
	if tree.Size() != size {
		return nil, fmt.Errorf("the log holds %d entries, fewer than %d", tree.Size(), size)
	}
	return p.proof()
}
