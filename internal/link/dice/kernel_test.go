package dice

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// lengths covers the usual 1024 bits, other powers of two, and lengths that
// are not a multiple of 512, 64 or even 8.
var lengths = []int{1, 7, 8, 63, 64, 65, 100, 511, 512, 513, 1000, 1024, 1031, 2048, 2500}

func TestKernelsMatchScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, bits := range lengths {
		for _, fill := range []float64{0, 0.02, 0.5, 1} {
			// 37 records: whole groups of 8 and 4 plus a tail.
			e := arena(t, bits, randomBytes(rng, 37, bits, fill))
			want := make([]uint32, e.Len())
			for _, k := range kernels {
				t.Run(fmt.Sprintf("%s/bits=%d/fill=%v", k.name, bits, fill), func(t *testing.T) {
					for qi := range e.Len() {
						q := e.record(qi)
						countsScalar(q, e.data, e.stride, e.words, want)
						got := make([]uint32, e.Len())
						k.counts(q, e.data, e.stride, e.words, got)
						if !slices.Equal(got, want) {
							t.Fatalf("query %d: got %v, want %v", qi, got, want)
						}
					}
				})
			}
		}
	}
}

func TestScalarMatchesBitByBit(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, bits := range lengths {
		recs := randomBytes(rng, 9, bits, 0.3)
		e := arena(t, bits, recs)
		withKernel(t, KernelScalar, func() {
			for i := range recs {
				for j := range recs {
					if got, want := Score(e, i, e, j), naiveDice(recs[i], recs[j]); got != want {
						t.Errorf("bits=%d (%d,%d): got %v, want %v", bits, i, j, got, want)
					}
				}
			}
		})
	}
}

func TestScoresAllKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, bits := range []int{64, 1000, 1024, 2048} {
		recs := randomBytes(rng, 301, bits, 0.4)
		e := arena(t, bits, recs)
		for _, name := range Kernels() {
			withKernel(t, name, func() {
				got, err := Scores(e, 7, e, nil)
				if err != nil {
					t.Fatal(err)
				}
				for j, s := range got {
					if want := naiveDice(recs[7], recs[j]); s != want {
						t.Fatalf("%s bits=%d ref %d: got %v, want %v", name, bits, j, s, want)
					}
				}
			})
		}
	}
}

func TestScoreEdgeCases(t *testing.T) {
	full := []byte{0xff, 0xff}
	empty := []byte{0, 0}
	half := []byte{0xff, 0}
	tests := []struct {
		name string
		a, b []byte
		want float64
	}{
		{"both empty", empty, empty, 0},
		{"one empty", empty, full, 0},
		{"identical", half, half, 1},
		{"full and half", full, half, 2 * 8.0 / 24},
		{"disjoint", half, []byte{0, 0xff}, 0},
	}
	for _, tt := range tests {
		for _, name := range Kernels() {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				e := arena(t, 16, [][]byte{tt.a, tt.b})
				withKernel(t, name, func() {
					got, err := Scores(e, 0, e, nil)
					if err != nil {
						t.Fatal(err)
					}
					if got[1] != tt.want {
						t.Errorf("got %v, want %v", got[1], tt.want)
					}
				})
			})
		}
	}
}

func TestUseKernel(t *testing.T) {
	if _, err := UseKernel("no-such-kernel"); err == nil {
		t.Fatal("got no error for an unknown kernel")
	}
	names := Kernels()
	if got, want := names[len(names)-1], KernelScalar; got != want {
		t.Errorf("last kernel: got %q, want %q", got, want)
	}
	if got, want := Kernel(), names[0]; got != want {
		t.Errorf("default kernel: got %q, want the fastest, %q", got, want)
	}
	withKernel(t, KernelScalar, func() {
		if got := Kernel(); got != KernelScalar {
			t.Errorf("after UseKernel: got %q, want %q", got, KernelScalar)
		}
	})
}

func TestFilterKeepsEveryPassingPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, k := range kernels {
		if k.filter == nil {
			continue
		}
		for _, bits := range []int{64, 1000, 1024, 2048} {
			e := arena(t, bits, nearCopies(rng, 64, bits))
			counts := make([]uint32, e.Len())
			masks := make([]uint8, e.Len()/8+1)
			for qi := range e.Len() {
				q, qc := e.record(qi), e.counts[qi]
				// Thresholds exactly at the scores that occur are the
				// boundary cases a float32 pre-filter could get wrong.
				scores, _ := Scores(e, qi, e, nil)
				for _, th := range append(slices.Clone(scores[:8]), 0, 1) {
					sc := newScanner(&k, e, minCommon(bits, th), th, e.Len())
					n := k.filter(q, qc, e.data, e.counts, e.stride, sc.tlow, counts, masks)
					if n != e.Len()&^7 {
						t.Fatalf("%s: filtered %d records, want %d", k.name, n, e.Len()&^7)
					}
					for j := range n {
						passed := masks[j/8]>>(j%8)&1 != 0
						if scores[j] >= th && !passed {
							t.Fatalf("%s bits=%d query %d ref %d threshold %v: score %v passes but the pre-filter dropped it",
								k.name, bits, qi, j, th, scores[j])
						}
						if got, want := dice(counts[j], qc+e.counts[j]), scores[j]; got != want {
							t.Fatalf("%s: score from filter counts: got %v, want %v", k.name, got, want)
						}
					}
				}
			}
		}
	}
}

// FuzzKernels checks every kernel against the scalar loop on arbitrary
// bytes, cut into records of an arbitrary length.
func FuzzKernels(f *testing.F) {
	f.Add(uint16(1024), []byte{0xff, 0x0f, 0xf0, 0x01})
	f.Add(uint16(65), []byte{})
	f.Fuzz(func(t *testing.T, bits uint16, seed []byte) {
		if bits == 0 || bits > 4096 {
			return
		}
		n := (int(bits) + 7) / 8
		rng := rand.New(rand.NewPCG(uint64(len(seed)), uint64(bits)))
		var recs [][]byte
		for i := range 19 {
			r := make([]byte, n)
			for j := range r {
				if k := i*n + j; k < len(seed) {
					r[j] = seed[k]
				} else {
					r[j] = byte(rng.Uint32())
				}
			}
			if pad := n*8 - int(bits); pad > 0 {
				r[n-1] &^= 1<<pad - 1
			}
			recs = append(recs, r)
		}
		e := arena(t, int(bits), recs)
		want := make([]uint32, e.Len())
		got := make([]uint32, e.Len())
		for qi := range e.Len() {
			countsScalar(e.record(qi), e.data, e.stride, e.words, want)
			for _, k := range kernels {
				k.counts(e.record(qi), e.data, e.stride, e.words, got)
				if !slices.Equal(got, want) {
					t.Fatalf("%s bits=%d query %d: got %v, want %v", k.name, bits, qi, got, want)
				}
			}
		}
	})
}
