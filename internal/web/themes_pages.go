package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/insight"
)

// pageThemes lists the themes with their indicators and cohorts; it shows
// definitions only, no partner data.
func (s *Server) pageThemes(w http.ResponseWriter, r *http.Request) error {
	themes, err := insight.Themes()
	if err != nil {
		return err
	}
	var list []ThemeSummary
	for _, t := range themes {
		sum, err := summarise(t)
		if err != nil {
			return err
		}
		list = append(list, sum)
	}
	s.render(w, r, http.StatusOK, "themes", map[string]any{"Title": "Themes", "Themes": list})
	return nil
}

// pageTheme shows one indicator of a theme (?indicator=, default the
// first): its district map with the comparison table, its trend chart
// (?period=) with the same figures as tables, and the theme's cohorts,
// counted on request (?cohorts=show: a linked query per cohort).
// Figures the user may not see are replaced by the reason.
func (s *Server) pageTheme(w http.ResponseWriter, r *http.Request) error {
	e, err := s.insightEngine()
	if err != nil {
		return err
	}
	t, err := insight.FindTheme(r.PathValue("id"))
	if err != nil {
		return err
	}
	sum, err := summarise(t)
	if err != nil {
		return err
	}
	ind, err := chosenIndicator(t, r.URL.Query().Get("indicator"))
	if err != nil {
		return err
	}
	periods := slices.Clone(insight.Periods)
	slices.Reverse(periods) // month, quarter, year
	period := r.URL.Query().Get("period")
	if ind.VersionPeriod != "" {
		period, periods = ind.VersionPeriod, []string{ind.VersionPeriod}
	} else if !slices.Contains(periods, period) {
		period = t.Period
	}
	data := map[string]any{"Title": t.Title, "Theme": sum, "Chosen": themeIndicator(ind), "Period": period, "Periods": periods, "HasMap": s.geojson != nil}
	u := who(r).User
	// The map's figure and the trend are decided, recorded and computed
	// at once: whether the trend is by district follows from the figure's
	// decision (refused, or no district to group by, make it the county's).
	// Should the figure then fail, the trend is the county's after all.
	ctx := r.Context()
	key, decided := decideFigure(ctx, e, u, ind)
	mappable := decided == nil
	var (
		fig    *IndicatorFigure
		tr     *insight.Trend
		figErr error
		wg     sync.WaitGroup
	)
	wg.Go(func() { fig, figErr = fetchFigure(ctx, e, u, ind, key, decided) })
	tr, err = trendFor(ctx, e, u, ind, period, mappable)
	wg.Wait()
	if figErr != nil {
		return figErr
	}
	if mappable && fig.Error != "" {
		tr, err = trendFor(ctx, e, u, ind, period, false)
	}
	data["Figure"] = fig
	if fig.table != nil {
		data["TableJSON"] = jsonAttr(fig.table)
	}
	switch fault.Code(err) {
	case "":
		data["Trend"], data["TrendJSON"] = tr, jsonAttr(tr)
	case fault.Forbidden, fault.Disclosure, fault.NotFound, fault.Invalid:
		data["TrendError"] = fault.Message(err)
	default:
		return err
	}
	if r.URL.Query().Get("cohorts") == "show" {
		if data["CohortFigures"], err = cohortFigures(r.Context(), e, u, sum.Cohorts); err != nil {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "theme", data)
	return nil
}

// chosenIndicator is the theme's indicator named by the query (NAME or
// ind:NAME), or its first.
func chosenIndicator(t *insight.Theme, name string) (*insight.Indicator, error) {
	if len(t.Indicators) == 0 {
		return nil, fault.Errorf(fault.NotFound, "theme %s has no indicators yet", t.ID)
	}
	if name == "" {
		return t.Indicators[0], nil
	}
	name = strings.TrimPrefix(name, namedPrefix)
	for _, ind := range t.Indicators {
		if ind.Name == name {
			return ind, nil
		}
	}
	return nil, fault.Errorf(fault.NotFound, "theme %s has no indicator %q", t.ID, name)
}

func init() {
	funcs["fixed2"] = func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }
	funcs["fixed3"] = func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }
	funcs["pointAt"] = pointAt
	funcs["verdictClass"] = func(v string) string {
		switch v {
		case insight.Rising, insight.Falling:
			return v
		}
		return "none"
	}
}

// pointAt is a series' point in a period, or nil.
func pointAt(s insight.Series, period string) *insight.Point {
	for i := range s.Points {
		if s.Points[i].Period == period {
			return &s.Points[i]
		}
	}
	return nil
}
