package dice

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Benchmarks report comparisons per second ("cmp/s") and, for every vector
// kernel, the ratio to the scalar loop measured in the same process
// ("x-scalar"). Run them with
//
//	go test -run '^$' -bench . -benchtime 2s ./internal/link/dice/

// benchArena returns n random 1024-bit-style encodings with the fill of
// typical clkhash output (about a third of the bits set).
func benchArena(b *testing.B, bits, n int, seed uint64) *Encodings {
	b.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	e, err := NewEncodings(bits)
	if err != nil {
		b.Fatal(err)
	}
	e.Grow(n)
	rec := make([]byte, (bits+7)/8)
	for range n {
		for i := range rec {
			rec[i] = byte(rng.Uint32()&rng.Uint32() | rng.Uint32()&rng.Uint32()&1)
		}
		if pad := len(rec)*8 - bits; pad > 0 {
			rec[len(rec)-1] &^= 1<<pad - 1
		}
		if err := e.AppendBytes(rec); err != nil {
			b.Fatal(err)
		}
	}
	return e
}

// scalarRates memoises the scalar loop's comparisons per second by
// benchmark name, so each vector kernel can print its ratio to it.
var scalarRates sync.Map

// runKernel times op (comparisons comparisons each) with the named kernel
// and reports comparisons per second and, for a vector kernel, the ratio to
// the scalar loop on the same workload (timed now if not yet timed).
func runKernel(b *testing.B, key, kernel string, comparisons float64, op func()) {
	b.Helper()
	b.ReportAllocs()
	withKernel(b, kernel, func() {
		for b.Loop() {
			op()
		}
	})
	rate := comparisons * float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "cmp/s")
	b.ReportMetric(0, "ns/op")
	if kernel == KernelScalar {
		scalarRates.Store(key, rate)
		return
	}
	ref, ok := scalarRates.Load(key)
	if !ok {
		withKernel(b, KernelScalar, func() { ref = comparisons * timesPerSecond(op) })
		scalarRates.Store(key, ref)
	}
	b.ReportMetric(rate/ref.(float64), "x-scalar")
}

// timesPerSecond runs op repeatedly for about half a second and returns how
// many times per second it ran.
func timesPerSecond(op func()) float64 {
	start, n := time.Now(), 0
	for ; time.Since(start) < 500*time.Millisecond; n++ {
		op()
	}
	return float64(n) / time.Since(start).Seconds()
}

// BenchmarkKernel times the one-against-many kernel alone: one query
// against 32 KiB of references (256 of 1024 bits), which stay in the L1
// cache as they do in the tiles of [Search].
func BenchmarkKernel(b *testing.B) {
	for _, bits := range []int{512, 1024, 2048} {
		refs := benchArena(b, bits, tileBytes/(bits/8), 1)
		out := make([]uint32, refs.Len())
		q := refs.record(17)
		op := func() { active.Load().counts(q, refs.data, refs.stride, refs.words, out) }
		for _, name := range scalarFirst() {
			b.Run(fmt.Sprintf("bits=%d/kernel=%s", bits, name), func(b *testing.B) {
				runKernel(b, fmt.Sprintf("kernel/%d", bits), name, float64(refs.Len()), op)
			})
		}
	}
}

// BenchmarkCandidates times many-against-many candidate generation on
// 1024-bit encodings at threshold 0.8, on one core and on all cores.
func BenchmarkCandidates(b *testing.B) {
	queries := benchArena(b, 1024, 512, 2)
	refs := benchArena(b, 1024, 32768, 3)
	comparisons := float64(queries.Len() * refs.Len())
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		op := func() {
			if _, err := Search(context.Background(), queries, refs, Options{Threshold: 0.8, Workers: workers}); err != nil {
				b.Fatal(err)
			}
		}
		for _, name := range scalarFirst() {
			b.Run(fmt.Sprintf("workers=%d/kernel=%s", workers, name), func(b *testing.B) {
				runKernel(b, fmt.Sprintf("candidates/%d", workers), name, comparisons, op)
				b.ReportMetric(comparisons*float64(b.N)/b.Elapsed().Seconds()/float64(workers), "cmp/s/core")
			})
		}
	}
}

// scalarFirst lists the kernels with the scalar reference first, so its
// rate is known when the vector kernels report their ratio.
func scalarFirst() []string {
	names := Kernels()
	return append([]string{KernelScalar}, names[:len(names)-1]...)
}

// BenchmarkLSH times LSH blocking plus scoring on 65536 queries that are
// near copies (5% of bits flipped) of 65536 references, against the
// exhaustive search at the same threshold, and reports the share of the
// exhaustive pairs it finds ("recall").
func BenchmarkLSH(b *testing.B) {
	const n, bits, threshold = 65536, 1024, 0.8
	refs := benchArena(b, bits, n, 4)
	rng := rand.New(rand.NewPCG(5, 6))
	queries, _ := NewEncodings(bits)
	for i := range n {
		rec := refs.Bytes(i)
		for j := range bits {
			if rng.Float64() < 0.05 {
				rec[j/8] ^= 0x80 >> (j % 8)
			}
		}
		if err := queries.AppendBytes(rec); err != nil {
			b.Fatal(err)
		}
	}
	l, err := NewLSH(bits, 24, 24, 1)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	exhaustive, err := Candidates(queries, refs, threshold)
	if err != nil {
		b.Fatal(err)
	}
	exhaustiveTime := time.Since(start)
	b.ReportAllocs()
	var got []Pair
	for b.Loop() {
		if got, err = l.Candidates(queries, refs, threshold); err != nil {
			b.Fatal(err)
		}
	}
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(exhaustiveTime)/float64(perOp), "x-exhaustive")
	b.ReportMetric(float64(len(got))/float64(len(exhaustive)), "recall")
}

// BenchmarkTopK times many-against-many with only the best 5 pairs per
// query kept, at thresholds low enough that most pairs pass.
func BenchmarkTopK(b *testing.B) {
	queries := benchArena(b, 1024, 512, 2)
	refs := benchArena(b, 1024, 32768, 3)
	comparisons := float64(queries.Len() * refs.Len())
	for _, threshold := range []float64{0, 0.5} {
		b.Run(fmt.Sprintf("threshold=%v", threshold), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Search(context.Background(), queries, refs, Options{Threshold: threshold, TopK: 5, Workers: 1}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(comparisons*float64(b.N)/b.Elapsed().Seconds(), "cmp/s")
			b.ReportMetric(0, "ns/op")
		})
	}
}
