package dice

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// flipped returns a copy of rec with each of its first bits positions
// flipped with probability rate.
func flipped(rng *rand.Rand, rec []byte, bits int, rate float64) []byte {
	c := slices.Clone(rec)
	for j := range bits {
		if rng.Float64() < rate {
			c[j/8] ^= 0x80 >> (j % 8)
		}
	}
	return c
}

func TestLSHRecallOnNearDuplicates(t *testing.T) {
	const bits, n = 1024, 400
	rng := rand.New(rand.NewPCG(13, 14))
	base := randomBytes(rng, n, bits, 0.4)
	near := make([][]byte, n)
	for i, r := range base {
		near[i] = flipped(rng, r, bits, 0.05)
	}
	l, err := NewLSH(bits, 24, 24, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.Candidates(arena(t, bits, near), arena(t, bits, base), 0)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, p := range got {
		if p.Query == p.Ref {
			found++
		}
	}
	recall := float64(found) / n
	t.Logf("recall on filters differing in 5%% of positions: %.4f", recall)
	if recall < 0.99 {
		t.Errorf("got recall %.3f of near-duplicate pairs, want at least 0.99", recall)
	}
}

func TestLSHRandomCandidateRateIsLow(t *testing.T) {
	const bits, n = 1024, 400
	rng := rand.New(rand.NewPCG(15, 16))
	l, err := NewLSH(bits, 24, 24, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, fill := range []float64{0.25, 0.5} {
		queries := arena(t, bits, randomBytes(rng, n, bits, fill))
		refs := arena(t, bits, randomBytes(rng, n, bits, fill))
		got, err := l.Candidates(queries, refs, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Expected about 2e-4 (fill 1/4) and 1.4e-6 (fill 1/2).
		rate := float64(len(got)) / (n * n)
		t.Logf("fill %v: candidate rate on unrelated filters %.2g", fill, rate)
		if rate > 1e-3 {
			t.Errorf("fill %v: got candidate rate %.2g on unrelated filters, want at most 1e-3", fill, rate)
		}
	}
}

func TestLSHCandidatesAreTruePairs(t *testing.T) {
	const bits = 1000
	rng := rand.New(rand.NewPCG(17, 18))
	refs := nearCopies(rng, 200, bits)
	var queries [][]byte
	for _, r := range refs[:120] {
		queries = append(queries, flipped(rng, r, bits, 0.05))
	}
	qa, ra := arena(t, bits, queries), arena(t, bits, refs)
	l, err := NewLSH(bits, 16, 12, 3)
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.Candidates(qa, ra, 0.6)
	if err != nil {
		t.Fatal(err)
	}
	all := bruteForce(queries, refs, 0.6, 0)
	if len(got) == 0 {
		t.Fatal("got no candidates, want some near-duplicate pairs")
	}
	for _, p := range got {
		if !slices.Contains(all, p) {
			t.Errorf("pair %+v is not a brute-force pair at threshold 0.6", p)
		}
	}
	if !slices.IsSortedFunc(got, func(a, b Pair) int {
		if a.Query != b.Query {
			return a.Query - b.Query
		}
		return byScore(a, b)
	}) {
		t.Error("pairs are not ordered by query, then score")
	}
}

func TestLSHKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	recs := randomBytes(rng, 2, 512, 0.5)
	e := arena(t, 512, [][]byte{recs[0], recs[0], recs[1]})
	l1, _ := NewLSH(512, 8, 16, 1)
	l1again, _ := NewLSH(512, 8, 16, 1)
	l2, _ := NewLSH(512, 8, 16, 2)
	k0, k1, k2 := l1.Keys(e, 0, nil), l1.Keys(e, 1, nil), l1.Keys(e, 2, nil)
	if got, want := len(k0), l1.Bands(); got != want {
		t.Fatalf("got %d keys, want %d", got, want)
	}
	if !slices.Equal(k0, k1) {
		t.Error("identical records: got different keys")
	}
	if slices.Equal(k0, k2) {
		t.Error("different random records: got identical keys in every band")
	}
	if !slices.Equal(k0, l1again.Keys(e, 0, nil)) {
		t.Error("same seed: got different keys")
	}
	if slices.Equal(k0, l2.Keys(e, 0, nil)) {
		t.Error("different seed: got identical keys")
	}
}

func TestNewLSHErrors(t *testing.T) {
	for _, tt := range []struct{ bits, bands, bandBits int }{
		{0, 1, 1}, {64, 0, 8}, {64, 4, 0}, {64, 4, 65}, {16, 2, 17},
	} {
		if _, err := NewLSH(tt.bits, tt.bands, tt.bandBits, 1); err == nil {
			t.Errorf("NewLSH(%d, %d, %d): got no error", tt.bits, tt.bands, tt.bandBits)
		}
	}
	l, _ := NewLSH(64, 2, 8, 1)
	e := arena(t, 16, [][]byte{{1, 2}})
	if _, err := l.Candidates(e, e, 0.5); err == nil {
		t.Error("length mismatch: got no error")
	}
}
