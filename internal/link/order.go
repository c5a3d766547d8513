package link

import (
	"cmp"
	"math"
	"slices"
)

// orderByWeight returns the matched pairs strongest first, ties by (A, B):
// the order clustering joins them in. It is two stable radix sorts, by
// (A, B) and then by weight, since sorting tens of millions of matches
// with a comparison function made clustering the slowest stage at Essex
// scale.
func orderByWeight(matched []int, weights []float64, pairs []Pair) []int {
	ks := make([]keyed, len(matched))
	for j, k := range matched {
		ks[j] = keyed{uint64(pairs[k].A)<<32 | uint64(pairs[k].B), int32(k)}
	}
	stableSortKeyed(ks)
	for j := range ks {
		ks[j].k = ^sortableFloat(weights[ks[j].i]) // descending
	}
	stableSortKeyed(ks)
	out := make([]int, len(ks))
	for j, x := range ks {
		out[j] = int(x.i)
	}
	return out
}

// sortableFloat maps a float64 to a uint64 in the same order.
func sortableFloat(f float64) uint64 {
	b := math.Float64bits(f)
	if b&(1<<63) != 0 {
		return ^b
	}
	return b | 1<<63
}

// stableSortKeyed sorts by key, keeping the input order among equal keys.
func stableSortKeyed(ks []keyed) {
	if len(ks) < 1<<12 {
		slices.SortStableFunc(ks, func(x, y keyed) int { return cmp.Compare(x.k, y.k) })
		return
	}
	radixKeyed(ks)
}
