package web

import (
	"context"
	"errors"
	"html/template"
	"slices"
	"sync"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

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
// no place, such as DfT's casualty files).
type IndicatorFigure struct {
	Indicator ThemeIndicator `json:"indicator"`
	Districts []DistrictRate `json:"districts,omitempty"`
	County    *DistrictRate  `json:"county,omitempty"`
	Error     string         `json:"error,omitempty"`
	ErrorCode string         `json:"error_code,omitempty"`

	table     *DistrictTable // the same figures for the map
	tableJSON template.JS    // table encoded for the page, once per release
	page      *fragment      // the theme page's section, once per release (nil: not cached)
}

// districtFigure computes ind by district for u (governed, audited and
// disclosure-controlled by the engine), through the theme cache. A refusal
// or an indicator that cannot be placed becomes the figure's Error; other
// failures are errors.
func (s *Server) districtFigure(ctx context.Context, e *insight.Engine, u *govern.User, ind *insight.Indicator) (*IndicatorFigure, error) {
	rel, err := e.PrepareIndicator(ctx, u, ind, []string{insight.DimDistrict})
	return s.fetchFigure(ctx, e, ind, rel, err)
}

// fetchFigure is the district figure of ind's release rel (prepared by
// insight: one decision, recorded), computed only when not cached, or the
// figure saying why not when the decision (err) or the computation fails
// for a reason the user should read.
func (s *Server) fetchFigure(ctx context.Context, e *insight.Engine, ind *insight.Indicator, rel *insight.Release, err error) (*IndicatorFigure, error) {
	var v any
	if err == nil {
		v, err = s.themes.fetch(ctx, e, rel.Key, func() (any, error) { return computeFigure(ctx, e, rel, ind) })
	}
	switch fault.Code(err) {
	case "":
		return v.(*IndicatorFigure), nil
	case fault.Forbidden, fault.Disclosure, fault.NotFound, fault.Invalid:
		return &IndicatorFigure{Indicator: themeIndicator(ind), Error: fault.Message(err), ErrorCode: fault.Code(err)}, nil
	}
	return nil, err
}

// computeFigure computes the release of ind's district figure through the
// engine.
func computeFigure(ctx context.Context, e *insight.Engine, rel *insight.Release, ind *insight.Indicator) (*IndicatorFigure, error) {
	f := &IndicatorFigure{Indicator: themeIndicator(ind), page: new(fragment)}
	t, err := e.ComputeIndicator(ctx, rel)
	if err != nil {
		return nil, err
	}
	f.table = &DistrictTable{Indicator: f.Indicator.Indicator, Purpose: ind.Purpose,
		Notes:      []string{"Rates per 1,000 residents (ONS mid-2022 estimates) with the count behind each; [c] marks a suppressed count.", t.Result.Protection.Note()},
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
		f.Districts = append(f.Districts, districtRate(code, name, c))
		f.table.Values = append(f.table.Values, districtValue(code, name, c))
	}
	if c, ok := byCode[disclose.TotalLevel]; ok {
		r := districtRate(disclose.TotalLevel, insight.CountyName, c)
		f.County = &r
		f.table.Total = districtValue("", "", c).Display
	}
	f.tableJSON = jsonAttr(f.table)
	return f, nil
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
	County     *DistrictRate `json:"county,omitempty"`
	Suppressed int           `json:"suppressed_districts"`
	Error      string        `json:"error,omitempty"`
}

// cohortFigures counts a theme's cohorts by district for u, each through
// the engine's governed, disclosure-controlled cohort table and the theme
// cache, the cohorts at once (each a linked query on a first view).
func (s *Server) cohortFigures(ctx context.Context, e *insight.Engine, u *govern.User, cohorts []ThemeCohort) ([]CohortFigure, error) {
	out := make([]CohortFigure, len(cohorts))
	errs := make([]error, len(cohorts))
	var wg sync.WaitGroup
	for i, tc := range cohorts {
		wg.Go(func() { out[i], errs[i] = s.cohortFigure(ctx, e, u, tc) })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// cohortFigure counts one cohort by district for u.
func (s *Server) cohortFigure(ctx context.Context, e *insight.Engine, u *govern.User, tc ThemeCohort) (CohortFigure, error) {
	c, err := insight.FindCohort(tc.Name)
	if err != nil {
		return CohortFigure{}, err
	}
	// The cohort as an indicator of its own purpose: insight prepares its
	// release (one decision, recorded) and computes it when not cached.
	as := &insight.Indicator{Name: c.Name, Cohort: c.Name, Purpose: c.Purpose}
	rel, err := e.PrepareIndicator(ctx, u, as, []string{insight.DimDistrict})
	var v any
	if err == nil {
		v, err = s.themes.fetch(ctx, e, rel.Key, func() (any, error) {
			t, err := e.ComputeIndicator(ctx, rel)
			if err != nil {
				return nil, err
			}
			var f CohortFigure
			for _, cell := range t.Cells {
				switch {
				case cell.Levels[0] == disclose.TotalLevel:
					r := districtRate(disclose.TotalLevel, insight.CountyName, cell)
					f.County = &r
				case cell.Count == disclose.Confidential:
					f.Suppressed++
				}
			}
			return &f, nil
		})
	}
	switch fault.Code(err) {
	case "":
		f := *v.(*CohortFigure)
		f.ThemeCohort = tc
		return f, nil
	case fault.Forbidden, fault.Disclosure, fault.NotFound, fault.Invalid:
		return CohortFigure{ThemeCohort: tc, Error: fault.Message(err)}, nil
	}
	return CohortFigure{}, err
}
