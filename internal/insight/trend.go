package insight

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// DefaultGrain asks for a trend at its default grain: the finest of
// month, quarter and year at which at least two of its cells in three
// (each area in each whole period) reach the disclosure threshold, so
// that most are published — as a figure's default period is chosen
// ([LatestPeriod]). The trend states the grain chosen.
const DefaultGrain = "default"

// TrendQuery asks for a named indicator's time series.
type TrendQuery struct {
	Indicator *Indicator
	// Period is month, quarter or year, or [DefaultGrain]; "" is the
	// indicator's own (year for an indicator whose versions are years,
	// else month).
	Period string
	// ByDistrict adds a series per district to the county's.
	ByDistrict bool
}

// Trend is an indicator's disclosure-controlled time series: the county's
// and, when asked, each district's, with rates and a trend test each.
type Trend struct {
	Indicator *Indicator `json:"indicator"`
	Period    string     `json:"period"`
	// Unit says what the rates are, e.g. "per 1,000 residents per month".
	Unit string `json:"unit"`
	// Periods are the published periods, in time order.
	Periods []string `json:"periods"`
	// Series holds the county first, then the districts in code order.
	Series []Series `json:"series"`
	// Notes say what disclosure control and the test did, for captions.
	Notes []string `json:"notes,omitempty"`
	// Protection says how the counts were protected.
	Protection any `json:"protection"`
	// Result is the table every figure above came from.
	Result *disclose.Result `json:"-"`
}

// Series is one area's time series. The county's Code is
// [disclose.TotalLevel].
type Series struct {
	Code   string    `json:"code"`
	Name   string    `json:"name"`
	Points []Point   `json:"points"`
	Test   TrendTest `json:"test"`
}

// Point is one period's published count ([c] when suppressed) and, for a
// published count, its rate per 1,000 residents with a 95% interval and,
// for a district, how it compares with the county in the same period.
type Point struct {
	Period   string `json:"period"`
	Count    string `json:"count"`
	Rate     *Rate  `json:"rate,omitempty"`
	VsCounty string `json:"vs_county,omitempty"`
}

// CountyName is the county series' name.
const CountyName = "Essex (14 districts)"

// Trend computes q for user u: one governed read, one disclosure-controlled
// table (district × period, or period alone), then rates and a trend test
// per area from the published cells only. A suppressed count is [c] and
// is left out of the test, never taken as 0.
func (e *Engine) Trend(ctx context.Context, u *govern.User, q TrendQuery) (*Trend, error) {
	r, err := e.PrepareTrend(ctx, u, q)
	if err != nil {
		return nil, err
	}
	return e.ComputeTrend(ctx, r)
}

// trendPeriod checks the period asked for against the indicator.
func trendPeriod(ind *Indicator, p string) (string, error) {
	p = strings.ToLower(strings.TrimSpace(p))
	if ind.VersionPeriod != "" {
		if p != "" && p != DefaultGrain && p != ind.VersionPeriod {
			return "", fault.FieldErrorf(fault.Invalid, "period", "indicator %s is published a %s per version: ask for the period %s", ind.Name, ind.VersionPeriod, ind.VersionPeriod)
		}
		return ind.VersionPeriod, nil
	}
	if p == "" {
		return "month", nil
	}
	if !slices.Contains(Periods, p) && p != DefaultGrain {
		return "", fault.Errorf(fault.Invalid, "unknown period %q: use month, quarter or year", p)
	}
	return p, nil
}

