package dice

import (
	"cmp"
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/civiclink/civiclink/internal/fault"
)

// Pair is a query record and a reference record whose Dice coefficient
// reached the threshold of a search.
type Pair struct {
	Query int     // index into the queries arena
	Ref   int     // index into the references arena
	Score float64 // Dice coefficient, from Threshold to 1
}

// Options tunes [Search]. The zero value returns every pair.
type Options struct {
	// Threshold keeps only pairs whose score is at least this, from 0 to 1.
	Threshold float64
	// TopK keeps at most this many best pairs per query; 0 keeps all.
	TopK int
	// Workers is the number of goroutines; 0 means GOMAXPROCS.
	Workers int
}

// Validate reports whether the options make sense.
func (o Options) Validate() error {
	if math.IsNaN(o.Threshold) || o.Threshold < 0 || o.Threshold > 1 {
		return fault.Errorf(fault.Invalid, "Dice threshold %v is out of range: use a value from 0 to 1", o.Threshold)
	}
	if o.TopK < 0 || o.Workers < 0 {
		return fault.Errorf(fault.Invalid, "top-k %d and workers %d must not be negative", o.TopK, o.Workers)
	}
	return nil
}

// Candidates returns every pair of a query record and a reference record
// whose Dice coefficient is at least threshold, ordered by query, then by
// score (best first), then by reference. It uses all cores.
func Candidates(queries, refs *Encodings, threshold float64) ([]Pair, error) {
	return Search(context.Background(), queries, refs, Options{Threshold: threshold})
}

