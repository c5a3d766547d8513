package noise_test

import (
	"testing"

	"github.com/civiclink/civiclink/internal/disclose/noise"
)

// Benchmarks of single draws. Run with
//
//	go test -run '^$' -bench . ./internal/disclose/noise/
func BenchmarkDraw(b *testing.B) {
	sources := []struct {
		name string
		src  func() noise.Source
	}{{"crypto", noise.Crypto}, {"chacha8", func() noise.Source { return seeded(1) }}}
	for _, s := range sources {
		b.Run("laplace-b=2/"+s.name, func(b *testing.B) {
			src := s.src()
			b.ReportAllocs()
			for b.Loop() {
				noise.DiscreteLaplace(src, noise.Rat{Num: 2, Den: 1})
			}
		})
		b.Run("gaussian-s2=112.5/"+s.name, func(b *testing.B) {
			src := s.src()
			g := noise.NewGaussian(noise.Rat{Num: 112515197, Den: 1000000})
			b.ReportAllocs()
			for b.Loop() {
				g.Draw(src)
			}
		})
	}
}
