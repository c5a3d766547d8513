package dice

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// nearCopies returns n encodings: the first half random, the second half
// copies of the first half with a few bits flipped, so some pairs score
// high and most do not.
func nearCopies(rng *rand.Rand, n, bits int) [][]byte {
	recs := randomBytes(rng, n/2, bits, 0.3)
	for i := range n - n/2 {
		c := slices.Clone(recs[i%len(recs)])
		for range rng.IntN(bits/8 + 1) {
			j := rng.IntN(bits)
			c[j/8] ^= 0x80 >> (j % 8)
		}
		recs = append(recs, c)
	}
	return recs
}

// bruteForce returns the pairs Search should find, scored bit by bit.
func bruteForce(queries, refs [][]byte, threshold float64, topK int) []Pair {
	var out []Pair
	for i, q := range queries {
		var ps []Pair
		for j, r := range refs {
			if s := naiveDice(q, r); s >= threshold {
				ps = append(ps, Pair{i, j, s})
			}
		}
		slices.SortStableFunc(ps, func(a, b Pair) int {
			switch {
			case a.Score > b.Score:
				return -1
			case a.Score < b.Score:
				return 1
			}
			return 0
		})
		if topK > 0 && len(ps) > topK {
			ps = ps[:topK]
		}
		out = append(out, ps...)
	}
	return out
}

func TestSearchMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, bits := range []int{64, 100, 1024, 1031} {
		queries := nearCopies(rng, 70, bits)
		refs := nearCopies(rng, 300, bits)
		refs = append(refs, queries[:20]...)            // exact matches
		refs = append(refs, make([]byte, len(refs[0]))) // an empty filter
		qa, ra := arena(t, bits, queries), arena(t, bits, refs)
		for _, opts := range []Options{
			{Threshold: 0.8},
			{Threshold: 0.5, Workers: 3},
			{Threshold: 0.7, TopK: 2},
			{Threshold: 0, TopK: 5, Workers: 1},
			{Threshold: 1},
		} {
			want := bruteForce(queries, refs, opts.Threshold, opts.TopK)
			for _, name := range Kernels() {
				t.Run(fmt.Sprintf("bits=%d/%+v/%s", bits, opts, name), func(t *testing.T) {
					var got []Pair
					var err error
					withKernel(t, name, func() { got, err = Search(context.Background(), qa, ra, opts) })
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(got, want) {
						t.Errorf("got %d pairs, want %d; first difference at %d", len(got), len(want), firstDiff(got, want))
					}
				})
			}
		}
	}
}

func TestSearchZeroThresholdIncludesEmptyPairs(t *testing.T) {
	e := arena(t, 16, [][]byte{{0, 0}, {0, 0}})
	got, err := Candidates(e, e, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 {
		t.Fatalf("got %d pairs, want all 4 at threshold 0", len(got))
	}
	for _, p := range got {
		if p.Score != 0 {
			t.Errorf("pair %+v: got score %v, want 0 for empty filters", p, p.Score)
		}
	}
}

func TestSearchErrors(t *testing.T) {
	a := arena(t, 16, [][]byte{{1, 2}})
	b := arena(t, 24, [][]byte{{1, 2, 3}})
	if _, err := Candidates(a, b, 0.5); err == nil {
		t.Error("different lengths: got no error")
	}
	for _, th := range []float64{-0.1, 1.1} {
		if _, err := Candidates(a, a, th); err == nil {
			t.Errorf("threshold %v: got no error", th)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Search(ctx, a, a, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
}

func TestMinCommonDecidesLikeDice(t *testing.T) {
	for _, th := range []float64{0, 0.1, 1.0 / 3, 0.5, 0.8, 0.95, 0.999, 1} {
		table := minCommon(300, th)
		for s := range table {
			for c := 0; c <= s/2; c++ {
				if got, want := uint32(c) >= table[s], dice(uint32(c), uint32(s)) >= th; got != want {
					t.Fatalf("threshold %v, c=%d s=%d: table says %v, dice says %v", th, c, s, got, want)
				}
			}
		}
	}
}

// firstDiff returns the first index where a and b differ.
func firstDiff(a, b []Pair) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestScorePairs(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	recs := randomBytes(rng, 4, 100, 0.5)
	e := arena(t, 100, recs)
	pairs := []Pair{{0, 1, -1}, {3, 3, -1}, {2, 0, -1}}
	if err := ScorePairs(e, e, pairs); err != nil {
		t.Fatal(err)
	}
	for _, p := range pairs {
		if want := naiveDice(recs[p.Query], recs[p.Ref]); p.Score != want {
			t.Errorf("pair (%d,%d): got %v, want %v", p.Query, p.Ref, p.Score, want)
		}
	}
	if err := ScorePairs(e, e, []Pair{{0, 4, 0}}); err == nil {
		t.Error("out of range: got no error")
	}
}

func TestSearchSplitsReferencesForFewQueries(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	const bits = 64
	refs := nearCopies(rng, 3*minPartRefs, bits)
	queries := refs[len(refs)-10:] // few queries: one chunk, split references
	qa, ra := arena(t, bits, queries), arena(t, bits, refs)
	for _, opts := range []Options{
		{Threshold: 0.7, Workers: 4},
		{Threshold: 0.3, TopK: 3, Workers: 3},
	} {
		t.Run(fmt.Sprintf("%+v", opts), func(t *testing.T) {
			got, err := Search(context.Background(), qa, ra, opts)
			if err != nil {
				t.Fatal(err)
			}
			want := bruteForce(queries, refs, opts.Threshold, opts.TopK)
			if !slices.Equal(got, want) {
				t.Errorf("got %d pairs, want %d; first difference at %d", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func TestSearchTopKBreaksTiesByReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	const bits = 64
	rec := randomBytes(rng, 1, bits, 0.5)[0]
	var refs [][]byte
	for i := range 3 * minPartRefs {
		if i%7 == 3 {
			refs = append(refs, rec) // many exact ties, across tiles and parts
		} else {
			refs = append(refs, flipped(rng, rec, bits, 0.2))
		}
	}
	qa, ra := arena(t, bits, [][]byte{rec}), arena(t, bits, refs)
	for _, workers := range []int{1, 2, 4} {
		got, err := Search(context.Background(), qa, ra, Options{TopK: 4, Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		want := []Pair{{0, 3, 1}, {0, 10, 1}, {0, 17, 1}, {0, 24, 1}}
		if !slices.Equal(got, want) {
			t.Errorf("workers=%d: got %v, want %v", workers, got, want)
		}
	}
}
