package insight

import (
	"math"
)

// The verdicts of a trend test.
const (
	Rising         = "rising"
	Falling        = "falling"
	NoClearChange  = "no clear change"
	TooFewPeriods  = "too few published periods"
	minTrendPoints = 3
)

// TrendTest is a log-linear (Poisson) trend in counts over time: the
// rate ratio per year with its 95% interval and what it says.
type TrendTest struct {
	// Method names the model, e.g. "Poisson log-linear regression".
	Method string `json:"method"`
	// Periods is how many published periods the test used.
	Periods int `json:"periods"`
	// RatioPerYear is the fitted change in the count per year as a ratio
	// (1.05: 5% a year more), with its 95% interval.
	RatioPerYear float64 `json:"ratio_per_year"`
	Lower        float64 `json:"lower_95"`
	Upper        float64 `json:"upper_95"`
	// Dispersion is the Pearson χ²/(n−2) of the fit; above 1 the interval
	// is widened by its square root and uses Student's t (quasi-Poisson).
	Dispersion float64 `json:"dispersion"`
	// Verdict is rising, falling (the interval excludes 1), no clear change,
	// or too few published periods.
	Verdict string `json:"verdict"`
}

// PoissonTrend fits log E[y] = a + b·x to counts y at times x (in years)
// by Newton–Raphson, and tests b: the interval is exp(b ± q·se), with q the
// normal quantile, or Student's t on n−2 degrees of freedom when the counts
// vary more than a Poisson's and the standard error is scaled by the
// dispersion. Fewer than three points, or all counts zero, give no test.
func PoissonTrend(x []float64, y []int64) TrendTest {
	t := TrendTest{Method: "Poisson log-linear regression", Periods: len(y), Verdict: TooFewPeriods}
	n := len(y)
	if n < minTrendPoints || n != len(x) {
		return t
	}
	var sy, sx float64
	for i := range y {
		sy += float64(y[i])
		sx += x[i]
	}
	if sy == 0 {
		return t
	}
	mx := sx / float64(n)
	a, b := math.Log(sy/float64(n)), 0.0
	var det, s0 float64
	for iter := 0; iter < 100; iter++ {
		var u0, u1, s1, s2 float64
		s0 = 0
		for i := range y {
			xi := x[i] - mx
			mu := math.Exp(a + b*xi)
			r := float64(y[i]) - mu
			u0, u1 = u0+r, u1+xi*r
			s0, s1, s2 = s0+mu, s1+xi*mu, s2+xi*xi*mu
		}
		det = s0*s2 - s1*s1
		if det <= 0 {
			return t // every point at one time: no slope
		}
		da := (s2*u0 - s1*u1) / det
		db := (s0*u1 - s1*u0) / det
		a, b = a+da, b+db
		if math.Abs(da) < 1e-10 && math.Abs(db) < 1e-10 {
			break
		}
	}
	var chi2 float64
	for i := range y {
		mu := math.Exp(a + b*(x[i]-mx))
		chi2 += (float64(y[i]) - mu) * (float64(y[i]) - mu) / mu
	}
	se := math.Sqrt(s0 / det)
	q := Z95
	t.Dispersion = chi2 / float64(n-2)
	if t.Dispersion > 1 {
		se *= math.Sqrt(t.Dispersion)
		q = tQuantile975(n - 2)
	}
	t.RatioPerYear, t.Lower, t.Upper = math.Exp(b), math.Exp(b-q*se), math.Exp(b+q*se)
	switch {
	case t.Lower > 1:
		t.Verdict = Rising
	case t.Upper < 1:
		t.Verdict = Falling
	default:
		t.Verdict = NoClearChange
	}
	return t
}

// t975 are Student's t 97.5% quantiles for 1 to 30 degrees of freedom.
var t975 = [...]float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// tQuantile975 is Student's t 97.5% quantile: tabled to 30 degrees of
// freedom, then the Cornish–Fisher expansion about the normal's (within
// 0.001 there).
func tQuantile975(df int) float64 {
	if df < 1 {
		return math.Inf(1)
	}
	if df <= len(t975) {
		return t975[df-1]
	}
	z, v := Z95, float64(df)
	z3, z5 := z*z*z, z*z*z*z*z
	return z + (z3+z)/(4*v) + (5*z5+16*z3+3*z)/(96*v*v)
}
