package web

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/publish"
)

// themeRoutes lists the routes of the theme pages (the partnership's
// priorities) and trend charts. Every figure on them comes from the
// insight engine, which asks govern (and so records the read) and applies
// disclosure control, per request.
func (s *Server) themeRoutes() []route {
	return []route{
		{method: "GET", path: "/api/themes", api: true, summary: "The partnership's priority themes with their indicators and related cohorts", result: "ThemeList", handle: s.apiThemes},
		{method: "GET", path: "/api/themes/{id}", api: true, summary: "A theme's indicators by district over a period (?period=2023-Q3|2023|2018-2023|12 months to 2023-12; default the latest at which most districts can be published): each figure states its period and the periods to choose from, with rates per 1,000 (per year over a year or more) with 95% intervals and comparison with the county; [c] when suppressed; an indicator the user may not see, or a period its data does not cover, carries the reason", result: "ThemeFigures", handle: s.apiTheme},
		{method: "GET", path: "/api/indicators/{id}/trend", api: true, summary: "A named indicator over time (?grain=month|quarter|year, also as ?period=; default the finest at which most of its cells can be published, stated as period; ?by=district): counts ([c] when suppressed), rates with 95% intervals and a trend test per series", result: "Trend", handle: s.apiTrend},
		{method: "GET", path: "/themes", summary: "The partnership's priority themes", handle: s.pageThemes},
		{method: "GET", path: "/themes/{id}", summary: "A theme: district map, trend chart and tables of its indicators, related cohorts", handle: s.pageTheme},
	}
}

// engineSource is an indicator source backed by the insight engine
// ([publish.NamedIndicators]).
type engineSource interface{ Engine() *insight.Engine }

// themeFigures publishes the theme pages' figures from the engine behind the
// named indicators, through the server's per-release cache.
func (s *Server) themeFigures() (publish.Figures, error) {
	if src, ok := s.cfg.Indicators.(engineSource); ok && src.Engine() != nil {
		return publish.Figures{Engine: src.Engine(), Cache: s.themes}, nil
	}
	return publish.Figures{}, fault.Errorf(fault.NotFound, "this server has no named indicators configured, so no themes or trends")
}

func (s *Server) apiThemes(w http.ResponseWriter, r *http.Request) error {
	out, err := publish.Summaries()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"themes": out})
	return nil
}

// ThemeFigures is a theme with each indicator's district figures.
type ThemeFigures struct {
	Theme   publish.ThemeSummary      `json:"theme"`
	Figures []publish.IndicatorFigure `json:"figures"`
}

func (s *Server) apiTheme(w http.ResponseWriter, r *http.Request) error {
	f, err := s.themeFigures()
	if err != nil {
		return err
	}
	t, sum, err := publish.FindTheme(r.PathValue("id"))
	if err != nil {
		return err
	}
	// ?period= asks every indicator for one period; an indicator whose
	// data does not cover it says so (with its choices) in its figure.
	period := r.URL.Query().Get("period")
	// Each indicator is decided, recorded and (on a first view) computed
	// on its own, so they run at once.
	figs := make([]*publish.IndicatorFigure, len(t.Indicators))
	errs := make([]error, len(t.Indicators))
	var wg sync.WaitGroup
	for i, ind := range t.Indicators {
		wg.Go(func() {
			errs[i] = fault.Catch(func() (err error) {
				figs[i], err = f.DistrictPeriod(r.Context(), who(r).User, ind, period)
				return err
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	out := ThemeFigures{Theme: sum, Figures: []publish.IndicatorFigure{}}
	for _, fig := range figs {
		out.Figures = append(out.Figures, *fig)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// trendIndicator resolves a trend's indicator id: ind:NAME or NAME.
func trendIndicator(id string) (*insight.Indicator, error) {
	return publish.FindIndicator(strings.TrimPrefix(id, publish.NamedPrefix)) // read from the binary once
}

func (s *Server) apiTrend(w http.ResponseWriter, r *http.Request) error {
	f, err := s.themeFigures()
	if err != nil {
		return err
	}
	ind, err := trendIndicator(r.PathValue("id"))
	if err != nil {
		return err
	}
	grain := r.URL.Query().Get("grain")
	if grain == "" {
		grain = r.URL.Query().Get("period") // the grain's older name
	}
	if grain == "" {
		grain = insight.DefaultGrain
	}
	q := insight.TrendQuery{Indicator: ind, Period: grain}
	switch by := r.URL.Query().Get("by"); by {
	case "":
	case insight.DimDistrict:
		q.ByDistrict = true
	default:
		return fault.Errorf(fault.Invalid, "by=%q: a trend is by district or for the county alone (leave by out)", by)
	}
	tr, err := f.Trend(r.Context(), who(r).User, q)
	if err != nil {
		return err
	}
	writeJSONBytes(w, http.StatusOK, trendViews(tr).api) // as writeJSON encodes it, once per release
	return nil
}
