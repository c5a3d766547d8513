package link

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Vector is an integer-coded comparison vector: the level of comparison k
// in bits 4k to 4k+3.
type Vector uint64

// Level returns the level of comparison k.
func (v Vector) Level(k int) int { return int(v>>(4*k)) & 0xf }

// Pair is a candidate pair of records (numbered across the run's
// datasets, A < B) and its comparison vector.
type Pair struct {
	A, B   int32
	Vector Vector
}

// vector compares records a and b under every comparison.
func (e *engine) vector(a, b int) Vector {
	var v Vector
	for k, c := range e.comps {
		v |= Vector(c.Compare(a, b)) << (4 * k)
	}
	return v
}

// chunkPairs is about how many block pairs one unit of parallel work holds.
const chunkPairs = 1 << 15

// candidates enumerates the blocks' pairs, drops those an earlier rule
// proposed or outside the pair space, and compares the rest, in parallel.
// The order of the result does not depend on the number of workers.
func (e *engine) candidates(b *blocking) []Pair {
	type chunk struct{ from, to int }
	var chunks []chunk
	start, acc := 0, 0
	for i, bl := range b.blocks {
		n := int(bl.to - bl.from)
		acc += n * (n - 1) / 2
		if acc >= chunkPairs {
			chunks = append(chunks, chunk{start, i + 1})
			start, acc = i+1, 0
		}
	}
	if start < len(b.blocks) {
		chunks = append(chunks, chunk{start, len(b.blocks)})
	}
	out := make([][]Pair, len(chunks))
	added := make([][]int, len(chunks))
	var done atomic.Int64
	parallelFor(len(chunks), e.workers, func(c int) {
		added[c] = make([]int, len(e.rules))
		var ps []Pair
		for _, bl := range b.blocks[chunks[c].from:chunks[c].to] {
			members := b.order[bl.rule][bl.from:bl.to]
			for i, x := range members {
				for _, y := range members[i+1:] {
					if !e.wanted(x, y) || b.coveredEarlier(bl.rule, x, y) {
						continue
					}
					ps = append(ps, Pair{A: x, B: y, Vector: e.vector(int(x), int(y))})
					added[c][bl.rule]++
				}
			}
		}
		out[c] = ps
		e.progress("compare", int(done.Add(1)), len(chunks))
	})
	n := 0
	for c, ps := range out {
		n += len(ps)
		for r, k := range added[c] {
			b.report.Rules[r].Pairs += k
		}
	}
	all := make([]Pair, 0, n)
	for _, ps := range out {
		all = append(all, ps...)
	}
	b.report.CandidatePairs = n
	return all
}

// parallelFor calls f(0..n-1) on up to workers goroutines.
func parallelFor(n, workers int, f func(i int)) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				f(i)
			}
		})
	}
	wg.Wait()
}
