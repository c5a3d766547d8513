package disclose

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"strings"
	"sync"
)

// Auditor defends against differencing: two released cells whose
// populations differ by a few units let anyone subtract one from the other
// and learn about those units (count in district A = 25, count in district
// A excluding people aged 44 = 24). It remembers a [Digest] of the
// population (the record ids) of every cell released for a dataset and,
// when a new table is controlled, withholds any cell whose population
// differs from a released one by more than zero but fewer than the
// threshold units. It compares pairs of cells; differences built from three
// or more releases need differential privacy.
//
// Two populations that differ by fewer than t units have unit counts that
// differ by fewer than t, so a new cell is compared only with released
// cells of nearly its size, found through an index by size; the rest of
// the released cells cannot be a differencing pair with it.
//
// One Auditor serves the whole engine; it is safe for concurrent use, and
// checking and recording a table happen under one lock, so two concurrent
// queries cannot each pass the check against the other.
type Auditor struct {
	mu    sync.Mutex
	key   MemberKey
	byKey map[string]*released

	// Persistence (NewPersistentAuditor): where releases are kept, which
	// keys are loaded, and what to save next.
	store     ReleaseStore
	loaded    map[string]bool
	pending   map[string][]*Digest
	replaying bool
}

// released is one dataset's remembered populations.
type released struct {
	cells   []*Digest
	byUnits map[uint64][]int   // units → cells of that size
	seen    map[[2]uint64]bool // (units, sum) already recorded
}

// NewAuditor returns an auditor that remembers nothing yet, with a random
// member key.
func NewAuditor() *Auditor {
	var b [8]byte
	rand.Read(b[:])
	return &Auditor{key: MemberKey(binary.LittleEndian.Uint64(b[:])), byKey: map[string]*released{}}
}

// MemberKey returns the key the auditor hashes record ids with; a store
// computing [Digest]s for it must use the same.
func (a *Auditor) MemberKey() MemberKey { return a.key }

// Released returns how many populations the auditor holds for dataset.
func (a *Auditor) Released(dataset string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r := a.byKey[dataset]; r != nil {
		return len(r.cells)
	}
	return 0
}

// Fresh reports whether nothing has been released yet for dataset, reading
// its record first. Every population of such a dataset's first table is
// new and will need its buckets, so a store can compute complete digests
// in the same scan as the counts instead of a second one. It is a hint
// only: [Apply] checks every cell again under the auditor's lock.
func (a *Auditor) Fresh(ctx context.Context, dataset string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.load(ctx, dataset); err != nil {
		return false, err
	}
	r := a.byKey[dataset]
	return r == nil || len(r.cells) == 0, nil
}

// Forget drops everything remembered for dataset (e.g. when its agreement
// ends and the data are deleted).
func (a *Auditor) Forget(dataset string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for key := range a.byKey {
		if key == dataset || strings.HasPrefix(key, dataset+"\x00") {
			delete(a.byKey, key)
		}
	}
}

// closest returns the smallest lower bound below limit on the difference
// between d and a population released for dataset that is not the same as
// d, or 0 if there is none. A population released before passes whatever
// its neighbours: its count is public already, so publishing it again
// tells nothing new. Otherwise only released cells whose unit counts are
// within limit of d's can be that close. Released cells also recorded
// under the key sameScope (when not "") are left out. The caller holds
// a.mu.
func (a *Auditor) closest(dataset string, d *Digest, limit int, sameScope string) int {
	r := a.byKey[dataset]
	if r == nil || limit <= 1 || r.seen[[2]uint64{d.Units, d.Sum}] {
		return 0 // a population already released tells nothing new
	}
	best := uint64(0)
	lim := uint64(limit)
	lo := uint64(1)
	if d.Units >= lim {
		lo = d.Units - lim + 1
	}
	for u := lo; u < d.Units+lim; u++ {
		for _, j := range r.byUnits[u] {
			if same(d, r.cells[j]) || a.within(sameScope, r.cells[j]) {
				continue
			}
			if lb := differenceAtLeast(d, r.cells[j]); lb < lim && (best == 0 || lb < best) {
				best = lb
			}
		}
	}
	return int(best)
}

// within reports whether d was recorded under key. The caller holds a.mu.
func (a *Auditor) within(key string, d *Digest) bool {
	if key == "" {
		return false
	}
	r := a.byKey[key]
	return r != nil && r.seen[[2]uint64{d.Units, d.Sum}]
}

// needsBuckets reports whether d, a digest without buckets, must get them:
// unless its population was released before (and so passes as it is),
// it is compared closely with released cells of nearly its size and
// recorded. The caller holds a.mu.
func (a *Auditor) needsBuckets(dataset string, d *Digest) bool {
	if d.Units == 0 {
		return false
	}
	r := a.byKey[dataset]
	return r == nil || !r.seen[[2]uint64{d.Units, d.Sum}]
}

// record remembers d as released for dataset. The caller holds a.mu.
func (a *Auditor) record(dataset string, d *Digest) {
	if d.Units == 0 {
		return
	}
	r := a.byKey[dataset]
	if r == nil {
		r = &released{byUnits: map[uint64][]int{}, seen: map[[2]uint64]bool{}}
		a.byKey[dataset] = r
	}
	if !d.Legacy {
		k := [2]uint64{d.Units, d.Sum}
		if r.seen[k] {
			return
		}
		r.seen[k] = true
	}
	if a.store != nil && !a.replaying {
		if a.pending == nil {
			a.pending = map[string][]*Digest{}
		}
		a.pending[dataset] = append(a.pending[dataset], d)
	}
	r.byUnits[d.Units] = append(r.byUnits[d.Units], len(r.cells))
	r.cells = append(r.cells, d)
}
