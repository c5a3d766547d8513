package publish

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// Figures publishes the theme pages' figures (district figures, trends,
// cohort counts) from one insight engine through one per-release cache.
// Every figure comes from the engine, which asks govern (and so records
// the read) when it prepares the release, and applies disclosure control
// when it computes it. The cache is emptied when the store's generation
// moves (a new version, opt-out, agreement change or linkage run), which
// bounds it.
type Figures struct {
	Engine *insight.Engine
	Cache  *Cache
}

// fetch is Fetch through f's cache at the store's current generation.
func fetchFigure[T any](ctx context.Context, f Figures, key string, compute func() (T, error)) (T, error) {
	return Fetch(ctx, f.Cache, f.Engine.Store.Generation(), key, compute)
}

// DistrictRate is one area's published figure: the count ([c] when
// suppressed), its rate per 1,000 residents with a 95% interval, and a
// district's comparison with the county (higher, lower or similar).
type DistrictRate struct {
	Code       string        `json:"code"`
	Name       string        `json:"name"`
	Count      string        `json:"count"`
	Suppressed bool          `json:"suppressed,omitempty"`
	Rate       *insight.Rate `json:"rate,omitempty"`
	VsCounty   string        `json:"vs_county,omitempty"`
}

// IndicatorFigure is one indicator of a theme by district, or the reason
// it cannot be shown to this user (refused by governance, or a figure with
// no place, such as DfT's casualty files). A published figure is shared by
// the views of its release and never modified.
type IndicatorFigure struct {
	Indicator ThemeIndicator `json:"indicator"`
	// Period is the time the figures cover (e.g. "12 months to
	// 2023-12"), Unit what the rates are per, and Periods the periods the
	// user may choose instead, latest first.
	Period  string   `json:"period,omitempty"`
	Unit    string   `json:"unit,omitempty"`
	Periods []string `json:"periods,omitempty"`
	// Empty says why a figure shows nothing: no records in its period,
	// or every district's count suppressed; "" when something is shown.
	Empty     string         `json:"empty,omitempty"`
	Districts []DistrictRate `json:"districts,omitempty"`
	County    *DistrictRate  `json:"county,omitempty"`
	Error     string         `json:"error,omitempty"`
	ErrorCode string         `json:"error_code,omitempty"`

	// Table is the same figures as a district table, for the map; nil
	// with Error.
	Table *DistrictTable `json:"-"`
	views *Views         // nil: not cached
}

// Views keeps what presenters make of the figure (the map's data, the
// page's section), once per release; nil for a figure that is a reason.
func (f *IndicatorFigure) Views() *Views { return f.views }

// District computes ind by district for u (governed, audited and
// disclosure-controlled by the engine), through the cache. A refusal or an
// indicator that cannot be placed becomes the figure's Error; other
// failures are errors.
func (f Figures) District(ctx context.Context, u *govern.User, ind *insight.Indicator) (*IndicatorFigure, error) {
	return f.DistrictPeriod(ctx, u, ind, "")
}

// DistrictPeriod is [Figures.District] over the period named ("" for the
// default: the latest complete period at which most districts can be
// published). A period the data does not cover is refused, with the
// choices, as the figure's Error.
func (f Figures) DistrictPeriod(ctx context.Context, u *govern.User, ind *insight.Indicator, period string) (*IndicatorFigure, error) {
	rel, err := f.Engine.PrepareIndicatorPeriod(ctx, u, ind, []string{insight.DimDistrict}, period)
	return f.Release(ctx, ind, rel, err)
}

// Release is the district figure of ind's release rel (prepared by
// insight: one decision, recorded), computed only when not cached, or the
// figure saying why not when the decision (err) or the computation fails
// for a reason the user should read.
func (f Figures) Release(ctx context.Context, ind *insight.Indicator, rel *insight.Release, err error) (*IndicatorFigure, error) {
	var fig *IndicatorFigure
	if err == nil {
		fig, err = fetchFigure(ctx, f, rel.Key, func() (*IndicatorFigure, error) { return f.compute(ctx, rel, ind) })
	}
	if err != nil && Shown(err) {
		return &IndicatorFigure{Indicator: ThemeIndicatorOf(ind), Error: fault.Message(err), ErrorCode: fault.Code(err)}, nil
	}
	return fig, err
}

