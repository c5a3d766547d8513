package link

import (
	"fmt"
	"os"
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

// span is a run of whole blocks of one rule: members[rule][from:to].
type span struct{ rule, from, to int }

// blockEnd returns the end of the block that starts at members[from].
func blockEnd(members []int32, ids []uint32, from int) int {
	to := from + 1
	for to < len(members) && ids[members[to]] == ids[members[from]] {
		to++
	}
	return to
}

// candidates enumerates the blocks' pairs, drops those an earlier rule
// proposed or outside the pair space, and compares the rest, in parallel.
// The order of the result does not depend on the number of workers. A
// rule's members are dropped as soon as its blocks are done, and chunks
// of pairs past the engine's pair budget wait on disk rather than in
// memory while the rest are compared, so the pairs are held once, not
// twice, at the end.
func (e *engine) candidates(b *blocking) (Pairs, error) {
	var chunks []span
	for r, members := range b.members {
		start, acc := 0, 0
		for from := 0; from < len(members); {
			to := blockEnd(members, b.ids[r], from)
			n := to - from
			acc += n * (n - 1) / 2
			if from = to; acc >= chunkPairs {
				chunks = append(chunks, span{r, start, to})
				start, acc = to, 0
			}
		}
		if start < len(members) {
			chunks = append(chunks, span{r, start, len(members)})
		}
	}
	left := make([]atomic.Int64, len(b.members)) // chunks not yet done, per rule
	for _, c := range chunks {
		left[c.rule].Add(1)
	}
	proto := e.emptyPairs()
	out := make([]Pairs, len(chunks))
	counts := make([]int, len(chunks))
	sp := &pairSpill{limit: e.pairMem, dir: e.tempDir, at: make([]int64, len(chunks))}
	defer sp.close()
	var done atomic.Int64
	parallelFor(len(chunks), e.workers, func(c int) {
		ch := chunks[c]
		members, ids := b.members[ch.rule][ch.from:ch.to], b.ids[ch.rule]
		ps := Pairs{vc: proto.vc}
		for from := 0; from < len(members); {
			to := blockEnd(members, ids, from)
			blk := members[from:to]
			for i, x := range blk {
				for _, y := range blk[i+1:] {
					if !e.wanted(x, y) || b.coveredEarlier(ch.rule, x, y) {
						continue
					}
					ps.add(x, y, e.vector(int(x), int(y)))
				}
			}
			from = to
		}
		counts[c] = ps.Len()
		out[c] = sp.keep(c, ps)
		if left[ch.rule].Add(-1) == 0 {
			b.members[ch.rule] = nil // no other chunk reads this rule's members
		}
		e.progress("compare", int(done.Add(1)), len(chunks))
	})
	b.ids, b.members = nil, nil
	if sp.err != nil {
		return Pairs{}, sp.err
	}
	n := 0
	for c, k := range counts {
		n += k
		b.report.Rules[chunks[c].rule].Pairs += k
	}
	b.report.CandidatePairs = n
	b.report.SpilledPairs = sp.spilled
	all := proto.alloc(n)
	at := 0
	for c, k := range counts {
		dst := all.slice(at, at+k)
		if out[c].ab != nil || k == 0 {
			dst.copyFrom(out[c])
			out[c] = Pairs{}
		} else if err := sp.read(c, dst); err != nil {
			return Pairs{}, err
		}
		at += k
	}
	return all, nil
}

// emptyPairs returns no pairs, in the coding of this run's comparisons.
func (e *engine) emptyPairs() Pairs {
	levels := make([]int, len(e.comps))
	for k, c := range e.comps {
		levels[k] = len(c.Levels())
	}
	return Pairs{vc: newVectorCode(levels)}
}

// pairSpill keeps chunks of candidate pairs in memory up to limit bytes
// and writes the rest to a temporary file, to be read back in order.
type pairSpill struct {
	limit   int64
	dir     string
	mu      sync.Mutex
	inMem   int64
	f       *os.File
	off     int64
	at      []int64 // file offset of each spilled chunk
	spilled int
	err     error
}

// keep returns ps, or no pairs when they went to disk instead.
func (s *pairSpill) keep(c int, ps Pairs) Pairs {
	size := int64(ps.Len() * ps.bytesPer())
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inMem+size <= s.limit || s.err != nil || ps.Len() == 0 {
		s.inMem += size
		return ps.slice(0, ps.Len()) // clipped by the copy into the final array
	}
	if s.f == nil {
		if s.f, s.err = os.CreateTemp(s.dir, "civiclink-pairs-*.bin"); s.err != nil {
			s.err = fmt.Errorf("candidate pairs spill to disk: %w", s.err)
			return ps
		}
	}
	s.at[c] = s.off
	for _, part := range ps.parts() {
		if _, err := s.f.WriteAt(part, s.off); err != nil {
			s.err = fmt.Errorf("candidate pairs spill to disk: %w", err)
			return ps
		}
		s.off += int64(len(part))
	}
	s.spilled += ps.Len()
	return Pairs{}
}

// read reads spilled chunk c back into dst (its length is the chunk's).
func (s *pairSpill) read(c int, dst Pairs) error {
	off := s.at[c]
	for _, part := range dst.parts() {
		if _, err := s.f.ReadAt(part, off); err != nil {
			return fmt.Errorf("candidate pairs read back from disk: %w", err)
		}
		off += int64(len(part))
	}
	return nil
}

func (s *pairSpill) close() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
	}
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
