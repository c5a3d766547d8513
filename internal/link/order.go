package link

import (
	"cmp"
	"math"
	"slices"
)

// weightBuckets is how finely weights are bucketed (by the top bits of
// their order-preserving bit pattern) before the buckets are sorted or
// summed: 2^20 buckets, 4096 per doubling of the weight.
const weightBits = 20

// weightBucket is w's bucket: buckets ascend with the weight.
func weightBucket(w float64) int { return int(sortableFloat(w) >> (64 - weightBits)) }

// orderByWeight returns the matched pairs strongest first, ties by (A, B):
// the order clustering joins them in. Matches are bucketed by weight (a
// counting sort into 4 bytes per match) and each bucket is sorted in
// place, in parallel, so tens of millions of matches need neither a
// comparison sort over all of them nor a radix sort's second buffer.
func orderByWeight(matched []int32, weights []float64, pairs *Pairs, workers int) []int32 {
	start := make([]int32, 1<<weightBits+1)
	for _, k := range matched {
		start[(1<<weightBits-1-weightBucket(weights[k]))+1]++ // strongest bucket first
	}
	for b := range 1 << weightBits {
		start[b+1] += start[b]
	}
	out := make([]int32, len(matched))
	fill := slices.Clone(start)
	for _, k := range matched {
		b := 1<<weightBits - 1 - weightBucket(weights[k])
		out[fill[b]] = k
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
			slices.SortFunc(out[r[0]:r[1]], strongest)
		}
	})
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