// trendOf lays a table's published cells out as series.
func (e *Engine) trendOf(ind *Indicator, period string, res *disclose.Result) *Trend {
	tr := &Trend{Indicator: ind, Period: period, Unit: "per 1,000 residents per " + period, Result: res}
	pd := slices.IndexFunc(res.Dims, func(d disclose.Dim) bool { return d.Name == period })
	dd := slices.IndexFunc(res.Dims, func(d disclose.Dim) bool { return d.Name == DimDistrict })
	sd := -1 // a share's dimension: its value's cells and their margin
	if ind.Share != nil {
		sd = slices.IndexFunc(res.Dims, func(d disclose.Dim) bool { return d.Name == ind.Share.Column })
		tr.Unit = "% of " + ind.Share.Of + " in each " + period
	}
	if pd < 0 {
		return tr
	}
	areas := []string{disclose.TotalLevel}
	if dd >= 0 {
		areas = append(areas, slices.DeleteFunc(slices.Clone(res.Dims[dd].Levels), func(l string) bool { return l == Missing })...)
	}
	undated := false
	for _, p := range res.Dims[pd].Levels {
		if _, ok := periodTime(p); ok {
			tr.Periods = append(tr.Periods, p)
		} else {
			undated = true
		}
	}
	for _, area := range areas {
		s := Series{Code: area, Name: e.areaName(area)}
		pop := e.residents(ind, area)
		for _, p := range tr.Periods {
			levels := make([]string, len(res.Dims))
			levels[pd] = p
			if dd >= 0 {
				levels[dd] = area
			}
			if sd >= 0 {
				levels[sd] = ind.Share.Value
			}
			c, ok := res.Cell(levels...)
			if !ok {
				continue
			}
			pt := Point{Period: p, Count: c.Display()}
			switch {
			case sd >= 0:
				levels[sd] = disclose.TotalLevel
				if den, ok := res.Cell(levels...); ok {
					if r, ok := sharePercent(c, den); ok {
						pt.Rate = &r
					}
				}
			case !c.Status.Suppressed() && pop > 0:
				r := CrudeRate(c.Count, pop, 1000)
				pt.Rate = &r
			}
			s.Points = append(s.Points, pt)
		}
		s.Test = testSeries(s.Points)
		tr.Series = append(tr.Series, s)
	}
	compareSeries(tr.Series)
	tr.Notes = trendNotes(res, undated)
	tr.Protection = disclose.ProtectionJSON(res.Protection)
	return tr
}

// testSeries runs the trend test on a series' published counts. The
// suppressed periods are not a random sample (most are small counts), so
// leaving many out would bias the slope: with more than a quarter of the
// periods suppressed there is no test.
func testSeries(points []Point) TrendTest {
	var x []float64
	var y []int64
	suppressed := 0
	for _, p := range points {
		if p.Count == disclose.Confidential {
			suppressed++
			continue
		}
		n, err := strconv.ParseInt(p.Count, 10, 64)
		if err != nil {
			continue
		}
		t, _ := periodTime(p.Period)
		x, y = append(x, t), append(y, n)
	}
	if 4*suppressed > len(points) {
		return TrendTest{Method: "Poisson log-linear regression", Periods: len(y), Verdict: TooFewPeriods}
	}
	return PoissonTrend(x, y)
}

// compareSeries marks each district's published rate against the
// county's in the same period.
func compareSeries(series []Series) {
	if len(series) < 2 {
		return
	}
	county := map[string]*Rate{}
	for _, p := range series[0].Points {
		county[p.Period] = p.Rate
	}
	for _, s := range series[1:] {
		for i, p := range s.Points {
			if c := county[p.Period]; c != nil && p.Rate != nil {
				s.Points[i].VsCounty = Significance(*p.Rate, *c)
			}
		}
	}
}

func trendNotes(res *disclose.Result, undated bool) []string {
	notes := []string{res.Protection.Note() + " A suppressed period is left out of the trend test, never counted as 0, and a series with more than a quarter of its periods suppressed has no test.",
		"Trend: a Poisson log-linear regression of the published counts on time; rising or falling when the 95% interval of the yearly rate ratio excludes 1 (widened, with Student's t, when counts vary more than chance). Perturbation adds a little variance (at most " + strconv.FormatInt(res.Protection.MaxShift, 10) + " either way per count, mean zero), which the test's dispersion allows for."}
	if undated {
		notes = append(notes, "Records without a date are in the totals but in no period.")
	}
	return notes
}

