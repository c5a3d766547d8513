package insight_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// TestRatesWithinTheirMaximum computes every shipped indicator at every
// grain (by district over its default period, and by district per year,
// quarter and month) on a demo county, with the synthetic county's own
// residents as denominators, and checks that no published rate exceeds
// what it can be: 100% for a share of an eligible population, 1,000 per
// 1,000 residents (a year, or per period) for a count of events. A six-year
// sum divided by one year's population, or a denominator that is not the
// people counted, breaks it.
func TestRatesWithinTheirMaximum(t *testing.T) {
	c := demotest.New(t, 1000, 8)
	ctx := context.Background()
	county, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := &insight.Engine{Store: c.Store, Gov: govern.NewService(c.Store, govern.AuditRecorder{Log: c.Audit}), Geo: county}
	if e.Residents, err = demo.LoadResidents(ctx, c.Store); err != nil || len(e.Residents) != 14 {
		t.Fatalf("the demo store's residents by district: %v, %v", e.Residents, err)
	}
	var people int64
	for _, n := range e.Residents {
		people += n
	}
	if people < 900 || people > 1000 {
		t.Errorf("the synthetic county's residents add up to %d, want the living of its 1,000 people", people)
	}
	u := c.Summary.Staff["county.analyst"]
	all, err := insight.Indicators()
	if err != nil {
		t.Fatal(err)
	}
	grains := [][]string{{insight.DimDistrict}, {insight.DimDistrict, "year"}, {insight.DimDistrict, "quarter"}, {insight.DimDistrict, "month"}}
	for name, ind := range all {
		want := "the synthetic county's own residents"
		if ind.RealData {
			want = "ONS mid-2022 estimates"
		}
		if ind.Share == nil && !strings.Contains(e.PopulationNote(ind), want) {
			t.Errorf("%s: the note %q does not say whose population it is", name, e.PopulationNote(ind))
		}
		if got := e.SyntheticNote(ind); ind.RealData != (got == "") || !ind.RealData && !strings.Contains(got, "not real rates") {
			t.Errorf("%s (real data %t): synthetic note %q; want one saying these are not real rates exactly for synthetic data", name, ind.RealData, got)
		}
		for _, by := range grains {
			t.Run(name+" by "+strings.Join(by, ","), func(t *testing.T) {
				if ind.VersionPeriod != "" {
					checkTrend(t, e, u, ind, by)
					return
				}
				tab, err := e.Indicator(ctx, u, ind, by)
				if fault.Code(err) == fault.NotFound && strings.Contains(fault.Message(err), "no records") {
					t.Skipf("an empty result says why: %s", fault.Message(err))
				}
				if err != nil {
					t.Fatal(err)
				}
				if tab.Period == "" {
					t.Errorf("no period stated")
				}
				limit, unit := 1000.0, "per 1,000 residents"
				if ind.Share != nil {
					limit, unit = 100, "% of "+ind.Share.Of
				}
				if !strings.HasPrefix(tab.Unit, unit) {
					t.Errorf("unit %q, want %s…", tab.Unit, unit)
				}
				rated, highest := 0, 0.0
				for _, cell := range tab.Cells {
					if cell.Rate == nil {
						continue
					}
					rated++
					highest = max(highest, cell.Rate.Value)
					if cell.Rate.Value > limit || cell.Rate.Value < 0 {
						t.Errorf("%v: rate %.1f %s over %s exceeds its maximum %.0f (count %s)", cell.Levels, cell.Rate.Value, tab.Unit, tab.Period, limit, cell.Count)
					}
					if ind.Share != nil {
						den, err := strconv.ParseInt(cell.Denominator, 10, 64)
						if err != nil || den <= 0 {
							t.Errorf("%v: a share's eligible count %q is not published", cell.Levels, cell.Denominator)
						}
					}
				}
				if len(by) == 1 && rated == 0 && !allSuppressed(tab) {
					t.Errorf("no rate at the default period %s", tab.Period)
				}
				t.Logf("%s by %v over %s: %d rates, highest %.1f (max %.0f) %s", name, by, tab.Period, rated, highest, limit, tab.Unit)
			})
		}
	}
}

// checkTrend checks a per-version indicator's county rates by year.
func checkTrend(t *testing.T, e *insight.Engine, u *govern.User, ind *insight.Indicator, by []string) {
	t.Helper()
	if len(by) != 2 || by[1] != ind.VersionPeriod {
		t.Skipf("%s is published a %s per version, for the county", ind.Name, ind.VersionPeriod)
	}
	tr, err := e.Trend(context.Background(), u, insight.TrendQuery{Indicator: ind})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tr.Series {
		for _, p := range s.Points {
			if p.Rate != nil && p.Rate.Value > 1000 {
				t.Errorf("%s %s: rate %.1f %s exceeds 1,000", s.Name, p.Period, p.Rate.Value, tr.Unit)
			}
		}
	}
}

func allSuppressed(tab *insight.IndicatorTable) bool {
	for _, c := range tab.Cells {
		if c.Count != disclose.Confidential {
			return false
		}
	}
	return true
}
