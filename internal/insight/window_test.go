package insight_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

func TestParseWindow(t *testing.T) {
	tests := []struct {
		in, id, from, to string
		months           int
		unit             string
	}{
		{"2023-Q3", "2023-Q3", "2023-07", "2023-09", 3, "per 1,000 residents in 2023-Q3"},
		{"2023", "2023", "2023-01", "2023-12", 12, "per 1,000 residents a year (2023)"},
		{"12 months to 2023-03", "12 months to 2023-03", "2022-04", "2023-03", 12, "per 1,000 residents a year (12 months to 2023-03)"},
		{"2019-2023", "2019-2023", "2019-01", "2023-12", 60, "per 1,000 residents a year (the yearly average over 2019-2023)"},
		{"2019–2023", "2019-2023", "2019-01", "2023-12", 60, "per 1,000 residents a year (the yearly average over 2019-2023)"},
		{"2023-01 to 2023-06", "2023-01 to 2023-06", "2023-01", "2023-06", 6, "per 1,000 residents in 2023-01 to 2023-06"},
		{"2023-01 to 2023-12", "2023", "2023-01", "2023-12", 12, "per 1,000 residents a year (2023)"},
		{"12 months to 2023-12", "2023", "2023-01", "2023-12", 12, "per 1,000 residents a year (2023)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			w, err := insight.ParseWindow(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if w.ID != tt.id || w.From != tt.from || w.To != tt.to || w.Months != tt.months || w.Unit != tt.unit {
				t.Errorf("got %+v, want %s %s–%s (%d months) %q", w, tt.id, tt.from, tt.to, tt.months, tt.unit)
			}
		})
	}
	for _, bad := range []string{"", "banana", "2023-Q5", "2023-13 to 2024-01", "2024-2019", "12 months to 2023-00", "quarter", "2023-1"} {
		t.Run("refused "+bad, func(t *testing.T) {
			if _, err := insight.ParseWindow(bad); fault.Code(err) != fault.Invalid || !strings.Contains(fault.Message(err), "2023-Q3") && !strings.Contains(fault.Message(err), "backwards") && !strings.Contains(fault.Message(err), "does not exist") {
				t.Errorf("ParseWindow(%q) = %v, want an invalid-period error showing the forms", bad, err)
			}
		})
	}
}

// windowStore holds three years (2021–2023) of incidents in every
// district, perYear records a year each, spread evenly over the
// months, every fourth of them serious, and returns an engine over it.
func windowStore(tb testing.TB, perYear int) (*insight.Engine, *govern.User) {
	tb.Helper()
	lads := ladCodes(tb)
	var b bytes.Buffer
	b.WriteString("id,on,district,severity\n")
	n := 0
	for _, lad := range lads {
		for y := 2021; y <= 2023; y++ {
			for i := range perYear {
				n++
				m := 1 + i*12/perYear
				sev := "slight"
				if i%4 == 0 {
					sev = "serious"
				}
				fmt.Fprintf(&b, "r%d,%d-%02d-%02d,%s,%s\n", n, y, m, 1+n%28, lad, sev)
			}
		}
	}
	// The first and last days, so the data covers whole months.
	fmt.Fprintf(&b, "first,2021-01-01,%s,slight\nlast,2023-12-31,%s,slight\n", lads[0], lads[0])
	return engineOver(tb, "incidents", `{"columns": [
	 {"name": "id", "type": "string", "role": "record-id"},
	 {"name": "on", "type": "date", "role": "event-date"},
	 {"name": "district", "type": "lad-code", "role": "geography"},
	 {"name": "severity", "type": "category", "codes": [{"value": "serious"}, {"value": "slight"}]}]}`, b.Bytes())
}

// ladCodes are the county's district codes.
func ladCodes(tb testing.TB) []string {
	tb.Helper()
	county, err := geo.Load()
	if err != nil {
		tb.Fatal(err)
	}
	return county.LADCodes()
}

