package insight

import "math"

// Z95 is the standard normal quantile for a two-sided 95% interval.
const Z95 = 1.959963984540054

// Rate is a count per unit of population with a confidence interval.
type Rate struct {
	Count      int64   `json:"count"`
	Population float64 `json:"population"`
	Per        float64 `json:"per"` // e.g. 1000: the rate is per 1,000 people
	Value      float64 `json:"value"`
	Lower      float64 `json:"lower"`
	Upper      float64 `json:"upper"`
}

// Decimals is how many decimals show the rate and its interval: two, or
// for a rate under 0.1 (say per 1,000 over a large population) as many as
// give two significant figures, so that a published count never reads as
// a rate of 0.00. A zero rate is judged by its upper limit.
func (r Rate) Decimals() int {
	ref := r.Value
	if ref <= 0 {
		ref = r.Upper
	}
	if ref >= 0.1 || ref <= 0 || math.IsInf(ref, 0) || math.IsNaN(ref) {
		return 2
	}
	return min(1-int(math.Floor(math.Log10(ref))), 9)
}

// CrudeRate is count/population×per with a 95% interval from Byar's
// approximation to the exact Poisson interval, the method UK public-health
// indicators use for counts (exact at zero: the lower limit is 0).
func CrudeRate(count int64, population, per float64) Rate {
	r := Rate{Count: count, Population: population, Per: per}
	if population <= 0 {
		return r
	}
	lo, hi := ByarInterval(count, Z95)
	r.Value = float64(count) / population * per
	r.Lower = lo / population * per
	r.Upper = hi / population * per
	return r
}

// ByarInterval returns a confidence interval for a Poisson count o.
func ByarInterval(o int64, z float64) (lower, upper float64) {
	if o < 0 {
		return 0, 0
	}
	x := float64(o)
	if o > 0 {
		lower = x * math.Pow(1-1/(9*x)-z/(3*math.Sqrt(x)), 3)
	}
	y := x + 1
	upper = y * math.Pow(1-1/(9*y)+z/(3*math.Sqrt(y)), 3)
	return lower, upper
}

// WilsonInterval returns the Wilson score interval for a proportion of k
// successes in n trials.
func WilsonInterval(k, n int64, z float64) (lower, upper float64) {
	if n <= 0 {
		return 0, 0
	}
	p := float64(k) / float64(n)
	nn := float64(n)
	den := 1 + z*z/nn
	centre := (p + z*z/(2*nn)) / den
	half := z * math.Sqrt(p*(1-p)/nn+z*z/(4*nn*nn)) / den
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

// Significance compares two rates: "higher" or "lower" when their 95%
// intervals do not overlap, else "similar" (the conservative test UK
// fingertips-style dashboards use).
func Significance(a, b Rate) string {
	switch {
	case a.Lower > b.Upper:
		return "higher"
	case a.Upper < b.Lower:
		return "lower"
	}
	return "similar"
}
