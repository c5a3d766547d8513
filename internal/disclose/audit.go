package disclose

import (
	"hash/maphash"
	"slices"
	"sync"
)

// Auditor defends against differencing: two released cells whose
// populations differ by a few units let anyone subtract one from the other
// and learn about those units (count in district A = 25, count in district
// A excluding people aged 44 = 24). It remembers the population (hashed
// record ids) of every cell released for a dataset and, when a new table
// is controlled, withholds any cell whose population differs from a
// released one by more than zero but fewer than the threshold units. It
// compares pairs of cells; differences built from three or more releases
// need differential privacy.
//
// One Auditor serves the whole engine; it is safe for concurrent use, and
// checking and recording a table happen under one lock, so two concurrent
// queries cannot each pass the check against the other.
type Auditor struct {
	mu    sync.Mutex
	seed  maphash.Seed
	byKey map[string]*released

	// Persistence (NewPersistentAuditor): the salt that makes hashes
	// comparable across processes, where releases are kept, which keys are
	// loaded, and what to save next.
	salt      []byte
	store     ReleaseStore
	loaded    map[string]bool
	pending   map[string][][]uint64
	replaying bool
}

// released is one dataset's remembered populations.
type released struct {
	sets   [][]uint64       // each sorted, distinct
	holds  map[uint64][]int // id hash → sets holding it
	bySize map[int][]int    // size → sets of that size
	seen   map[string]bool  // fingerprints already recorded
}

// NewAuditor returns an auditor that remembers nothing yet.
func NewAuditor() *Auditor {
	return &Auditor{seed: maphash.MakeSeed(), byKey: map[string]*released{}}
}

// Population hashes record ids into the sorted set the auditor compares.
func (a *Auditor) Population(ids []string) []uint64 {
	out := make([]uint64, len(ids))
	for i, id := range ids {
		if a.salt != nil {
			out[i] = a.saltedHash(id)
		} else {
			out[i] = maphash.String(a.seed, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Released returns how many populations the auditor holds for dataset.
func (a *Auditor) Released(dataset string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r := a.byKey[dataset]; r != nil {
		return len(r.sets)
	}
	return 0
}

// Forget drops everything remembered for dataset (e.g. when its agreement
// ends and the data are deleted).
func (a *Auditor) Forget(dataset string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.byKey, dataset)
	delete(a.byKey, baseKey(dataset))
}

// closest returns the smallest non-zero symmetric difference below limit
// between pop and any population released for dataset, or 0 if none.
// The caller holds a.mu.
func (a *Auditor) closest(dataset string, pop []uint64, limit int) int {
	r := a.byKey[dataset]
	if r == nil {
		return 0
	}
	best := 0
	consider := func(j int) {
		d := symDiff(pop, r.sets[j], limit)
		if d > 0 && d < limit && (best == 0 || d < best) {
			best = d
		}
	}
	// A released set B with |pop Δ B| < limit shares an element with any
	// limit elements of pop, if pop has that many (prefix filter)...
	prefix := pop[:min(len(pop), limit)]
	done := map[int]bool{}
	for _, h := range prefix {
		for _, j := range r.holds[h] {
			if !done[j] {
				done[j] = true
				consider(j)
			}
		}
	}
	// ...and a set disjoint from a small pop must itself be small.
	for size := 1; size < limit-len(pop); size++ {
		for _, j := range r.bySize[size] {
			if !done[j] {
				done[j] = true
				consider(j)
			}
		}
	}
	return best
}

// record remembers pop as released for dataset. The caller holds a.mu.
func (a *Auditor) record(dataset string, pop []uint64) {
	if len(pop) == 0 {
		return
	}
	r := a.byKey[dataset]
	if r == nil {
		r = &released{holds: map[uint64][]int{}, bySize: map[int][]int{}, seen: map[string]bool{}}
		a.byKey[dataset] = r
	}
	key := fingerprint(pop)
	if r.seen[key] {
		return
	}
	r.seen[key] = true
	if a.store != nil && !a.replaying {
		if a.pending == nil {
			a.pending = map[string][][]uint64{}
		}
		a.pending[dataset] = append(a.pending[dataset], pop)
	}
	j := len(r.sets)
	r.sets = append(r.sets, pop)
	for _, h := range pop {
		r.holds[h] = append(r.holds[h], j)
	}
	r.bySize[len(pop)] = append(r.bySize[len(pop)], j)
}

// fingerprint is an exact key for a population.
func fingerprint(pop []uint64) string {
	b := make([]byte, 0, 8*len(pop))
	for _, h := range pop {
		b = append(b, byte(h), byte(h>>8), byte(h>>16), byte(h>>24), byte(h>>32), byte(h>>40), byte(h>>48), byte(h>>56))
	}
	return string(b)
}

// symDiff returns |a Δ b| for sorted sets, stopping early at limit.
func symDiff(a, b []uint64, limit int) int {
	d, i, j := 0, 0, 0
	for i < len(a) && j < len(b) && d < limit {
		switch {
		case a[i] == b[j]:
			i++
			j++
		case a[i] < b[j]:
			d++
			i++
		default:
			d++
			j++
		}
	}
	return d + (len(a) - i) + (len(b) - j)
}
