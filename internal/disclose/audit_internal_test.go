package disclose

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestClosestMatchesBruteForce checks the auditor's indexed search (prefix
// filter plus small sets by size) against comparing with every released
// population.
func TestClosestMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 200 {
		a := NewAuditor()
		var sets [][]uint64
		universe := 10 + rng.IntN(60)
		for range 1 + rng.IntN(15) {
			pop := a.Population(randomIDs(rng, universe, rng.IntN(25)))
			a.record("d", pop)
			if len(pop) > 0 {
				sets = append(sets, pop)
			}
		}
		limit := 1 + rng.IntN(12)
		pop := a.Population(randomIDs(rng, universe, rng.IntN(25)))
		want := 0
		for _, s := range sets {
			if d := symDiff(pop, s, 1<<30); d > 0 && d < limit && (want == 0 || d < want) {
				want = d
			}
		}
		if got := a.closest("d", pop, limit); got != want {
			t.Fatalf("trial %d: closest = %d, want %d (brute force)", trial, got, want)
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

func TestSymDiff(t *testing.T) {
	tests := []struct {
		a, b  []uint64
		limit int
		want  int
	}{
		{nil, nil, 10, 0},
		{[]uint64{1, 2, 3}, []uint64{1, 2, 3}, 10, 0},
		{[]uint64{1, 2, 3}, []uint64{1, 2}, 10, 1},
		{[]uint64{1, 3, 5}, []uint64{2, 4}, 10, 5},
		{[]uint64{1, 3, 5, 7, 9}, []uint64{2, 4, 6, 8}, 3, 9},
	}
	for _, tt := range tests {
		got := symDiff(tt.a, tt.b, tt.limit)
		if tt.want < tt.limit && got != tt.want || tt.want >= tt.limit && got < tt.limit {
			t.Errorf("symDiff(%v, %v, %d) = %d, want %d", tt.a, tt.b, tt.limit, got, tt.want)
		}
	}
}
