package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// themeRoutes lists the routes of the theme pages (the partnership's
// priorities) and trend charts. Every figure on them comes from the
// insight engine, which asks govern (and so records the read) and applies
// disclosure control, per request.
func (s *Server) themeRoutes() []route {
	return []route{
		{method: "GET", path: "/api/themes", api: true, summary: "The partnership's priority themes with their indicators and related cohorts", result: "ThemeList", handle: s.apiThemes},
		{method: "GET", path: "/api/themes/{id}", api: true, summary: "A theme's indicators by district (rates per 1,000 with 95% intervals and comparison with the county; [c] when suppressed); an indicator the user may not see carries the reason", result: "ThemeFigures", handle: s.apiTheme},
		{method: "GET", path: "/api/indicators/{id}/trend", api: true, summary: "A named indicator over time (?period=month|quarter|year, ?by=district): counts ([c] when suppressed), rates with 95% intervals and a trend test per series", result: "Trend", handle: s.apiTrend},
		{method: "GET", path: "/themes", summary: "The partnership's priority themes", handle: s.pageThemes},
		{method: "GET", path: "/themes/{id}", summary: "A theme: district map, trend chart and tables of its indicators, related cohorts", handle: s.pageTheme},
	}
}

// engineSource is an indicator source backed by the insight engine.
type engineSource interface{ engine() *insight.Engine }

func (n *NamedIndicators) engine() *insight.Engine { return n.Insight }

// insightEngine is the engine behind the named indicators.
func (s *Server) insightEngine() (*insight.Engine, error) {
	if src, ok := s.cfg.Indicators.(engineSource); ok && src.engine() != nil {
		return src.engine(), nil
	}
	return nil, fault.Errorf(fault.NotFound, "this server has no named indicators configured, so no themes or trends")
}

// ThemeIndicator is one of a theme's indicators as the API lists it.
type ThemeIndicator struct {
	Indicator
	Purpose string `json:"purpose"`
	// Trend is the indicator's trend endpoint.
	Trend string `json:"trend"`
	// Versioned is set when each version of the dataset is a period (a
	// year): a county figure by year.
	Versioned string `json:"version_period,omitempty"`
}

