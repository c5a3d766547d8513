package dice

import (
	"math/rand/v2"
	"testing"
)

// randomBytes returns n random encodings of the given length, each bit set
// with probability fill, in byte form with zero padding bits.
func randomBytes(rng *rand.Rand, n, bits int, fill float64) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		b := make([]byte, (bits+7)/8)
		for j := range bits {
			if rng.Float64() < fill {
				b[j/8] |= 0x80 >> (j % 8)
			}
		}
		out[i] = b
	}
	return out
}

// arena loads byte-form encodings into a new arena.
func arena(tb testing.TB, bits int, recs [][]byte) *Encodings {
	tb.Helper()
	e, err := NewEncodings(bits)
	if err != nil {
		tb.Fatal(err)
	}
	for i, r := range recs {
		if err := e.AppendBytes(r); err != nil {
			tb.Fatalf("record %d: %v", i, err)
		}
	}
	return e
}

// naiveDice scores two byte-form encodings bit by bit, independently of
// the arena and the kernels.
func naiveDice(a, b []byte) float64 {
	var ca, cb, both int
	for i := range a {
		for bit := range 8 {
			x, y := a[i]>>bit&1, b[i]>>bit&1
			ca += int(x)
			cb += int(y)
			both += int(x & y)
		}
	}
	if ca+cb == 0 {
		return 0
	}
	return float64(2*both) / float64(ca+cb)
}

// withKernel runs f with the named kernel active and restores the previous
// one afterwards.
func withKernel(tb testing.TB, name string, f func()) {
	tb.Helper()
	prev, err := UseKernel(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer UseKernel(prev)
	f()
}
