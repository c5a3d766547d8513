package dice

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/civiclink/civiclink/internal/fault"
)

// LSH proposes candidate pairs by Hamming locality-sensitive hashing: each
// of its bands samples a fixed set of bit positions, and two records become
// candidates when they agree on every sampled bit of at least one band.
// Near-duplicate filters agree on most bits, so they share some band with
// high probability; unrelated filters rarely agree on a whole band. It lets
// a large linkage score a small fraction of all pairs.
//
// Band keys (see [LSH.Keys]) are plain uint64 values, so the same blocking
// can run in a database or a distributed engine as a join on key.
type LSH struct {
	bits  int
	bands [][]int // sampled positions of each band, sorted
	salts []uint64
}

// NewLSH returns an LSH for encodings of the given length with the given
// number of bands, each sampling bandBits distinct positions (1 to 64),
// drawn from seed. Records compared must be keyed with the same seed.
//
// With a fraction p of positions agreeing, a pair becomes a candidate with
// probability 1-(1-p^bandBits)^bands. For example 24 bands of 24 bits find
// a pair whose filters differ in 5% of positions with probability above
// 0.999, and propose two unrelated half-full filters (p = 1/2) with
// probability about 1.4e-6 (2e-4 for filters a quarter full, p = 5/8).
func NewLSH(bits, bands, bandBits int, seed uint64) (*LSH, error) {
	if bits < 1 || bits > MaxBits {
		return nil, fault.Errorf(fault.Invalid, "encoding length %d bits is out of range: use 1 to %d", bits, MaxBits)
	}
	if bands < 1 || bandBits < 1 || bandBits > 64 || bandBits > bits {
		return nil, fault.Errorf(fault.Invalid, "LSH with %d bands of %d bits is not possible for %d-bit encodings: use at least one band of 1 to 64 bits, at most the encoding length", bands, bandBits, bits)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6c7368))
	l := &LSH{bits: bits, bands: make([][]int, bands), salts: make([]uint64, bands)}
	for b := range l.bands {
		l.bands[b] = rng.Perm(bits)[:bandBits]
		slices.Sort(l.bands[b])
		l.salts[b] = rng.Uint64()
	}
	return l, nil
}

// Bands returns the number of bands, which is the number of keys per record.
func (l *LSH) Bands() int { return len(l.bands) }

// Keys appends to dst one key per band for record i of e and returns it.
// Two records share a candidate bucket exactly when they have the same key
// at the same band index (up to 64-bit hash collisions, which only add
// candidates).
func (l *LSH) Keys(e *Encodings, i int, dst []uint64) []uint64 {
	rec := e.record(i)
	for b, positions := range l.bands {
		var v uint64
		for k, p := range positions {
			v |= (rec[p/64] >> wordShift(p) & 1) << k
		}
		dst = append(dst, mix64(v^l.salts[b]))
	}
	return dst
}

// Candidates returns the pairs of a query and a reference record that share
// a band and whose Dice coefficient is at least threshold, ordered as by
// [Candidates]. Each pair is scored once however many bands it shares.
func (l *LSH) Candidates(queries, refs *Encodings, threshold float64) ([]Pair, error) {
	if err := (Options{Threshold: threshold}).Validate(); err != nil {
		return nil, err
	}
	for _, e := range []*Encodings{queries, refs} {
		if e.bits != l.bits {
			return nil, fault.Errorf(fault.Invalid, "LSH was made for %d-bit encodings but got %d-bit ones: make it with the encodings' length", l.bits, e.bits)
		}
	}
	buckets := l.buckets(refs)
	chunks := (queries.Len() + lshChunk - 1) / lshChunk
	results := make([][]Pair, chunks)
	var wg sync.WaitGroup
	var next atomic.Int64
	for range min(runtime.GOMAXPROCS(0), chunks) {
		wg.Go(func() {
			seen := make([]int32, refs.Len()) // query index + 1 that last proposed each ref
			keys := make([]uint64, 0, len(l.bands))
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				results[c] = l.scoreChunk(queries, refs, buckets, c, threshold, seen, keys)
			}
		})
	}
	wg.Wait()
	return slices.Concat(results...), nil
}

// lshChunk is the number of queries a worker takes at a time.
const lshChunk = 256

// buckets maps every band key of refs, band by band, to the records with it.
func (l *LSH) buckets(refs *Encodings) []map[uint64][]int32 {
	buckets := make([]map[uint64][]int32, len(l.bands))
	for b := range buckets {
		buckets[b] = make(map[uint64][]int32, refs.Len())
	}
	keys := make([]uint64, 0, len(l.bands))
	for j := range refs.Len() {
		keys = l.Keys(refs, j, keys[:0])
		for b, k := range keys {
			buckets[b][k] = append(buckets[b][k], int32(j))
		}
	}
	return buckets
}

// scoreChunk proposes and scores the pairs of one chunk of queries.
func (l *LSH) scoreChunk(queries, refs *Encodings, buckets []map[uint64][]int32, chunk int, threshold float64, seen []int32, keys []uint64) []Pair {
	var out []Pair
	for qi := chunk * lshChunk; qi < min((chunk+1)*lshChunk, queries.Len()); qi++ {
		start := len(out)
		keys = l.Keys(queries, qi, keys[:0])
		for b, k := range keys {
			for _, j := range buckets[b][k] {
				if seen[j] == int32(qi+1) {
					continue
				}
				seen[j] = int32(qi + 1)
				if s := Score(queries, qi, refs, int(j)); s >= threshold {
					out = append(out, Pair{qi, int(j), s})
				}
			}
		}
		slices.SortFunc(out[start:], byScore)
	}
	return out
}

// mix64 is the SplitMix64 finaliser: a fast, well-spread 64-bit hash.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