// ThemeCohort is a cohort related to a theme.
type ThemeCohort struct {
	Name        string `json:"name"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Purpose     string `json:"purpose"`
}

// ThemeSummary is a theme with its indicators and related cohorts.
type ThemeSummary struct {
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Description string           `json:"description"`
	Period      string           `json:"period"`
	Indicators  []ThemeIndicator `json:"indicators"`
	Cohorts     []ThemeCohort    `json:"cohorts"`
}

// themeIndicator describes a named indicator for the web.
func themeIndicator(ind *insight.Indicator) ThemeIndicator {
	return ThemeIndicator{
		Indicator: Indicator{ID: namedPrefix + ind.Name, Name: ind.Title, Description: ind.Description, Unit: "per 1,000 residents", DatasetID: ind.Dataset},
		Purpose:   ind.Purpose, Trend: "/api/indicators/" + namedPrefix + ind.Name + "/trend", Versioned: ind.VersionPeriod,
	}
}

// shippedTheme is a theme shipped with civiclink and its summary.
type shippedTheme struct {
	theme *insight.Theme
	sum   ThemeSummary
}

// shippedThemes are insight's themes with their summaries by id, read
// from the binary and summarised once (they cannot change while it runs;
// the summaries are shared, never modified).
var shippedThemes = sync.OnceValues(func() (map[string]shippedTheme, error) {
	themes, err := insight.Themes()
	if err != nil {
		return nil, err
	}
	out := map[string]shippedTheme{}
	for _, t := range themes {
		sum, err := summarise(t)
		if err != nil {
			return nil, err
		}
		out[t.ID] = shippedTheme{t, sum}
	}
	return out, nil
})

// findTheme returns a shipped theme and its summary by id, as
// insight.FindTheme does.
func findTheme(id string) (*insight.Theme, ThemeSummary, error) {
	all, err := shippedThemes()
	if err != nil {
		return nil, ThemeSummary{}, err
	}
	if st, ok := all[id]; ok {
		return st.theme, st.sum, nil
	}
	_, err = insight.FindTheme(id) // its error names the choices
	if err == nil {
		err = fault.Errorf(fault.Internal, "theme %q appeared while the server runs", id)
	}
	return nil, ThemeSummary{}, err
}

// summarise lists a theme's indicators and cohorts.
func summarise(t *insight.Theme) (ThemeSummary, error) {
	out := ThemeSummary{ID: t.ID, Title: t.Title, Description: t.Description, Period: t.Period, Indicators: []ThemeIndicator{}, Cohorts: []ThemeCohort{}}
	for _, ind := range t.Indicators {
		out.Indicators = append(out.Indicators, themeIndicator(ind))
	}
	for _, name := range t.Cohorts {
		c, err := insight.FindCohort(name)
		if err != nil {
			return out, err
		}
		out.Cohorts = append(out.Cohorts, ThemeCohort{Name: c.Name, Title: c.Title, Description: c.Description, Purpose: c.Purpose})
	}
	return out, nil
}

func (s *Server) apiThemes(w http.ResponseWriter, r *http.Request) error {
	themes, err := insight.Themes()
	if err != nil {
		return err
	}
	out := []ThemeSummary{}
	for _, t := range themes {
		sum, err := summarise(t)
		if err != nil {
			return err
		}
		out = append(out, sum)
	}
	writeJSON(w, http.StatusOK, map[string]any{"themes": out})
	return nil
}

// ThemeFigures is a theme with each indicator's district figures.
type ThemeFigures struct {
	Theme   ThemeSummary      `json:"theme"`
	Figures []IndicatorFigure `json:"figures"`
}

func (s *Server) apiTheme(w http.ResponseWriter, r *http.Request) error {
	e, err := s.insightEngine()
	if err != nil {
		return err
	}
	t, sum, err := findTheme(r.PathValue("id"))
	if err != nil {
		return err
	}
	// Each indicator is decided, recorded and (on a first view) computed
	// on its own, so they run at once.
	figs := make([]*IndicatorFigure, len(t.Indicators))
	errs := make([]error, len(t.Indicators))
	var wg sync.WaitGroup
	for i, ind := range t.Indicators {
		wg.Go(func() { figs[i], errs[i] = s.districtFigure(r.Context(), e, who(r).User, ind) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	out := ThemeFigures{Theme: sum, Figures: []IndicatorFigure{}}
	for _, f := range figs {
		out.Figures = append(out.Figures, *f)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// trendIndicator resolves a trend's indicator id: ind:NAME or NAME.
func trendIndicator(id string) (*insight.Indicator, error) {
	return findIndicator(strings.TrimPrefix(id, namedPrefix)) // read from the binary once
}

func (s *Server) apiTrend(w http.ResponseWriter, r *http.Request) error {
	e, err := s.insightEngine()
	if err != nil {
		return err
	}
	ind, err := trendIndicator(r.PathValue("id"))
	if err != nil {
		return err
	}
	q := insight.TrendQuery{Indicator: ind, Period: r.URL.Query().Get("period")}
	switch by := r.URL.Query().Get("by"); by {
	case "":
	case insight.DimDistrict:
		q.ByDistrict = true
	default:
		return fault.Errorf(fault.Invalid, "by=%q: a trend is by district or for the county alone (leave by out)", by)
	}
	tr, err := s.cachedTrend(r.Context(), e, who(r).User, q)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(tr.api) // as writeJSON encodes it, once per release
	return nil
}

// trendFor computes a theme page's trend, through the theme cache: by
// district where the indicator can be placed, else the county's.
func (s *Server) trendFor(ctx context.Context, e *insight.Engine, u *govern.User, ind *insight.Indicator, period string, mappable bool) (*trendRelease, error) {
	return s.cachedTrend(ctx, e, u, insight.TrendQuery{Indicator: ind, Period: period, ByDistrict: mappable})
}
