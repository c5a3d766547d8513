package disclose

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// multisetDiff is the size of the symmetric difference of two id
// multisets, by brute force.
func multisetDiff(a, b []string) int {
	n := map[string]int{}
	for _, id := range a {
		n[id]++
	}
	for _, id := range b {
		n[id]--
	}
	d := 0
	for _, v := range n {
		d += max(v, -v)
	}
	return d
}

// TestClosestNeverMissesAClosePair checks the auditor's search (by size,
// then the bucket bound) against comparing every released population by
// brute force: every pair closer than the limit is caught, a population
// released before passes, and the bound is never above the truth.
func TestClosestNeverMissesAClosePair(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 400 {
		a := NewAuditor()
		var sets [][]string
		universe := 10 + rng.IntN(60)
		for range 1 + rng.IntN(15) {
			ids := randomIDs(rng, universe, rng.IntN(25))
			a.record("d", DigestOf(a.key, ids))
			if len(ids) > 0 {
				sets = append(sets, ids)
			}
		}
		limit := 1 + rng.IntN(12)
		ids := randomIDs(rng, universe, rng.IntN(25))
		if rng.IntN(3) == 0 && len(sets) > 0 { // a near copy of a released set
			ids = slices.Clone(sets[rng.IntN(len(sets))])
			rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
			ids = append(ids[:rng.IntN(len(ids)+1)], randomIDs(rng, universe, rng.IntN(3))...)
		}
		d := DigestOf(a.key, ids)
		want, repeat := 0, false
		for _, s := range sets {
			td := multisetDiff(ids, s)
			repeat = repeat || td == 0
			if td > 0 && td < limit && (want == 0 || td < want) {
				want = td
			}
			if td == 0 != same(d, DigestOf(a.key, s)) {
				t.Fatalf("trial %d: same = %v for a true difference of %d", trial, !(td == 0), td)
			}
			if td > 0 && int(differenceAtLeast(d, DigestOf(a.key, s))) > td {
				t.Fatalf("trial %d: bound %d above the true difference %d", trial, differenceAtLeast(d, DigestOf(a.key, s)), td)
			}
		}
		got := a.closest("d", d, limit)
		if repeat {
			if got != 0 {
				t.Fatalf("trial %d: a population released before got closest = %d, want 0", trial, got)
			}
		} else if want > 0 && (got == 0 || got > want) {
			t.Fatalf("trial %d: closest = %d, want a bound in 1..%d (brute force)", trial, got, want)
		}
	}
}

// TestNearEqualNonNestedCells covers released cells of nearly the same
// size whose populations are not nested: the same number of units with a
// few swapped is a differencing pair (counts differ by the swapped units'
// attribute), while cells of equal size and wholly different people are
// not.
func TestNearEqualNonNestedCells(t *testing.T) {
	common := make([]string, 200)
	for i := range common {
		common[i] = fmt.Sprintf("c%03d", i)
	}
	with := func(extra ...string) []string { return append(slices.Clone(common), extra...) }
	others := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s%03d", prefix, i)
		}
		return out
	}
	tests := []struct {
		name     string
		released []string
		next     []string
		caught   bool
	}{
		{"identical", with("x"), with("x"), false},
		{"nested, one fewer", with("x"), common, true},
		{"one swapped for another", with("x"), with("y"), true},
		{"four swapped", with("x1", "x2", "x3", "x4"), with("y1", "y2", "y3", "y4"), true},
		{"same size, other people", others("p", 201), others("q", 201), false},
		{"size within the threshold, other people", others("p", 205), others("q", 201), false},
		{"half swapped", common, append(slices.Clone(common[:100]), others("z", 100)...), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAuditor()
			a.key = 0x9e3779b97f4a7c15 // fixed, so the bucket bound is reproducible
			a.record("d", DigestOf(a.key, tt.released))
			got := a.closest("d", DigestOf(a.key, tt.next), 10) > 0
			if got != tt.caught {
				t.Errorf("caught = %v, want %v (true difference %d)", got, tt.caught, multisetDiff(tt.released, tt.next))
			}
		})
	}
}

// TestBucketBoundNeedlessSuppression measures how often two populations
// exactly threshold units apart (half on each side, the worst case) are
// withheld needlessly, against the bound docs/disclosure.md gives:
// (t/2)²/Buckets, the expected number of cross pairs sharing a bucket.
func TestBucketBoundNeedlessSuppression(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const th, trials = 10, 2000
	withheld := 0
	for trial := range trials {
		a := &Auditor{key: MemberKey(rng.Uint64()), byKey: map[string]*released{}}
		base := randomIDs(rng, 1<<30, 50)
		x, y := slices.Clone(base), slices.Clone(base)
		for i := range th / 2 {
			x = append(x, fmt.Sprintf("x%d-%d", trial, i))
			y = append(y, fmt.Sprintf("y%d-%d", trial, i))
		}
		a.record("d", DigestOf(a.key, x))
		if a.closest("d", DigestOf(a.key, y), th) > 0 {
			withheld++
		}
	}
	rate := float64(withheld) / trials
	bound := float64(th/2*th/2) / Buckets
	t.Logf("needlessly withheld %.3f of pairs %d apart (bound %.3f)", rate, th, bound)
	if rate > bound {
		t.Errorf("needless suppression rate %.3f above the bound %.3f", rate, bound)
	}
}

func TestDigestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 9, 1000} {
		d := DigestOf(MemberKey(rng.Uint64()), randomIDs(rng, 1<<20, n))
		b, err := d.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got Digest
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if got.Units != d.Units || got.Sum != d.Sum || *got.N != *d.N || *got.S != *d.S {
			t.Errorf("n=%d: round trip changed the digest", n)
		}
		if len(b) > 0 {
			if err := got.UnmarshalBinary(b[:len(b)-1]); err == nil && n > 0 {
				t.Errorf("n=%d: a truncated digest was accepted", n)
			}
		}
	}
}

func randomIDs(rng *rand.Rand, universe, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint("r", rng.IntN(universe))
	}
	return out
}

// TestFillMembersOnlyWhenNeeded gives Apply digests without buckets, as the
// store makes them, and counts how often it asks for the buckets: for a
// first release (to record them), never for a repeat, and again for a
// table with a cell of nearly a released cell's size but other members —
// which it then withholds exactly when the members differ by a few.
func TestFillMembersOnlyWhenNeeded(t *testing.T) {
	ids := func(prefix string, n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return out
	}
	a := NewAuditor()
	table := func(cells ...[]string) (*Table, *int) {
		levels := make([]string, len(cells))
		for i := range levels {
			levels[i] = fmt.Sprint("L", i)
		}
		tab := NewTable("count", Dim{Name: "d", Levels: levels})
		for i, c := range cells {
			full := DigestOf(a.key, c)
			tab.Cells[i] = Cell{Count: int64(len(c)), Members: &Digest{Units: full.Units, Sum: full.Sum}}
		}
		calls := 0
		tab.FillMembers = func(context.Context) error {
			calls++
			for i, c := range cells {
				tab.Cells[i].Members = DigestOf(a.key, c)
			}
			return nil
		}
		return tab, &calls
	}
	o := Options{Dataset: "d", Auditor: a}
	apply := func(tab *Table) *Result {
		t.Helper()
		r, err := Apply(context.Background(), tab, Policy{}, o)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	x, y := ids("x", 40), ids("y", 60)
	if fresh, err := a.Fresh(context.Background(), "d"); err != nil || !fresh {
		t.Fatalf("before any release: fresh %v (%v), want true", fresh, err)
	}
	tab, calls := table(x, y)
	apply(tab)
	if *calls != 1 {
		t.Errorf("first release: %d calls for buckets, want 1", *calls)
	}
	if fresh, err := a.Fresh(context.Background(), "d"); err != nil || fresh {
		t.Fatalf("after a release: fresh %v (%v), want false", fresh, err)
	}
	// Digests complete from the start (a store's one scan for a fresh
	// dataset) need no second stage, and are still checked: the repeat of
	// a released cell passes, a near-size one of other people is withheld.
	tab, calls = table(y, x[1:])
	for i, c := range [][]string{y, x[1:]} {
		tab.Cells[i].Members = DigestOf(a.key, c)
	}
	if r := apply(tab); *calls != 0 || !r.Cells[1].Status.Suppressed() {
		t.Errorf("complete digests: %d calls for buckets (want 0), near-size cell %s (want withheld)", *calls, r.Cells[1].Status)
	}
	tab, calls = table(x, y)
	if r := apply(tab); *calls != 0 || r.Cells[0].Status.Suppressed() {
		t.Errorf("repeat: %d calls for buckets (want 0), first cell %s", *calls, r.Cells[0].Status)
	}
	tab, calls = table(x[1:], ids("z", 60))
	r := apply(tab)
	if *calls != 1 {
		t.Errorf("near-size cells: %d calls for buckets, want 1", *calls)
	}
	for _, c := range r.Cells {
		if !c.Status.Suppressed() {
			t.Errorf("cell %v published beside a cell one short of a released one; the whole table must be withheld so the refusal does not say where", c.Levels)
		}
	}
	// Equal sizes but other people is no differencing pair.
	tab, _ = table(ids("z", 60))
	if r := apply(tab); r.Cells[0].Status.Suppressed() {
		t.Error("a cell of the same size as a released one but other people was withheld for differencing")
	}
}