// engineOver loads rows (CSV with a header) as dataset id of the schema
// given (JSON) and returns an engine over it with the county's geography.
func engineOver(tb testing.TB, id, schema string, rows []byte) (*insight.Engine, *govern.User) {
	tb.Helper()
	sc, err := catalog.ParseSchema(strings.NewReader(schema))
	if err != nil {
		tb.Fatal(err)
	}
	county, err := geo.Load()
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(tb.TempDir(), id+".csv")
	if err := os.WriteFile(p, rows, 0o644); err != nil {
		tb.Fatal(err)
	}
	st := openStore(tb)
	addDataset(tb, st, id, sc, p)
	e, u := engine(tb, st, true)
	e.Geo = county
	return e, u
}

var incidents = &insight.Indicator{Name: "incidents", Title: "Incidents", Purpose: "road-safety", Dataset: "incidents"}

// TestIndicatorDefaultPeriod checks that a district figure covers the
// latest 12 months when most districts can be published there, and
// whole years when the data is sparse; that the figure states its period
// and rates per year; and that a period asked for is what is counted.
func TestIndicatorDefaultPeriod(t *testing.T) {
	tests := []struct {
		name    string
		perYear int
		period  string
		want    string
		years   float64
		truth   int64 // each district's true count in the period
		// minPublished is how many districts must be published: 10 of
		// 14 at a default; none where the counts are all below the
		// threshold.
		minPublished int
	}{
		// The latest 12 months of data ending in December are the year.
		{"dense data: the latest 12 months", 24, "", "2023", 1, 24, 10},
		// 5 a year: the latest 12 months (5 each) publish no district;
		// 3 years (15 each) publish every one, since the shipped
		// ptable moves 15 below 10 with probability 0.002 (at 4 a year,
		// 12 fell to 9 with probability 0.106, and fewer than 10 of 14
		// were published in about 1 run in 80).
		{"sparse data: the latest 3 whole years", 5, "", "2021-2023", 3, 15, 10},
		{"a quarter asked for", 24, "2022-Q2", "2022-Q2", 1, 6, 0},
		{"a year asked for", 24, "2022", "2022", 1, 24, 10},
		{"12 months to a month asked for", 24, "12 months to 2023-06", "12 months to 2023-06", 1, 24, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, u := windowStore(t, tt.perYear)
			tab, err := e.IndicatorPeriod(context.Background(), u, incidents, []string{insight.DimDistrict}, tt.period)
			if err != nil {
				t.Fatal(err)
			}
			if tab.Period != tt.want || tab.Window == nil || tab.Window.ID != tt.want {
				t.Fatalf("period %q (window %+v), want %q", tab.Period, tab.Window, tt.want)
			}
			if !strings.Contains(tab.Unit, tt.want) {
				t.Errorf("unit %q does not name the period %s", tab.Unit, tt.want)
			}
			if p := tab.Result.Protection.Period; p != tt.want {
				t.Errorf("protection states period %q, want %q", p, tt.want)
			}
			published := 0
			for _, c := range tab.Cells {
				if c.Levels[0] == disclose.TotalLevel || c.Count == disclose.Confidential {
					continue
				}
				published++
				if !near(c.Count, tt.truth) {
					t.Errorf("%s: published %s, true count in %s is %d", c.Levels[0], c.Count, tt.want, tt.truth)
				}
				lad, _ := e.Geo.LAD(c.Levels[0])
				want := float64(c.Rate.Count) / (float64(lad.Population) * tt.years) * 1000
				if math.Abs(c.Rate.Value-want) > 1e-9 {
					t.Errorf("%s: rate %v, want %v per 1,000 a year", c.Levels[0], c.Rate.Value, want)
				}
			}
			if published < tt.minPublished {
				t.Errorf("only %d of 14 districts published at the period chosen", published)
			}
			var csv bytes.Buffer
			if err := tab.WriteCSV(&csv); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(csv.String(), "\n")
			if !strings.HasPrefix(lines[0], "district,period,count,") || !strings.Contains(lines[1], ","+tt.want+",") {
				t.Errorf("CSV does not state the period:\n%s\n%s", lines[0], lines[1])
			}
		})
	}
}

