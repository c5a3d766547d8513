package link

import (
	"cmp"
	"iter"
	"math"
	"math/bits"
	"slices"
)

// weightBuckets is how finely weights are bucketed (by the top bits of
// their order-preserving bit pattern) before the buckets are sorted or
// summed: 2^20 buckets, 4096 per doubling of the weight.
const weightBits = 20

// weightBucket is w's bucket: buckets ascend with the weight.
func weightBucket(w float64) int { return int(sortableFloat(w) >> (64 - weightBits)) }

// orderByWeight puts the matched pairs (indexes into pairs, ascending,
// each once) in the order clustering joins them, strongest first, ties by
// (A, B), in place, and returns them as a set (a bit per candidate pair)
// for [ascending] to put them back. Matches are bucketed by weight (a
// counting sort that reads the set, so it can write over matched) and
// each bucket is sorted in place, in parallel, so tens of millions of
// matches need neither a comparison sort over all of them nor a second
// array of them: the set takes a bit per candidate, not 4 bytes a match.
func orderByWeight(matched []int32, weights []float64, pairs *Pairs, workers int) []uint64 {
	set := make([]uint64, (pairs.Len()+63)/64)
	start := make([]int32, 1<<weightBits+1)
	for _, k := range matched {
		set[k>>6] |= 1 << (k & 63)
		start[(1<<weightBits-1-weightBucket(weights[k]))+1]++ // strongest bucket first
	}
	for b := range 1 << weightBits {
		start[b+1] += start[b]
	}
	fill := slices.Clone(start)
	for k := range members(set) {
		b := 1<<weightBits - 1 - weightBucket(weights[k])
		matched[fill[b]] = k
		fill[b]++
	}
	fill = nil
	// Buckets holding more than one match, sorted in parallel chunks of
	// about equal size.
	var big [][2]int32
	for b := range 1 << weightBits {
		if start[b+1]-start[b] > 1 {
			big = append(big, [2]int32{start[b], start[b+1]})
		}
	}
	strongest := func(x, y int32) int {
		return cmp.Or(cmp.Compare(weights[y], weights[x]), cmp.Compare(pairs.ab[x], pairs.ab[y])) // (A, B) order
	}
	const chunk = 1 << 16
	var groups [][][2]int32
	acc := int32(0)
	for _, r := range big {
		if len(groups) == 0 || acc >= chunk {
			groups, acc = append(groups, nil), 0
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], r)
		acc += r[1] - r[0]
	}
	parallelFor(len(groups), workers, func(g int) {
		for _, r := range groups[g] {
			slices.SortFunc(matched[r[0]:r[1]], strongest)
		}
	})
	return set
}

// members yields the indexes in set, ascending.
func members(set []uint64) iter.Seq[int32] {
	return func(yield func(int32) bool) {
		for w, word := range set {
			for word != 0 {
				if !yield(int32(w<<6 + bits.TrailingZeros64(word))) {
					return
				}
				word &= word - 1
			}
		}
	}
}

// ascending puts matched, reordered by [orderByWeight], back in
// ascending order from its set.
func ascending(matched []int32, set []uint64) {
	i := 0
	for k := range members(set) {
		matched[i] = k
		i++
	}
}

// sortableFloat maps a float64 to a uint64 in the same order.
func sortableFloat(f float64) uint64 {
	b := math.Float64bits(f)
	if b&(1<<63) != 0 {
		return ^b
	}
	return b | 1<<63
}
