package disclose_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
)

// randomTable returns a table of the given shape with counts drawn so that
// many cells are small: a mix of zeros, small counts and large ones.
func randomTable(rng *rand.Rand, shape ...int) *disclose.Table {
	var dims []disclose.Dim
	for i, n := range shape {
		d := disclose.Dim{Name: fmt.Sprintf("d%d", i)}
		for k := range n {
			d.Levels = append(d.Levels, fmt.Sprintf("l%d", k))
		}
		dims = append(dims, d)
	}
	t := disclose.NewTable("count", dims...)
	for i := range t.Cells {
		switch r := rng.IntN(10); {
		case r < 2:
			t.Cells[i].Count = 0
		case r < 5:
			t.Cells[i].Count = int64(1 + rng.IntN(9))
		default:
			t.Cells[i].Count = int64(10 + rng.IntN(60))
		}
	}
	return t
}

// truthOf returns every cell's true value, margins included, by key.
func truthOf(t *disclose.Table) map[string]int64 {
	r, err := disclose.Apply(context.Background(), t, disclose.Policy{Threshold: 1}, disclose.Options{})
	if err != nil {
		panic(err)
	}
	out := map[string]int64{}
	for _, c := range r.Cells {
		out[key(c.Levels)] = c.Count
	}
	return out
}

// assertNothingRecovered runs the attacker on r and fails for any withheld
// cell it pins down.
func assertNothingRecovered(t *testing.T, r *disclose.Result, truth map[string]int64) {
	t.Helper()
	p := fromResult(r, truth)
	for k, v := range p.attack() {
		if _, hidden := p.hide[k]; hidden {
			t.Errorf("attacker recovered withheld cell %q = %d (true %d)", k, v, truth[k])
		}
	}
}

func TestSecondarySuppressionResistsAttack(t *testing.T) {
	shapes := [][]int{{1}, {2}, {5}, {12}, {2, 2}, {3, 4}, {6, 5}, {8, 8}, {14, 12}, {2, 2, 2}, {3, 3, 4}, {4, 3, 2, 2}}
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	for _, shape := range shapes {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			for seed := range seeds {
				rng := rand.New(rand.NewPCG(uint64(seed), uint64(len(shape))))
				tab := randomTable(rng, shape...)
				r, err := disclose.Apply(context.Background(), tab, disclose.Policy{}, disclose.Options{})
				if err != nil {
					t.Fatal(err)
				}
				assertNothingRecovered(t, r, truthOf(tab))
				if t.Failed() {
					t.Fatalf("seed %d", seed)
				}
			}
		})
	}
}

// groupFirst gives the first dimension of t groups of about size levels.
func groupFirst(rng *rand.Rand, t *disclose.Table, size int) *disclose.Table {
	d := &t.Dims[0]
	d.Groups = make([]string, len(d.Levels))
	g := 0
	for i := range d.Groups {
		if i > 0 && rng.IntN(size) == 0 {
			g++
		}
		d.Groups[i] = fmt.Sprintf("g%d", g)
	}
	return t
}

func TestGroupedSuppressionResistsAttack(t *testing.T) {
	shapes := [][]int{{4}, {9}, {6, 3}, {10, 4}, {12, 6}, {5, 3, 2}}
	seeds := 60
	if testing.Short() {
		seeds = 10
	}
	for _, shape := range shapes {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			for seed := range seeds {
				rng := rand.New(rand.NewPCG(uint64(seed), 77))
				tab := groupFirst(rng, randomTable(rng, shape...), 3)
				r, err := disclose.Apply(context.Background(), tab, disclose.Policy{}, disclose.Options{})
				if err != nil {
					t.Fatal(err)
				}
				subtotals := 0
				for _, c := range r.Cells {
					if c.Margin && c.Levels[0] != disclose.TotalLevel && slices.Contains(tab.Dims[0].Groups, c.Levels[0]) {
						subtotals++
					}
				}
				if subtotals == 0 {
					t.Fatal("no group subtotals published")
				}
				assertNothingRecovered(t, r, truthOf(tab))
				if t.Failed() {
					t.Fatalf("seed %d, groups %v", seed, tab.Dims[0].Groups)
				}
			}
		})
	}
}

// TestAttackerRecoversPrimaryOnly checks the attacker itself: against a
// table with only primary suppression it must recover withheld cells, or
// the test above would prove nothing.
func TestAttackerRecoversPrimaryOnly(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	tab := randomTable(rng, 6, 5)
	r, err := disclose.Apply(context.Background(), tab, disclose.Policy{Threshold: 1}, disclose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	truth := truthOf(tab)
	hidden := 0
	for i := range r.Cells {
		if c := &r.Cells[i]; c.Count > 0 && c.Count < 10 {
			c.Status = disclose.SuppressedPrimary
			hidden++
		}
	}
	p := fromResult(r, truth)
	got := p.attack()
	if len(got) == 0 || hidden == 0 {
		t.Fatalf("attacker recovered %d of %d cells hidden by primary suppression alone, want some", len(got), hidden)
	}
	for k, v := range got {
		if truth[k] != v {
			t.Errorf("attacker claims %q = %d, true value %d", k, v, truth[k])
		}
	}
}