// TestShareDefaultPeriod checks that a share's default period is chosen
// on the value it counts, not on every eligible record: with 24
// incidents a year in each district, 6 of them serious, the latest 12
// months would publish every district's eligible count and no district's
// serious count, so the figure covers the latest 3 years, where most
// districts' serious counts (18) are published with their percentage.
func TestShareDefaultPeriod(t *testing.T) {
	e, u := windowStore(t, 24)
	serious := &insight.Indicator{Name: "serious", Title: "Serious incidents", Purpose: "road-safety", Dataset: "incidents",
		Share: &insight.Share{Column: "severity", Value: "serious", Of: "incidents"}}
	tab, err := e.IndicatorPeriod(context.Background(), u, serious, []string{insight.DimDistrict}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tab.Period, "2021-2023"; got != want {
		t.Fatalf("default period %q, want %q (the shortest at which the serious counts publish)", got, want)
	}
	published := 0
	for _, c := range tab.Cells {
		if c.Levels[0] == disclose.TotalLevel || c.Count == disclose.Confidential {
			continue
		}
		published++
		if !near(c.Count, 18) || c.Rate == nil || math.Abs(c.Rate.Value-25) > 10 {
			t.Errorf("%s: published %s (%+v), want about 18 serious, about 25%% of the eligible", c.Levels[0], c.Count, c.Rate)
		}
	}
	if published < 10 {
		t.Errorf("only %d of 14 districts published at %s", published, tab.Period)
	}
	// Asked for, the latest year still publishes what it can: nothing.
	year, err := e.IndicatorPeriod(context.Background(), u, serious, []string{insight.DimDistrict}, "2023")
	if err != nil {
		t.Fatal(err)
	}
	// The shipped ptable moves a count of 6 up to 10 or more with
	// probability 0.006, so one district in 14 is published about one
	// run in 12; four or more almost never (about 1 in 800,000).
	published = 0
	for _, c := range year.Cells {
		if c.Levels[0] == disclose.TotalLevel || c.Count == disclose.Confidential {
			continue
		}
		published++
		if !near(c.Count, 6) {
			t.Errorf("2023: %s published %s serious incidents, true count 6", c.Levels[0], c.Count)
		}
	}
	if published > 3 {
		t.Errorf("2023: %d of 14 districts published about 6 serious incidents each, below the threshold of 10", published)
	}
}

// TestYearlyDataCoversItsYears checks that data taken once a year (a
// census on the third Thursday of January) covers each year it has
// records for: its first and last years can be chosen, and the default
// period, over three censuses, is named by whole years. Without the
// yearly mark the first census (after the first week of its month) and
// the last (its month not reached to the end) fell outside every choice.
func TestYearlyDataCoversItsYears(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("id,census,district\n")
	n := 0
	days := map[int]int{2021: 21, 2022: 20, 2023: 19}
	for _, lad := range ladCodes(t) {
		for y, d := range days {
			for range 4 {
				n++
				fmt.Fprintf(&b, "p%d,%d-01-%02d,%s\n", n, y, d, lad)
			}
		}
	}
	e, u := engineOver(t, "census", `{"columns": [
	 {"name": "id", "type": "string", "role": "record-id"},
	 {"name": "census", "type": "date", "role": "event-date", "yearly": true},
	 {"name": "district", "type": "lad-code", "role": "geography"}]}`, b.Bytes())
	pupils := &insight.Indicator{Name: "pupils", Title: "Pupils", Purpose: "road-safety", Dataset: "census"}
	tests := []struct {
		period, want string
		truth        int64
	}{
		{"", "2021-2023", 12}, // 4 a year: only three censuses reach 10
		{"2021", "2021", 4},
		{"2023", "2023", 4},
	}
	for _, tt := range tests {
		t.Run("period "+tt.period, func(t *testing.T) {
			tab, err := e.IndicatorPeriod(context.Background(), u, pupils, []string{insight.DimDistrict}, tt.period)
			if err != nil {
				t.Fatal(err)
			}
			if tab.Period != tt.want {
				t.Fatalf("period %q, want %q", tab.Period, tt.want)
			}
			for _, c := range tab.Cells {
				if c.Levels[0] != disclose.TotalLevel && c.Count != disclose.Confidential && !near(c.Count, tt.truth) {
					t.Errorf("%s: published %s, true count in %s is %d", c.Levels[0], c.Count, tt.want, tt.truth)
				}
			}
		})
	}
}

// TestIndicatorPeriodRefused checks that a period the data does not
// cover, or that is not a period, is refused with the choices that
// exist, before anything is counted.
func TestIndicatorPeriodRefused(t *testing.T) {
	e, u := windowStore(t, 24)
	for _, p := range []string{"2024", "2020-Q4", "2019-2023", "12 months to 2024-01", "banana", "quarter"} {
		t.Run(p, func(t *testing.T) {
			_, err := e.IndicatorPeriod(context.Background(), u, incidents, []string{insight.DimDistrict}, p)
			if fault.Code(err) != fault.Invalid {
				t.Fatalf("period %q: %v, want refused as invalid", p, err)
			}
			for _, choice := range []string{"2023", "2021-2023", "2023-Q4"} {
				if !strings.Contains(fault.Message(err), choice) {
					t.Errorf("refusal %q does not offer %s", fault.Message(err), choice)
				}
			}
			t.Logf("attacked with period %q; held: %s", p, fault.Message(err))
		})
	}
}

// TestTrendDefaultGrain checks that a trend at its default grain is
// charted by the finest of month, quarter and year at which most of its
// cells (each district, or the county, in each period) can be
// published: month for dense data, quarter or year as the data thins,
// and for a share on the value it counts, not on every eligible record.
func TestTrendDefaultGrain(t *testing.T) {
	serious := &insight.Indicator{Name: "serious", Title: "Serious incidents", Purpose: "road-safety", Dataset: "incidents",
		Share: &insight.Share{Column: "severity", Value: "serious", Of: "incidents"}}
	tests := []struct {
		name       string
		perYear    int
		ind        *insight.Indicator
		byDistrict bool
		want       string
	}{
		{"dense: 12 a month in each district", 144, incidents, true, "month"},
		{"4 a month in each district", 48, incidents, true, "quarter"},
		{"sparse: 1 a month in each district", 12, incidents, true, "year"},
		{"sparse districts, the county alone", 12, incidents, false, "month"},
		{"a share: 3 serious a month of 12", 144, serious, true, "year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, u := windowStore(t, tt.perYear)
			tr, err := e.Trend(context.Background(), u, insight.TrendQuery{Indicator: tt.ind, Period: insight.DefaultGrain, ByDistrict: tt.byDistrict})
			if err != nil {
				t.Fatal(err)
			}
			if tr.Period != tt.want {
				t.Fatalf("default grain %q, want %q", tr.Period, tt.want)
			}
			if want := map[string]int{"month": 36, "quarter": 12, "year": 3}[tt.want]; len(tr.Periods) != want {
				t.Errorf("%d periods (%v), want %d %ss", len(tr.Periods), tr.Periods, want, tt.want)
			}
			cells, supp := 0, 0
			for _, s := range tr.Series {
				for _, p := range s.Points {
					cells++
					if p.Count == disclose.Confidential {
						supp++
					}
				}
			}
			if 3*supp > cells {
				t.Errorf("%d of %d cells [c] by %s, want most published", supp, cells, tr.Period)
			}
		})
	}
}