// periodTime places a period label on a time axis in years: 2019,
// 2019-Q2 (2019.25), 2019-03 (2019 2/12).
func periodTime(p string) (float64, bool) {
	if len(p) < 4 {
		return 0, false
	}
	y, err := strconv.Atoi(p[:4])
	if err != nil {
		return 0, false
	}
	rest := p[4:]
	switch {
	case rest == "":
		return float64(y), true
	case strings.HasPrefix(rest, "-Q"):
		q, err := strconv.Atoi(rest[2:])
		if err != nil || q < 1 || q > 4 {
			return 0, false
		}
		return float64(y) + float64(q-1)/4, true
	case strings.HasPrefix(rest, "-"):
		m, err := strconv.Atoi(rest[1:])
		if err != nil || m < 1 || m > 12 {
			return 0, false
		}
		return float64(y) + float64(m-1)/12, true
	}
	return 0, false
}

// scaleFor is the population scale of an indicator's rates: 1 for real
// data, the engine's for the synthetic county.
func (e *Engine) scaleFor(ind *Indicator) float64 {
	if ind.RealData || e.PopulationScale <= 0 {
		return 1
	}
	return e.PopulationScale
}

// residents is the population behind an indicator's rates in an area (a
// district, or the county for [disclose.TotalLevel]): ONS mid-2022
// estimates for real data; for the synthetic county its own residents
// when the engine knows them, else the estimates scaled to its size.
func (e *Engine) residents(ind *Indicator, area string) float64 {
	if !ind.RealData && e.Residents != nil {
		if area != disclose.TotalLevel {
			return float64(e.Residents[area])
		}
		var n int64
		for _, r := range e.Residents {
			n += r
		}
		return float64(n)
	}
	return e.population(area) * e.scaleFor(ind)
}

// population is an area's residents: a district's, or the county's for
// [disclose.TotalLevel]; 0 when unknown.
func (e *Engine) population(area string) float64 {
	if e.Geo == nil {
		return 0
	}
	if area == disclose.TotalLevel {
		return float64(e.Geo.Population())
	}
	if lad, ok := e.Geo.LAD(area); ok {
		return float64(lad.Population)
	}
	return 0
}

func (e *Engine) areaName(area string) string {
	if area == disclose.TotalLevel {
		return CountyName
	}
	if e.Geo != nil {
		if lad, ok := e.Geo.LAD(area); ok {
			return lad.Name
		}
	}
	return area
}

// PopulationNote says whose population an indicator's rates are over:
// ONS mid-2022 estimates for real data; for the synthetic county, its own
// residents (or, when the engine does not know them, the estimates
// scaled to its size).
func (e *Engine) PopulationNote(ind *Indicator) string {
	switch {
	case ind.RealData:
		return "populations are ONS mid-2022 estimates."
	case e.Residents != nil:
		var n int64
		for _, r := range e.Residents {
			n += r
		}
		return "populations are the synthetic county's own residents (" + strconv.FormatInt(n, 10) + " people), not ONS estimates."
	case e.PopulationScale > 0 && e.PopulationScale < 1:
		return "populations are the synthetic county's size: ONS mid-2022 estimates scaled to its people."
	}
	return "populations are ONS mid-2022 estimates."
}

// SyntheticNote says, for a figure of the synthetic county, that its
// records are made up and some datasets made denser than real ones (the
// demo scales their rates up so that districts reach the disclosure
// threshold; see synth.DemoConfig), so the figure is no real rate;
// "" for real data.
func (e *Engine) SyntheticNote(ind *Indicator) string {
	if ind.RealData || (e.Residents == nil && (e.PopulationScale <= 0 || e.PopulationScale >= 1)) {
		return ""
	}
	return "The synthetic county's records are made up, and some are made more frequent than in life so that districts can be shown: these are not real rates."
}
