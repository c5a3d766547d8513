package insight_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/store"
)

// monthly writes six months of violent incidents: Basildon rising (12 to
// 38 a month), Chelmsford flat at 20, Braintree 2 a month (below the
// threshold every month), plus 5 thefts a month in Basildon that the
// indicator's filter leaves out.
var monthly = map[string][]int{
	"E07000066": {12, 15, 19, 24, 30, 38},
	"E07000070": {20, 20, 20, 20, 20, 20},
	"E07000067": {2, 2, 2, 2, 2, 2},
}

func trendStore(tb testing.TB) *insight.Engine {
	tb.Helper()
	sc, err := catalog.ParseSchema(strings.NewReader(`{"columns": [
	 {"name": "id", "type": "string", "role": "record-id"},
	 {"name": "on", "type": "date", "role": "event-date"},
	 {"name": "district", "type": "lad-code", "role": "geography"},
	 {"name": "kind", "type": "category", "codes": ["violence", "theft"]}]}`))
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("id,on,district,kind\n")
	n := 0
	row := func(lad string, m, count int, kind string) {
		for range count {
			n++
			fmt.Fprintf(&b, "r%d,2024-%02d-%02d,%s,%s\n", n, m, 1+n%28, lad, kind)
		}
	}
	for lad, counts := range monthly {
		for m, c := range counts {
			row(lad, m+1, c, "violence")
		}
	}
	for m := 1; m <= 6; m++ {
		row("E07000066", m, 5, "theft")
	}
	p := filepath.Join(tb.TempDir(), "incidents.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	st := openStore(tb)
	addDataset(tb, st, "incidents", sc, p)
	e, _ := engine(tb, st, true)
	county, err := geo.Load()
	if err != nil {
		tb.Fatal(err)
	}
	e.Geo, e.PopulationScale = county, 0.01
	return e
}

var violence = &insight.Indicator{Name: "violence", Title: "Violence", Purpose: "road-safety", Dataset: "incidents", Where: "kind = 'violence'"}

func TestTrendByDistrictAndMonth(t *testing.T) {
	e := trendStore(t)
	u := &govern.User{ID: "ana", PartnerID: "police", Roles: []govern.Role{govern.Analyst}}
	tr, err := e.Trend(context.Background(), u, insight.TrendQuery{Indicator: violence, ByDistrict: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(tr.Periods, ","), "2024-01,2024-02,2024-03,2024-04,2024-05,2024-06"; got != want {
		t.Fatalf("periods %s, want %s", got, want)
	}
	if len(tr.Series) != 15 || tr.Series[0].Code != disclose.TotalLevel {
		t.Fatalf("%d series starting %q, want the county then 14 districts", len(tr.Series), tr.Series[0].Code)
	}
	county := tr.Series[0]
	pop := float64(e.Geo.Population()) * 0.01
	for i, p := range county.Points {
		want := monthly["E07000066"][i] + monthly["E07000070"][i] + monthly["E07000067"][i]
		var published int64
		fmt.Sscan(p.Count, &published)
		if !near(p.Count, int64(want)) {
			t.Errorf("county %s = %s, want %d perturbed by at most %d", p.Period, p.Count, want, maxShift)
		} else if r := insight.CrudeRate(published, pop, 1000); p.Rate == nil || math.Abs(p.Rate.Value-r.Value) > 1e-9 || p.Rate.Lower != r.Lower {
			t.Errorf("county %s rate = %+v, want %+v (scaled population)", p.Period, p.Rate, r)
		}
	}
	if county.Test.Verdict != insight.Rising || county.Test.Periods != 6 {
		t.Errorf("county test = %+v, want rising over 6 periods", county.Test)
	}
	for _, s := range tr.Series[1:] {
		for _, p := range s.Points {
			if p.Count == disclose.Confidential && (p.Rate != nil || p.VsCounty != "") {
				t.Errorf("%s %s is [c] but has a rate or comparison: %+v", s.Code, p.Period, p)
			}
			// Perturbation may take 2 to 0 (a published 0 is not a
			// certain zero), never to a published small count.
			if s.Code == "E07000067" && p.Count != disclose.Confidential && p.Count != "0" {
				t.Errorf("Braintree %s = %s, want [c] or 0 (2 incidents)", p.Period, p.Count)
			}
		}
		if s.Code == "E07000067" && s.Test.Verdict != insight.TooFewPeriods {
			t.Errorf("Braintree's test used suppressed periods: %+v", s.Test)
		}
	}
	var csv bytes.Buffer
	if err := tr.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	out := csv.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "district,period,count,rate_per_1000,lower_95,upper_95,vs_county,protection,threshold,reference_period" || len(lines) != 1+15*6 {
		t.Fatalf("CSV has header %q and %d lines, want the header and %d rows", lines[0], len(lines), 15*6)
	}
	if !strings.Contains(out, "E07000067,2024-01,[c],[c],[c],[c],[c],perturbation+suppression,10,2024-01 to 2024-06\n") && !strings.Contains(out, "E07000067,2024-01,0,") {
		t.Errorf("Braintree's suppressed month is not written as [c]:\n%s", out)
	}
	// A published 0 is allowed (the ptable takes 2 to 0 a fifth of the
	// time); the true 2, or any count under the threshold, is not.
	if regexp.MustCompile(`\nE07000067,2024-01,[1-9],`).MatchString(out) {
		t.Errorf("a small count leaks:\n%s", out)
	}
	var sum bytes.Buffer
	tr.WriteSummaryCSV(&sum)
	if !strings.Contains(sum.String(), "Total,Essex (14 districts),6,") || !strings.Contains(sum.String(), ",rising\n") {
		t.Errorf("summary does not give the county's rising trend:\n%s", sum.String())
	}
}

// TestTrendSpansTheData checks that months without a record are zero
// cells, not missing ones: the data run from January, the filter keeps
// March onwards, so January and February are published as 0.
func TestTrendSpansTheData(t *testing.T) {
	e := trendStore(t)
	u := &govern.User{ID: "ana", PartnerID: "police", Roles: []govern.Role{govern.Analyst}}
	late := &insight.Indicator{Name: "late", Purpose: "road-safety", Dataset: "incidents", Where: "kind = 'violence' AND on >= '2024-03-01'"}
	tr, err := e.Trend(context.Background(), u, insight.TrendQuery{Indicator: late, Period: "month"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	ok := len(tr.Series[0].Points) == 6
	for i, p := range tr.Series[0].Points {
		got = append(got, p.Period+"="+p.Count)
		if want := []int64{0, 0, 41, 46, 52, 60}[min(i, 5)]; !near(p.Count, want) || (want == 0 && p.Count != "0") {
			ok = false
		}
	}
	if want := "2024-01=0,2024-02=0,2024-03=41,2024-04=46,2024-05=52,2024-06=60"; !ok || !strings.HasPrefix(strings.Join(got, ","), "2024-01=0,2024-02=0,2024-03=") {
		t.Errorf("county series %s, want %s with counts perturbed by at most %d (zeros stay zero)", strings.Join(got, ","), want, maxShift)
	}
}

func TestTrendRefusals(t *testing.T) {
	e := trendStore(t)
	st := e.Store.(*store.Store) // the test adds a partner and a user
	ctx := context.Background()
	ana := &govern.User{ID: "ana", PartnerID: "police", Roles: []govern.Role{govern.Analyst}}
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "county", Name: "County"}); err != nil {
		t.Fatal(err)
	}
	carl := &govern.User{ID: "carl", PartnerID: "county", Name: "Carl", Roles: []govern.Role{govern.Analyst}}
	if err := st.CreateUser(ctx, carl); err != nil {
		t.Fatal(err)
	}
	ksi := *violence
	ksi.VersionPeriod = "year"
	tests := []struct {
		name string
		u    *govern.User
		q    insight.TrendQuery
		code string
		want string
	}{
		{"another partner without an agreement", carl, insight.TrendQuery{Indicator: violence}, fault.Forbidden, "agreement"},
		{"unknown period", ana, insight.TrendQuery{Indicator: violence, Period: "week"}, fault.Invalid, "month, quarter or year"},
		{"a per-year indicator by month", ana, insight.TrendQuery{Indicator: &ksi, Period: "month"}, fault.Invalid, "ask for the period year"},
		{"no indicator", ana, insight.TrendQuery{}, fault.Invalid, "no indicator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.Trend(ctx, tt.u, tt.q)
			if fault.Code(err) != tt.code || !strings.Contains(fault.Message(err), tt.want) {
				t.Errorf("error %v (%s), want %s containing %q", err, fault.Code(err), tt.code, tt.want)
			}
		})
	}
}

// TestTrendKSIMatchesDfT runs the shipped road-ksi-dft indicator over
// DfT's STATS19 casualty files for Essex, one version a year: the killed
// or seriously injured counts are DfT's (778, 1,025, 927, 931 for 2015–18),
// the rates use the real county's population although the engine is set
// for a small synthetic county, and the test's verdict follows from them.
func TestTrendKSIMatchesDfT(t *testing.T) {
	st := casualtiesStore(t, "road-casualties")
	var err error
	e, u := engine(t, st, true)
	if e.Geo, err = geo.Load(); err != nil {
		t.Fatal(err)
	}
	e.PopulationScale = 0.001
	ind, err := insight.FindIndicator("road-ksi-dft")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := e.Trend(context.Background(), u, insight.TrendQuery{Indicator: ind})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		year  string
		count int64
	}{{"2015", 778}, {"2016", 1025}, {"2017", 927}, {"2018", 931}}
	county := tr.Series[0]
	if tr.Period != "year" || len(county.Points) != len(want) {
		t.Fatalf("period %s with %d points, want year with %d", tr.Period, len(county.Points), len(want))
	}
	pop := float64(e.Geo.Population())
	for i, w := range want {
		p := county.Points[i]
		if p.Period != w.year || !near(p.Count, w.count) {
			t.Errorf("point %d = %s %s, want %s %d perturbed by at most %d", i, p.Period, p.Count, w.year, w.count, maxShift)
			continue
		}
		var published int64
		fmt.Sscan(p.Count, &published)
		if r := insight.CrudeRate(published, pop, 1000); p.Rate == nil || math.Abs(p.Rate.Value-r.Value) > 1e-9 {
			t.Errorf("%s rate = %+v, want %.4f per 1,000 of the whole county", w.year, p.Rate, r.Value)
		}
	}
	// 778 → 1,025 → 927 → 931: a jump, then level. The counts vary far
	// more than a Poisson's about the fitted line, so the widened interval
	// includes no change.
	if ts := county.Test; ts.Dispersion <= 1 || ts.Verdict != insight.NoClearChange || ts.Lower >= 1 || ts.Upper <= 1 {
		t.Errorf("test = %+v, want overdispersed with no clear change", ts)
	}
	if _, err := e.Trend(context.Background(), u, insight.TrendQuery{Indicator: ind, ByDistrict: true}); fault.Code(err) != fault.Invalid {
		t.Errorf("by district: %v, want invalid (the casualty files carry no place)", err)
	}
}
