package insight

import (
	"math"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestByarInterval(t *testing.T) {
	// Reference values of the exact Poisson 95% interval (chi-square
	// quantiles); Byar's approximation is within 1% of them from 10 up.
	tests := []struct {
		o      int64
		lo, hi float64
		tol    float64
	}{
		{0, 0, 3.689, 0.02},
		{1, 0.0253, 5.572, 0.03},
		{10, 4.795, 18.39, 0.05},
		{100, 81.36, 121.6, 0.2},
		{1000, 939.0, 1063.2, 1},
	}
	for _, tt := range tests {
		lo, hi := ByarInterval(tt.o, Z95)
		if !near(lo, tt.lo, tt.tol*math.Max(1, tt.lo)) || !near(hi, tt.hi, tt.tol*tt.hi) {
			t.Errorf("ByarInterval(%d) = [%.4f, %.4f], want about [%.4f, %.4f]", tt.o, lo, hi, tt.lo, tt.hi)
		}
		if lo > float64(tt.o) || hi < float64(tt.o) {
			t.Errorf("interval [%f, %f] does not contain %d", lo, hi, tt.o)
		}
	}
}

func TestCrudeRate(t *testing.T) {
	r := CrudeRate(250, 125000, 1000)
	if !near(r.Value, 2.0, 1e-12) || r.Lower >= 2 || r.Upper <= 2 {
		t.Errorf("rate = %+v, want 2 per 1,000 inside its interval", r)
	}
	if z := CrudeRate(5, 0, 1000); z.Value != 0 || z.Upper != 0 {
		t.Errorf("rate with no population = %+v, want zeros", z)
	}
}

func TestWilsonInterval(t *testing.T) {
	lo, hi := WilsonInterval(5, 10, Z95)
	if !near(lo, 0.2366, 1e-3) || !near(hi, 0.7634, 1e-3) {
		t.Errorf("Wilson(5/10) = [%f, %f], want [0.2366, 0.7634]", lo, hi)
	}
	lo, hi = WilsonInterval(0, 20, Z95)
	if lo != 0 || !near(hi, 0.1611, 1e-3) {
		t.Errorf("Wilson(0/20) = [%f, %f], want [0, 0.1611]", lo, hi)
	}
}

func TestSignificance(t *testing.T) {
	a, b := CrudeRate(400, 100000, 1000), CrudeRate(200, 100000, 1000)
	if got := Significance(a, b); got != "higher" {
		t.Errorf("400 vs 200 per 100k = %s, want higher", got)
	}
	if got := Significance(CrudeRate(20, 10000, 1000), CrudeRate(22, 10000, 1000)); got != "similar" {
		t.Errorf("20 vs 22 = %s, want similar", got)
	}
}

func TestCompareWithCounty(t *testing.T) {
	hi, lo, mid := CrudeRate(400, 10000, 1000), CrudeRate(100, 10000, 1000), CrudeRate(205, 10000, 1000)
	county := CrudeRate(705, 30000, 1000)
	cells := []RateCell{
		{Levels: []string{"A", "2024"}, Rate: &hi},
		{Levels: []string{"B", "2024"}, Rate: &lo},
		{Levels: []string{"C", "2024"}, Rate: &mid},
		{Levels: []string{"D", "2024"}, Count: "[c]"},
		{Levels: []string{"Total", "2024"}, Rate: &county},
	}
	compareWithCounty(cells, 0)
	got := []string{cells[0].VsCounty, cells[1].VsCounty, cells[2].VsCounty, cells[3].VsCounty, cells[4].VsCounty}
	want := []string{"higher", "lower", "similar", "", ""}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %s: %q, want %q", cells[i].Levels[0], got[i], want[i])
		}
	}
}

// TestRateDecimals checks that a rate is written to two decimals, or for
// a small rate to two significant figures, so a published count never
// reads as 0.00.
func TestRateDecimals(t *testing.T) {
	tests := []struct {
		name string
		r    Rate
		want int
	}{
		{"a rate per 1,000 of several", Rate{Value: 3.67, Upper: 5.1}, 2},
		{"a percentage", Rate{Value: 25.3, Upper: 30}, 2},
		{"just under one", Rate{Value: 0.87, Upper: 1.18}, 2},
		{"22 among 1.87 million over five years, per 1,000", CrudeRate(22, 1.87e6*5, 1000), 4},
		{"a millionth", Rate{Value: 0.0000012, Upper: 0.000003}, 7},
		{"zero: judged by its upper limit", Rate{Value: 0, Upper: 0.0037}, 4},
		{"zero with no interval", Rate{}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Decimals(); got != tt.want {
				t.Errorf("Decimals() of %+v = %d, want %d", tt.r, got, tt.want)
			}
		})
	}
}
