package insight

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestPoissonTrend(t *testing.T) {
	years := []float64{2015, 2016, 2017, 2018, 2019}
	tests := []struct {
		name      string
		x         []float64
		y         []int64
		verdict   string
		ratio     float64 // 0: not checked
		lo, hi    float64 // 0: not checked
		dispersed bool
	}{
		// Equal counts: no slope; the interval is exp(±1.96/sqrt(Σμ·x²)) =
		// exp(±1.96/sqrt(100·2)) for x centred at -1, 0, 1.
		{"flat", []float64{0, 1, 2}, []int64{100, 100, 100}, NoClearChange, 1, math.Exp(-Z95 / math.Sqrt(200)), math.Exp(Z95 / math.Sqrt(200)), false},
		// An exact geometric series is fitted exactly.
		{"rising 10% a year", years, []int64{1000, 1100, 1210, 1331, 1464}, Rising, 1.1, 0, 0, false},
		{"falling by half", years[:4], []int64{800, 400, 200, 100}, Falling, 0.5, 0, 0, false},
		{"small and noisy", years, []int64{12, 9, 14, 10, 13}, NoClearChange, 0, 0, 0, false},
		// Counts far more variable than a Poisson's: the interval widens
		// (quasi-Poisson, t on 3 df) and the apparent rise is not clear.
		{"overdispersed", years, []int64{500, 900, 450, 1000, 700}, NoClearChange, 0, 0, 0, true},
		{"two periods", years[:2], []int64{10, 50}, TooFewPeriods, 0, 0, 0, false},
		{"all zero", years[:3], []int64{0, 0, 0}, TooFewPeriods, 0, 0, 0, false},
		{"one time", []float64{2019, 2019, 2019}, []int64{3, 4, 5}, TooFewPeriods, 0, 0, 0, false},
		{"monthly", []float64{2024, 2024 + 1.0/12, 2024 + 2.0/12, 2024 + 3.0/12}, []int64{100, 110, 121, 133}, Rising, 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PoissonTrend(tt.x, tt.y)
			if got.Verdict != tt.verdict {
				t.Fatalf("verdict = %q, want %q (%+v)", got.Verdict, tt.verdict, got)
			}
			if tt.ratio != 0 && math.Abs(got.RatioPerYear-tt.ratio) > 1e-4 {
				t.Errorf("ratio = %.8f, want %.8f", got.RatioPerYear, tt.ratio)
			}
			if tt.lo != 0 && (math.Abs(got.Lower-tt.lo) > 1e-9 || math.Abs(got.Upper-tt.hi) > 1e-9) {
				t.Errorf("interval = %.6f–%.6f, want %.6f–%.6f", got.Lower, got.Upper, tt.lo, tt.hi)
			}
			if got.Verdict != TooFewPeriods && !(got.Lower <= got.RatioPerYear && got.RatioPerYear <= got.Upper) {
				t.Errorf("ratio %.4f outside its interval %.4f–%.4f", got.RatioPerYear, got.Lower, got.Upper)
			}
			if tt.dispersed != (got.Dispersion > 1) {
				t.Errorf("dispersion = %.2f, want dispersed %v", got.Dispersion, tt.dispersed)
			}
		})
	}
}

// TestTQuantile checks the table's end against the expansion beyond it
// and known quantiles (t 0.975 on 40 and 120 df: 2.021, 1.980).
func TestTQuantile(t *testing.T) {
	for _, tt := range []struct {
		df   int
		want float64
	}{{1, 12.706}, {3, 3.182}, {30, 2.042}, {40, 2.021}, {120, 1.980}} {
		if got := tQuantile975(tt.df); math.Abs(got-tt.want) > 0.001 {
			t.Errorf("t(%d) = %.4f, want %.3f", tt.df, got, tt.want)
		}
	}
}

func TestPeriodTime(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"2019", 2019, true}, {"2019-Q1", 2019, true}, {"2019-Q3", 2019.5, true},
		{"2019-01", 2019, true}, {"2019-07", 2019.5, true},
		{"2019-13", 0, false}, {"2019-Q5", 0, false}, {"(missing)", 0, false}, {"v3", 0, false}, {"Total", 0, false},
	}
	for _, tt := range tests {
		got, ok := periodTime(tt.in)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("periodTime(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestThemesParse(t *testing.T) {
	themes, err := Themes()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"violence-and-vulnerability", "domestic-abuse", "homelessness", "mental-health-crisis",
		"avoidable-emergency-care", "school-readiness", "physical-inactivity", "road-safety"}
	if len(themes) != len(want) {
		t.Fatalf("%d themes, want %d", len(themes), len(want))
	}
	for i, th := range themes {
		if th.ID != want[i] {
			t.Errorf("theme %d = %s, want %s", i, th.ID, want[i])
		}
		if len(th.Indicators) == 0 {
			t.Errorf("theme %s has no indicators", th.ID)
		}
	}
	if _, err := FindTheme("nope"); err == nil || !strings.Contains(err.Error(), "road-safety") {
		t.Errorf("unknown theme: %v, want not found listing the themes", err)
	}
}

func TestSpanLevels(t *testing.T) {
	tests := []struct {
		period string
		levels []string
		bounds []string
		want   string
	}{
		{"month", []string{"2024-03", "2024-06"}, nil, "2024-03,2024-04,2024-05,2024-06"},
		{"month", []string{"2024-03", Missing}, []string{"2024-01-01", "2024-04-30"}, "2024-01,2024-02,2024-03,2024-04," + Missing},
		{"quarter", []string{"2023-Q4"}, []string{"2023-08-15", "2024-03-31 10:00:00"}, "2023-Q3,2023-Q4,2024-Q1"},
		{"year", []string{"2019", "2022"}, nil, "2019,2020,2021,2022"},
		{"month", []string{"2023-12", "2024-01"}, nil, "2023-12,2024-01"},
		{"month", []string{Missing}, nil, Missing},
		{"month", nil, []string{"nonsense"}, ""},
	}
	for _, tt := range tests {
		if got := strings.Join(spanLevels(tt.period, tt.levels, tt.bounds), ","); got != tt.want {
			t.Errorf("spanLevels(%s, %v, %v) = %s, want %s", tt.period, tt.levels, tt.bounds, got, tt.want)
		}
	}
}

// TestSeriesLeavesOutSuppressed checks the test uses published counts
// only and gives none when over a quarter of the periods are suppressed.
func TestSeriesLeavesOutSuppressed(t *testing.T) {
	series := func(counts ...string) []Point {
		var ps []Point
		for i, c := range counts {
			ps = append(ps, Point{Period: strconv.Itoa(2015 + i), Count: c})
		}
		return ps
	}
	tests := []struct {
		name    string
		points  []Point
		periods int
		verdict string
	}{
		{"all published", series("100", "121", "146", "177"), 4, Rising},
		{"one of four suppressed", series("100", "[c]", "146", "177"), 3, Rising},
		{"two of six suppressed", series("100", "[c]", "[c]", "177", "214", "259"), 4, TooFewPeriods},
		{"two of eight suppressed", series("100", "[c]", "[c]", "177", "214", "259", "314", "380"), 6, Rising},
		{"published zeros count", series("0", "0", "0", "0"), 4, TooFewPeriods},
	}
	for _, tt := range tests {
		got := testSeries(tt.points)
		if got.Periods != tt.periods || got.Verdict != tt.verdict {
			t.Errorf("%s: %d periods, %q; want %d, %q", tt.name, got.Periods, got.Verdict, tt.periods, tt.verdict)
		}
	}
}