// Shown reports whether err is a reason a user reads in place of a figure
// (refused, not disclosable, nothing to show, a request that cannot be
// met) rather than a failure.
func Shown(err error) bool {
	switch fault.Code(err) {
	case fault.Forbidden, fault.Disclosure, fault.NotFound, fault.Invalid:
		return true
	}
	return false
}

// compute computes the release of ind's district figure through the
// engine.
func (f Figures) compute(ctx context.Context, rel *insight.Release, ind *insight.Indicator) (*IndicatorFigure, error) {
	e := f.Engine
	fig := &IndicatorFigure{Indicator: ThemeIndicatorOf(ind), views: new(Views)}
	t, err := e.ComputeIndicator(ctx, rel)
	if err != nil {
		return nil, err
	}
	fig.Period, fig.Unit = t.Period, t.Unit
	for _, w := range rel.Periods() {
		fig.Periods = append(fig.Periods, w.ID)
	}
	fig.Indicator.Unit = t.Unit
	fig.Table = &DistrictTable{Indicator: fig.Indicator.Indicator, Purpose: ind.Purpose, Period: t.Period,
		Notes:      []string{RatesNote(e, ind, t), t.Result.Protection.Note()},
		Protection: t.Protection}
	byCode := map[string]insight.RateCell{}
	for _, c := range t.Cells {
		byCode[c.Levels[0]] = c
	}
	for _, code := range districtCodes(e, t.Result) {
		c := byCode[code]
		name := code
		if e.Geo != nil {
			if lad, ok := e.Geo.LAD(code); ok {
				name = lad.Name
			}
		}
		fig.Districts = append(fig.Districts, districtRate(code, name, c))
		fig.Table.Values = append(fig.Table.Values, districtValue(code, name, c))
	}
	if c, ok := byCode[disclose.TotalLevel]; ok {
		r := districtRate(disclose.TotalLevel, insight.CountyName, c)
		fig.County = &r
		fig.Table.Total = districtValue("", "", c).Display
	}
	fig.Empty = emptyReason(fig, int64(rel.Decision.Threshold))
	return fig, nil
}

// emptyReason says why a district figure shows nothing, or "": no records
// in its period, or every district's count suppressed (with longer periods
// to choose).
func emptyReason(fig *IndicatorFigure, threshold int64) string {
	in := ""
	if fig.Period != "" {
		in = " in " + fig.Period
	}
	if fig.County != nil && fig.County.Count == "0" {
		return "there are no records" + in + "; choose another period."
	}
	for _, d := range fig.Districts {
		if !d.Suppressed {
			return ""
		}
	}
	if len(fig.Districts) == 0 {
		return ""
	}
	why := fmt.Sprintf("every district's count%s is suppressed (fewer than %d, the agreement's threshold, or protecting one that is)", in, threshold)
	if longer := longerPeriods(fig.Periods, fig.Period); len(longer) > 0 {
		return why + "; choose a longer period, such as " + strings.Join(longer, " or ") + "."
	}
	return why + "."
}

// longerPeriods are up to two of the choices spanning several years or
// 12 months, other than the period shown.
func longerPeriods(choices []string, shown string) []string {
	var out []string
	for _, p := range choices {
		w, err := insight.ParseWindow(p)
		if err == nil && p != shown && w.Months >= 12 && len(out) < 2 {
			out = append(out, p)
		}
	}
	return out
}

// districtCodes are the table's districts in its order, without the
// level of records that have no district.
func districtCodes(e *insight.Engine, res *disclose.Result) []string {
	if e.Geo != nil {
		return e.Geo.LADCodes()
	}
	if len(res.Dims) == 0 {
		return nil
	}
	return slices.DeleteFunc(slices.Clone(res.Dims[0].Levels), func(l string) bool { return l == insight.Missing })
}

func districtRate(code, name string, c insight.RateCell) DistrictRate {
	return DistrictRate{Code: code, Name: name, Count: c.Count, Rate: c.Rate, VsCounty: c.VsCounty, Suppressed: c.Count == disclose.Confidential}
}

// CohortFigure is a related cohort's size: the county's count and rate
// and how many districts are suppressed, or why it cannot be shown.
type CohortFigure struct {
	ThemeCohort
	// Period is the time the figure covers and Unit what its rate is
	// per (e.g. "per 1,000 residents a year (the yearly average over
	// 2019-2023)").
	Period     string        `json:"period,omitempty"`
	Unit       string        `json:"unit,omitempty"`
	County     *DistrictRate `json:"county,omitempty"`
	Suppressed int           `json:"suppressed_districts"`
	Error      string        `json:"error,omitempty"`
}

