package link

import (
	"math/rand/v2"
	"testing"
)

// pairsFrom packs pairs (with whole vectors), as tests build them.
func pairsFrom(ps []Pair) *Pairs {
	out := &Pairs{}
	for _, p := range ps {
		out.add(p.A, p.B, p.Vector)
	}
	return out
}

// TestPairsPacking packs random pairs under several models' levels and
// wants every record and vector back, in two bytes of code a vector when
// the levels' combinations fit, in whole vectors when they do not.
func TestPairsPacking(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name   string
		levels []int
		coded  bool
	}{
		{"county encoded", []int{5, 5, 4, 4, 3}, true},
		{"one comparison", []int{15}, true},
		{"exactly 65,536 combinations", []int{16, 16, 16, 16}, true},
		{"one more level", []int{16, 16, 16, 16, 2}, false},
		{"sixteen comparisons", []int{4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := Pairs{vc: newVectorCode(tc.levels)}
			if (ps.vc != nil) != tc.coded {
				t.Fatalf("coded = %v, want %v", ps.vc != nil, tc.coded)
			}
			var want []Pair
			for range 5000 {
				var v Vector
				for k, n := range tc.levels {
					v |= Vector(rng.IntN(n)) << (4 * k)
				}
				p := Pair{A: rng.Int32(), B: rng.Int32(), Vector: v}
				want = append(want, p)
				ps.add(p.A, p.B, p.Vector)
			}
			for k, p := range ps.All() {
				if p != want[k] {
					t.Fatalf("pair %d came back %+v, want %+v", k, p, want[k])
				}
			}
			wantBytes := 16
			if tc.coded {
				wantBytes = 10
			}
			if ps.bytesPer() != wantBytes {
				t.Errorf("%d bytes a pair, want %d", ps.bytesPer(), wantBytes)
			}
			t.Logf("%d pairs held in %d bytes each", ps.Len(), ps.bytesPer())
		})
	}
}
