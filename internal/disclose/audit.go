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
	// exposures counts, per dataset's exposed key, the released near
	// pairs of populations by their difference (see [PTable.ExposureBudget]).
	exposures map[string]map[[2]uint64]int

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
	return &Auditor{key: MemberKey(binary.LittleEndian.Uint64(b[:])), byKey: map[string]*released{}, exposures: map[string]map[[2]uint64]int{}}
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
	for key := range a.exposures {
		if strings.HasPrefix(key, dataset+"\x00") {
			delete(a.exposures, key)
		}
	}
}

// closest returns the smallest lower bound below limit on the difference
// between d and a population released for dataset that is not the same as
// d, or 0 if there is none. A population released before passes whatever
// its neighbours: its count is public already, so publishing it again
// tells nothing new. Otherwise only released cells whose unit counts are
// within limit of d's can be that close. The caller holds a.mu.
func (a *Auditor) closest(dataset string, d *Digest, limit int) int {
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
			if same(d, r.cells[j]) {
				continue
			}
			if lb := differenceAtLeast(d, r.cells[j]); lb < lim && (best == 0 || lb < best) {
				best = lb
			}
		}
	}
	return int(best)
}

// differences returns d less each population released for dataset that
// d is near (fewer than limit units apart by [differenceAtLeast]) but not
// the same as: what publishing d beside it exposes, up to sign. unknown
// says a near population cannot be differenced (one recorded before
// digests, or a digest without buckets), so only withholding is safe. A
// population released before exposes nothing new. The caller holds a.mu.
func (a *Auditor) differences(dataset string, d *Digest, limit int) (diffs []*Digest, unknown bool) {
	r := a.byKey[dataset]
	if r == nil || limit <= 1 || r.seen[[2]uint64{d.Units, d.Sum}] {
		return nil, false
	}
	lim := uint64(limit)
	lo := uint64(1)
	if d.Units >= lim {
		lo = d.Units - lim + 1
	}
	for u := lo; u < d.Units+lim; u++ {
		for _, j := range r.byUnits[u] {
			c := r.cells[j]
			if same(d, c) || differenceAtLeast(d, c) >= lim {
				continue
			}
			if c.Legacy || c.N == nil || d.N == nil {
				unknown = true
				continue
			}
			diffs = append(diffs, difference(d, c))
		}
	}
	return diffs, unknown
}

// exposed returns how many released near pairs of dataset exposed the
// difference x (made by [Auditor.differences]). The caller holds a.mu.
func (a *Auditor) exposed(dataset string, x *Digest) int {
	return a.exposures[exposedKey(dataset)][[2]uint64{x.Units, x.Sum}]
}

// expose records one more exposure of the difference x for dataset. The
// caller holds a.mu.
func (a *Auditor) expose(dataset string, x *Digest) {
	key := exposedKey(dataset)
	m := a.exposures[key]
	if m == nil {
		m = map[[2]uint64]int{}
		a.exposures[key] = m
	}
	m[[2]uint64{x.Units, x.Sum}]++
	if a.store != nil && !a.replaying {
		if a.pending == nil {
			a.pending = map[string][]*Digest{}
		}
		a.pending[key] = append(a.pending[key], x)
	}
}

// exposedKey is where the auditor keeps the differences a dataset's
// released near pairs exposed, one row per exposure.
func exposedKey(dataset string) string { return dataset + "\x00exposed" }

// difference returns the digest of a less b, bucket by bucket modulo
// 2⁶⁴, with its sign chosen so that a less b and b less a give the same
// digest: the signed difference of two populations (for nested ones, the
// digest of the records one has and the other lacks). Both have buckets.
func difference(a, b *Digest) *Digest {
	d := NewDigest()
	d.Units, d.Sum = a.Units-b.Units, a.Sum-b.Sum
	for i := range Buckets {
		d.N[i], d.S[i] = a.N[i]-b.N[i], a.S[i]-b.S[i]
	}
	if int64(d.Units) < 0 || (d.Units == 0 && d.Sum > -d.Sum) {
		d.Units, d.Sum = -d.Units, -d.Sum
		for i := range Buckets {
			d.N[i], d.S[i] = -d.N[i], -d.S[i]
		}
	}
	return d
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
