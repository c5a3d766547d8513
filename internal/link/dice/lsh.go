package dice

import (
	"cmp"
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
	for b := range l.bands {
		dst = append(dst, l.key(e.record(i), b))
	}
	return dst
}

// key returns the key of band b for the record words rec.
func (l *LSH) key(rec []uint64, b int) uint64 {
	var v uint64
	for k, p := range l.bands[b] {
		v |= (rec[p/64] >> wordShift(p) & 1) << k
	}
	return mix64(v ^ l.salts[b])
}

// Candidates returns the pairs of a query and a reference record that share
// a band and whose Dice coefficient is at least threshold, ordered as by
// [Candidates]. Each pair is scored once however many bands it shares.
//
// It works band by band as a hash join on band key, so its memory is that
// of one band's table per core plus the proposed pairs. A band where very many
// records share a key (sparse filters that are all zero there) proposes
// the product of their numbers; use more bits per band if that happens.
func (l *LSH) Candidates(queries, refs *Encodings, threshold float64) ([]Pair, error) {
	if err := (Options{Threshold: threshold}).Validate(); err != nil {
		return nil, err
	}
	for _, e := range []*Encodings{queries, refs} {
		if e.bits != l.bits {
			return nil, fault.Errorf(fault.Invalid, "LSH was made for %d-bit encodings but got %d-bit ones: make it with the encodings' length", l.bits, e.bits)
		}
	}
	proposed := parallel(len(l.bands), func(b int) []uint64 { return l.join(queries, refs, b) })
	slices.Sort(proposed)
	proposed = slices.Compact(proposed)
	chunks := (len(proposed) + lshChunk - 1) / lshChunk
	pairs := parallel(chunks, func(c int) []Pair {
		var out []Pair
		for _, qr := range proposed[c*lshChunk : min((c+1)*lshChunk, len(proposed))] {
			qi, j := int(qr>>32), int(uint32(qr))
			if s := Score(queries, qi, refs, j); s >= threshold {
				out = append(out, Pair{qi, j, s})
			}
		}
		return out
	})
	slices.SortFunc(pairs, func(a, b Pair) int {
		if c := cmp.Compare(a.Query, b.Query); c != 0 {
			return c
		}
		return byScore(a, b)
	})
	return pairs, nil
}

// lshChunk is the number of proposed pairs a worker scores at a time.
const lshChunk = 4096

// join returns the pairs of queries and refs with equal keys in band b,
// each packed as query<<32 | ref: a hash join with refs on the build side.
func (l *LSH) join(queries, refs *Encodings, b int) []uint64 {
	t := newBandTable(refs.Len())
	for j := range refs.Len() {
		t.insert(l.key(refs.record(j), b), int32(j))
	}
	var out []uint64
	for i := range queries.Len() {
		for j := t.first(l.key(queries.record(i), b)); j >= 0; j = t.next[j] {
			out = append(out, uint64(i)<<32|uint64(j))
		}
	}
	return out
}

// bandTable maps band keys to the records that have them: an
// open-addressing table of keys, each slot heading a chain through next.
// Keys are already well mixed, so their low bits index the table.
type bandTable struct {
	keys []uint64
	head []int32 // first record with keys[slot], -1 for an empty slot
	next []int32 // next record with the same key, -1 at the end
}

func newBandTable(n int) *bandTable {
	size := 16
	for size < 2*n {
		size *= 2
	}
	t := &bandTable{keys: make([]uint64, size), head: make([]int32, size), next: make([]int32, n)}
	for i := range t.head {
		t.head[i] = -1
	}
	return t
}

// slot returns the slot holding key, or the empty slot where it would go.
func (t *bandTable) slot(key uint64) int {
	mask := len(t.keys) - 1
	s := int(key) & mask
	for t.head[s] >= 0 && t.keys[s] != key {
		s = (s + 1) & mask
	}
	return s
}

// insert adds record j with the given key.
func (t *bandTable) insert(key uint64, j int32) {
	s := t.slot(key)
	t.keys[s] = key
	t.next[j] = t.head[s]
	t.head[s] = j
}

// first returns the first record with the given key, or -1.
func (t *bandTable) first(key uint64) int32 { return t.head[t.slot(key)] }

// parallel runs f for 0 to n-1 on all cores and concatenates the results
// in order of i.
func parallel[T any](n int, f func(i int) []T) []T {
	results := make([][]T, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				results[i] = f(i)
			}
		})
	}
	wg.Wait()
	return slices.Concat(results...)
}

// mix64 is the SplitMix64 finaliser: a fast, well-spread 64-bit hash.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