// Search compares every query record with every reference record and
// returns the pairs that pass opts, ordered as by [Candidates]. It stops
// early with ctx's error if ctx is cancelled.
func Search(ctx context.Context, queries, refs *Encodings, opts Options) ([]Pair, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := checkMatch(queries, refs); err != nil {
		return nil, err
	}
	workers := opts.Workers
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	s := &search{queries: queries, refs: refs, opts: opts, kernel: active.Load(), minCommon: minCommon(refs.bits, opts.Threshold)}
	s.chunks = (queries.Len() + queryChunk - 1) / queryChunk
	s.parts = 1
	if s.chunks < workers {
		// Too few queries to keep every core busy: split the references too.
		s.parts = max(1, min((workers+s.chunks-1)/s.chunks, refs.Len()/minPartRefs))
	}
	s.results = make([][]Pair, s.chunks*s.parts)
	var wg sync.WaitGroup
	for range min(workers, len(s.results)) {
		wg.Go(func() { s.work(ctx) })
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.parts > 1 {
		return s.merge(), nil
	}
	return slices.Concat(s.results...), nil
}

// minPartRefs is the fewest references worth a task of their own when the
// references are split between cores.
const minPartRefs = 4096

// merge combines the results of the reference parts of every query chunk,
// which are each ordered by query and score, into one such order.
func (s *search) merge() []Pair {
	all := slices.Concat(s.results...)
	slices.SortFunc(all, func(a, b Pair) int {
		if c := cmp.Compare(a.Query, b.Query); c != 0 {
			return c
		}
		return byScore(a, b)
	})
	if s.opts.TopK == 0 {
		return all
	}
	out := all[:0]
	for i := 0; i < len(all); {
		end := i
		for end < len(all) && all[end].Query == all[i].Query {
			end++
		}
		out = append(out, all[i:min(end, i+s.opts.TopK)]...)
		i = end
	}
	return out
}

// queryChunk is the number of queries a worker takes at a time; each chunk
// walks the references once, tile by tile.
const queryChunk = 32

// tileBytes is the size of the slice of references that the queries of a
// chunk scan in turn, chosen to stay in a core's L1 data cache (32-48 KiB on
// current x86): the vector kernels outrun L2 bandwidth.
const tileBytes = 32 << 10

// search is the shared state of one [Search].
type search struct {
	queries, refs *Encodings
	opts          Options
	kernel        *kernel
	minCommon     []uint32 // minCommon[s]: fewest common bits that pass for s set bits in total
	chunks, parts int      // query chunks, and parts the references are split into
	next          atomic.Int64
	results       [][]Pair // per task: query chunk * parts + reference part
}

// work takes tasks (a query chunk and a part of the references) until none
// are left.
func (s *search) work(ctx context.Context) {
	tile := max(laneWords, tileBytes/(8*s.refs.stride)/laneWords*laneWords)
	sc := newScanner(s.kernel, s.refs, s.minCommon, s.opts.Threshold, tile)
	n := s.refs.Len()
	for {
		task := int(s.next.Add(1) - 1)
		if task >= len(s.results) || ctx.Err() != nil {
			return
		}
		part := task % s.parts
		s.results[task] = s.scanChunk(task/s.parts, part*n/s.parts, (part+1)*n/s.parts, sc, tile)
	}
}

// scanChunk compares the queries of one chunk with references [refFrom,
// refTo), one cache-sized tile of references at a time.
func (s *search) scanChunk(chunk, refFrom, refTo int, sc *scanner, tile int) []Pair {
	from, to := chunk*queryChunk, min((chunk+1)*queryChunk, s.queries.Len())
	found := make([][]Pair, to-from)
	// bound[i] is the score the TopK-th best pair of query from+i already
	// reaches: pairs below it cannot make the cut, so the scan skips them.
	bound := make([]float64, to-from)
	refs := s.refs
	for r0 := refFrom; r0 < refTo; r0 += tile {
		r1 := min(r0+tile, refTo)
		for qi := from; qi < to; qi++ {
			qc := s.queries.counts[qi]
			hits, counts := sc.scan(s.queries.record(qi), qc, r0, r1, bound[qi-from])
			for _, j := range hits {
				p := Pair{qi, r0 + int(j), dice(counts[j], qc+refs.counts[r0+int(j)])}
				found[qi-from], bound[qi-from] = s.keep(found[qi-from], p, bound[qi-from])
			}
		}
	}
	for i, ps := range found {
		found[i] = s.best(ps)
	}
	return slices.Concat(found...)
}

// keep adds p to ps, trimming ps to the best TopK when it grows past twice
// that, so that a low threshold cannot hold every pair in memory. It
// returns the new list and the score its TopK-th best pair reaches (bound,
// unchanged, until there are TopK pairs).
func (s *search) keep(ps []Pair, p Pair, bound float64) ([]Pair, float64) {
	ps = append(ps, p)
	if k := s.opts.TopK; k > 0 && len(ps) >= 2*k {
		ps = s.best(ps)
		bound = ps[k-1].Score
	}
	return ps, bound
}

// best sorts ps by score, best first (ties by reference), and trims it to
// TopK when that is set.
func (s *search) best(ps []Pair) []Pair {
	slices.SortFunc(ps, byScore)
	if k := s.opts.TopK; k > 0 && len(ps) > k {
		ps = ps[:k]
	}
	return ps
}

// byScore orders pairs of one query by score, best first, then by reference.
func byScore(a, b Pair) int {
	if c := cmp.Compare(b.Score, a.Score); c != 0 {
		return c
	}
	return cmp.Compare(a.Ref, b.Ref)
}

// minCommon returns, for every total s of set bits in two filters of the
// given length (0 to 2*bits), the fewest common bits c for which
// dice(c, s) >= threshold; s/2+1 (more than any pair can share) when none.
// Comparing counts against this table avoids a division per pair and
// decides exactly as dice does.
func minCommon(bits int, threshold float64) []uint32 {
	table := make([]uint32, 2*bits+1)
	for s := range table {
		c := min(int(math.Ceil(threshold*float64(s)/2)), s/2+1)
		for c > 0 && dice(uint32(c-1), uint32(s)) >= threshold {
			c--
		}
		for c <= s/2 && dice(uint32(c), uint32(s)) < threshold {
			c++
		}
		table[s] = uint32(c)
	}
	return table
}
