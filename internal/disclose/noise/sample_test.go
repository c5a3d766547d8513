package noise_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose/noise"
)

// seeded returns a repeatable source; only tests may use one.
func seeded(seed byte) noise.Source {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

// laplacePMF is the exact discrete Laplace pmf with scale b.
func laplacePMF(b float64) func(int64) float64 {
	return func(y int64) float64 {
		return math.Tanh(1/(2*b)) * math.Exp(-math.Abs(float64(y))/b)
	}
}

// gaussianPMF is the discrete Gaussian pmf with variance parameter s2,
// normalised numerically.
func gaussianPMF(s2 float64) func(int64) float64 {
	norm := 0.0
	lim := int64(40*math.Sqrt(s2)) + 40
	for y := -lim; y <= lim; y++ {
		norm += math.Exp(-float64(y*y) / (2 * s2))
	}
	return func(y int64) float64 { return math.Exp(-float64(y*y)/(2*s2)) / norm }
}

// moments returns the mean and variance of pmf.
func moments(pmf func(int64) float64) (mean, variance float64) {
	for y := int64(-100_000); y <= 100_000; y++ {
		p := pmf(y)
		mean += float64(y) * p
		variance += float64(y*y) * p
	}
	return mean, variance - mean*mean
}

// chiSquare compares draws with pmf over the values whose expected count
// is at least 5, the two outermost bins absorbing their tails, and returns
// the statistic and its degrees of freedom.
func chiSquare(draws []int64, pmf func(int64) float64) (stat float64, df int) {
	n := float64(len(draws))
	lo, hi := int64(0), int64(0)
	for pmf(lo-1)*n >= 5 {
		lo--
	}
	for pmf(hi+1)*n >= 5 {
		hi++
	}
	obs := make([]float64, hi-lo+1)
	for _, d := range draws {
		obs[min(max(d, lo), hi)-lo]++
	}
	for y := lo; y <= hi; y++ {
		p := pmf(y)
		if y == lo {
			for z := lo - 1; z > lo-4000; z-- {
				p += pmf(z)
			}
		}
		if y == hi {
			for z := hi + 1; z < hi+4000; z++ {
				p += pmf(z)
			}
		}
		e := p * n
		o := obs[y-lo]
		stat += (o - e) * (o - e) / e
	}
	return stat, int(hi - lo)
}

// chiCritical approximates the upper-alpha quantile of chi-square with df
// degrees of freedom (Wilson–Hilferty), given the normal quantile z.
func chiCritical(df int, z float64) float64 {
	k := float64(df)
	a := 2 / (9 * k)
	return k * math.Pow(1-a+z*math.Sqrt(a), 3)
}

type sampler struct {
	name string
	draw func(noise.Source) int64
	pmf  func(int64) float64
}

func samplers() []sampler {
	return []sampler{
		{"laplace b=1", func(s noise.Source) int64 { return noise.DiscreteLaplace(s, noise.Rat{Num: 1, Den: 1}) }, laplacePMF(1)},
		{"laplace b=10/3", func(s noise.Source) int64 { return noise.DiscreteLaplace(s, noise.Rat{Num: 10, Den: 3}) }, laplacePMF(10.0 / 3)},
		{"laplace b=0.5", func(s noise.Source) int64 { return noise.DiscreteLaplace(s, noise.Rat{Num: 1, Den: 2}) }, laplacePMF(0.5)},
		{"gaussian s2=4", func(s noise.Source) int64 { return noise.DiscreteGaussian(s, noise.Rat{Num: 4, Den: 1}) }, gaussianPMF(4)},
		{"gaussian s2=12.5", func(s noise.Source) int64 { return noise.DiscreteGaussian(s, noise.Rat{Num: 25, Den: 2}) }, gaussianPMF(12.5)},
		// (|y|·t·q − p)² overflows 64 bits in the tails: the big path.
		{"gaussian s2=1000.123457", func(s noise.Source) int64 {
			return noise.DiscreteGaussian(s, noise.Rat{Num: 1000123457, Den: 1000000})
		}, gaussianPMF(1000.123457)},
		// Here even the denominator 2·p·q·t² needs big integers.
		{"gaussian s2=1234567.891011", func(s noise.Source) int64 {
			return noise.DiscreteGaussian(s, noise.Rat{Num: 1234567891011, Den: 1000000})
		}, gaussianPMF(1234567.891011)},
		{"gaussian s2=0.3", func(s noise.Source) int64 { return noise.DiscreteGaussian(s, noise.Rat{Num: 3, Den: 10}) }, gaussianPMF(0.3)},
	}
}

// checkDistribution draws n values and checks them against the exact pmf:
// chi-square at normal quantile z, mean and variance within 6 standard
// errors.
func checkDistribution(t *testing.T, smp sampler, src noise.Source, n int, z float64) {
	t.Helper()
	draws := make([]int64, n)
	var sum, sumSq float64
	for i := range draws {
		d := smp.draw(src)
		draws[i] = d
		sum += float64(d)
		sumSq += float64(d) * float64(d)
	}
	wantMean, wantVar := moments(smp.pmf)
	gotMean := sum / float64(n)
	gotVar := sumSq/float64(n) - gotMean*gotMean
	if se := math.Sqrt(wantVar / float64(n)); math.Abs(gotMean-wantMean) > 6*se {
		t.Errorf("mean = %.4f, want %.4f ± %.4f", gotMean, wantMean, 6*se)
	}
	// The variance of the sample variance is about (μ4 − σ⁴)/n; bound μ4
	// generously by 10σ⁴ (the discrete Laplace has kurtosis about 6).
	if se := math.Sqrt(9 * wantVar * wantVar / float64(n)); math.Abs(gotVar-wantVar) > 6*se {
		t.Errorf("variance = %.4f, want %.4f ± %.4f", gotVar, wantVar, 6*se)
	}
	stat, df := chiSquare(draws, smp.pmf)
	if crit := chiCritical(df, z); stat > crit {
		t.Errorf("chi-square = %.1f on %d df, want <= %.1f", stat, df, crit)
	}
}

func TestSamplersMatchExactPMFSeeded(t *testing.T) {
	for i, smp := range samplers() {
		t.Run(smp.name, func(t *testing.T) {
			// z = 4.26: a 1e-5 test, so the fixed seed is not chosen to
			// pass (a correct sampler fails a 0.1% test once in a
			// thousand seeds); power comes from the sample size.
			n := 200_000
			if testing.Short() {
				n = 80_000
			}
			checkDistribution(t, smp, seeded(byte(i+1)), n, 4.26)
		})
	}
}

func TestSamplersMatchExactPMFCrypto(t *testing.T) {
	if testing.Short() {
		t.Skip("draws from crypto/rand")
	}
	for _, smp := range samplers() {
		t.Run(smp.name, func(t *testing.T) {
			// z = 5.6: a 1e-8 test, so a correct sampler essentially never
			// fails on fresh randomness.
			checkDistribution(t, smp, noise.Crypto(), 50_000, 5.6)
		})
	}
}

// TestChiSquareDetectsWrongScale checks the test harness itself: draws at
// one scale must fail against another scale's pmf.
func TestChiSquareDetectsWrongScale(t *testing.T) {
	src := seeded(99)
	draws := make([]int64, 50_000)
	for i := range draws {
		draws[i] = noise.DiscreteLaplace(src, noise.Rat{Num: 2, Den: 1})
	}
	stat, df := chiSquare(draws, laplacePMF(2.3))
	if crit := chiCritical(df, 3.09); stat <= crit {
		t.Errorf("chi-square = %.1f on %d df against the wrong scale, want > %.1f", stat, df, crit)
	}
}

func TestBernoulliExp(t *testing.T) {
	tests := []struct{ num, den uint64 }{{0, 1}, {1, 3}, {1, 1}, {5, 2}, {7, 1}}
	src := seeded(7)
	const n = 200_000
	for _, tt := range tests {
		hits := 0
		for range n {
			if noise.BernoulliExp(src, tt.num, tt.den) {
				hits++
			}
		}
		p := math.Exp(-float64(tt.num) / float64(tt.den))
		se := math.Sqrt(p*(1-p)/n) + 1e-9
		if got := float64(hits) / n; math.Abs(got-p) > 6*se {
			t.Errorf("BernoulliExp(%d/%d) rate = %.5f, want %.5f ± %.5f", tt.num, tt.den, got, p, 6*se)
		}
	}
}

func TestUniformUnbiased(t *testing.T) {
	src := seeded(3)
	const n, k = 300_000, 7
	var counts [k]int
	for range n {
		counts[noise.Uniform(src, k)]++
	}
	stat := 0.0
	for _, c := range counts {
		e := float64(n) / k
		stat += (float64(c) - e) * (float64(c) - e) / e
	}
	if crit := chiCritical(k-1, 3.09); stat > crit {
		t.Errorf("Uniform(7) chi-square = %.1f, want <= %.1f (counts %v)", stat, crit, counts)
	}
}

func TestRatFromDecimal(t *testing.T) {
	tests := []struct {
		in   float64
		want noise.Rat
		ok   bool
	}{
		{0.1, noise.Rat{Num: 1, Den: 10}, true},
		{1.25, noise.Rat{Num: 5, Den: 4}, true},
		{3, noise.Rat{Num: 3, Den: 1}, true},
		{0, noise.Rat{}, false},
		{-1, noise.Rat{}, false},
		{math.NaN(), noise.Rat{}, false},
		{1e-15, noise.Rat{}, false},
	}
	for _, tt := range tests {
		got, err := noise.RatFromDecimal(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("RatFromDecimal(%v) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

// FuzzRatFromDecimal checks that any accepted parameter becomes a reduced
// rational equal to the float's shortest decimal form.
func FuzzRatFromDecimal(f *testing.F) {
	for _, x := range []float64{0.1, 1, 2.5, 1e-12, 123456.789, 3e9} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		r, err := noise.RatFromDecimal(x)
		if err != nil {
			return
		}
		if r.Num == 0 || r.Den == 0 || r.Den > 1_000_000_000_000 {
			t.Fatalf("RatFromDecimal(%v) = %v: out of range", x, r)
		}
		if got := float64(r.Num) / float64(r.Den); math.Abs(got-x) > 1e-9*x {
			t.Fatalf("RatFromDecimal(%v) = %v = %v", x, r, got)
		}
		for _, p := range []uint64{2, 5} {
			if r.Num%p == 0 && r.Den%p == 0 {
				t.Fatalf("RatFromDecimal(%v) = %v is not reduced", x, r)
			}
		}
	})
}