// Cohorts counts a theme's cohorts by district for u, each through the
// engine's governed, disclosure-controlled cohort table and the cache, the
// cohorts at once (each a linked query on a first view).
func (f Figures) Cohorts(ctx context.Context, u *govern.User, cohorts []ThemeCohort) ([]CohortFigure, error) {
	out := make([]CohortFigure, len(cohorts))
	errs := make([]error, len(cohorts))
	var wg sync.WaitGroup
	for i, tc := range cohorts {
		wg.Go(func() {
			errs[i] = fault.Catch(func() (err error) { out[i], err = f.cohort(ctx, u, tc); return err })
		})
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// cohort counts one cohort by district for u.
func (f Figures) cohort(ctx context.Context, u *govern.User, tc ThemeCohort) (CohortFigure, error) {
	c, err := insight.FindCohort(tc.Name)
	if err != nil {
		return CohortFigure{}, err
	}
	// The cohort as an indicator of its own purpose: insight prepares its
	// release (one decision, recorded) and computes it when not cached.
	as := &insight.Indicator{Name: c.Name, Cohort: c.Name, Purpose: c.Purpose}
	rel, err := f.Engine.PrepareIndicator(ctx, u, as, []string{insight.DimDistrict})
	var v *CohortFigure
	if err == nil {
		v, err = fetchFigure(ctx, f, rel.Key, func() (*CohortFigure, error) {
			t, err := f.Engine.ComputeIndicator(ctx, rel)
			if err != nil {
				return nil, err
			}
			fig := CohortFigure{Period: t.Period, Unit: t.Unit}
			for _, cell := range t.Cells {
				switch {
				case cell.Levels[0] == disclose.TotalLevel:
					r := districtRate(disclose.TotalLevel, insight.CountyName, cell)
					fig.County = &r
				case cell.Count == disclose.Confidential:
					fig.Suppressed++
				}
			}
			return &fig, nil
		})
	}
	switch {
	case err == nil:
		fig := *v
		fig.ThemeCohort = tc
		return fig, nil
	case Shown(err):
		return CohortFigure{ThemeCohort: tc, Error: fault.Message(err)}, nil
	}
	return CohortFigure{}, err
}

// Trend is a published trend, shared by the views of its release and
// never modified.
type Trend struct {
	*insight.Trend
	views Views
}

// Views keeps what presenters make of the trend (the API's JSON, the
// page's chart data, tables and section), once per release.
func (t *Trend) Views() *Views { return &t.views }

// Trend is the engine's trend q for u through the cache: insight prepares
// its release (one decision, recorded) and computes it when not cached.
func (f Figures) Trend(ctx context.Context, u *govern.User, q insight.TrendQuery) (*Trend, error) {
	rel, err := f.Engine.PrepareTrend(ctx, u, q)
	if err != nil {
		return nil, err
	}
	return fetchFigure(ctx, f, rel.Key, func() (*Trend, error) {
		tr, err := f.Engine.ComputeTrend(ctx, rel)
		if err != nil {
			return nil, err
		}
		return &Trend{Trend: tr}, nil
	})
}

// RatesNote says what an indicator table's rates are: the period they
// cover, what they are per, and whose population they are over (the
// synthetic county's own residents, or ONS estimates for real data) and,
// for the synthetic county, that its figures are not real rates.
func RatesNote(e *insight.Engine, ind *insight.Indicator, t *insight.IndicatorTable) string {
	var s string
	if ind.Share != nil {
		s = "Percentages: " + t.Unit + " (the count of " + ind.Share.Of + " is the denominator), with Wilson 95% intervals, from published counts only. [c] marks a suppressed count, which has no percentage."
	} else {
		s = "Rates " + t.Unit
		if t.Period != "" && !strings.Contains(t.Unit, t.Period) {
			s += ", " + t.Period
		}
		s += ", with the count behind each; " + e.PopulationNote(ind) + " [c] marks a suppressed count, which has no rate."
	}
	if n := e.SyntheticNote(ind); n != "" {
		s += " " + n
	}
	return s
}
