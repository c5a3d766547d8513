package demo_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/store"
)

func TestFlowAndSafeguardingLists(t *testing.T) {
	ctx := context.Background()
	dc := demotest.New(t, 1500, 9)
	st, log, sum := dc.Store, dc.Audit, dc.Summary
	if sum.Linkage.Pairs.F1 < 0.95 || !within(sum.KSI["2015"], 778) {
		t.Errorf("linkage F1 %.4f, KSI 2015 %d; want F1 ≥ 0.95 and 778 perturbed by at most %d", sum.Linkage.Pairs.F1, sum.KSI["2015"], maxShift)
	}
	known := sum.Cohorts["known-to-three-agencies"]
	if total, ok := known.Cell(disclose.TotalLevel); !ok || total.Count <= 0 {
		t.Errorf("nobody is known to three agencies: %+v", total)
	}
	for _, name := range demo.ShownIndicators {
		tr := sum.Trends[name]
		if tr == nil || len(tr.Series) == 0 || tr.Series[0].Test.Periods < 6 || tr.Series[0].Test.Verdict == "" {
			t.Errorf("indicator %s: the demo shows no county trend over six or more months: %+v", name, tr)
		}
	}

	svc := govern.NewService(st, govern.AuditRecorder{Log: log})
	county, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := &insight.Engine{Store: st, Gov: svc, Geo: county}
	c, err := insight.FindCohort("known-to-three-agencies")
	if err != nil {
		t.Fatal(err)
	}
	q := insight.CohortQuery{Cohort: c}
	recs, err := e.SafeguardingList(ctx, sum.Staff["police.caseworker"], q)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 {
		t.Fatal("the police caseworker's list is empty")
	}
	police := policeDatasets(t, st)
	for _, r := range recs {
		if !slices.Contains(police, r.Dataset) {
			t.Fatalf("the police caseworker was given a record of %s, which police does not own", r.Dataset)
		}
	}
	refused := []struct {
		name string
		user *govern.User
		q    insight.CohortQuery
	}{
		{"analyst asking for records", sum.Staff["police.analyst"], q},
		{"a purpose that is not safeguarding", sum.Staff["police.caseworker"], insight.CohortQuery{Cohort: c, Purpose: "road-safety"}},
	}
	for _, tt := range refused {
		if _, err := e.SafeguardingList(ctx, tt.user, tt.q); fault.Code(err) != fault.Forbidden {
			t.Errorf("%s: %v, want forbidden with the reason", tt.name, err)
		}
	}
}

func policeDatasets(t *testing.T, st *store.Store) []string {
	t.Helper()
	ds, err := st.Datasets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		if d.PartnerID == "police" {
			out = append(out, d.ID)
		}
	}
	return out
}

func TestIndicatorsOnTheDemoCounty(t *testing.T) {
	ctx := context.Background()
	dc := demotest.New(t, 1200, 4)
	st, log, sum := dc.Store, dc.Audit, dc.Summary
	county, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := &insight.Engine{Store: st, Gov: govern.NewService(st, govern.AuditRecorder{Log: log}), Geo: county}
	all, err := insight.Indicators()
	if err != nil {
		t.Fatal(err)
	}
	for name, ind := range all {
		tab, err := e.Indicator(ctx, sum.Staff["county.analyst"], ind, []string{"district"})
		if ind.VersionPeriod != "" {
			// A county figure by version (STATS19 casualties carry no
			// place): by district must be refused, saying why.
			if err == nil || !strings.Contains(err.Error(), "district") {
				t.Errorf("%s has no place, so by district should be refused naming it; got %v", name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var b strings.Builder
		if err := tab.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(b.String()), "\n")
		head := "district,period,count,rate_per_1000,lower_95,upper_95,vs_county,rate_unit,protection,threshold,reference_period"
		if ind.Share != nil { // a percentage of the eligible, who are counted beside it
			head = "district,period,count,eligible,percent,lower_95,upper_95,vs_county,rate_unit,protection,threshold,reference_period"
		}
		if lines[0] != head {
			t.Errorf("%s: header %q", name, lines[0])
		}
		// Every district appears (zeros included); real data may add records
		// placed outside the county, shown as their own level.
		for _, lad := range county.LADCodes() {
			if !strings.Contains(b.String(), "\n"+lad+",") {
				t.Errorf("%s: district %s is missing:\n%s", name, lad, b.String())
			}
		}
		for _, l := range lines[1:] {
			f := strings.Split(l, ",")
			if f[1] == "" || tab.Period == "" || f[1] != tab.Period {
				t.Errorf("%s: row %q does not state the period %q", name, l, tab.Period)
			}
			rate := 3 // the rate's column; a share's eligible count comes first
			if ind.Share != nil {
				rate = 4
			}
			if f[2] == "" || (f[2] == disclose.Confidential && f[rate] != disclose.Confidential) {
				t.Errorf("%s: row %q leaks or is blank", name, l)
			}
		}
	}
}
