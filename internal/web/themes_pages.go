package web

import (
	"html"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/publish"
)

// pageThemes lists the themes with their indicators and cohorts; it shows
// definitions only, no partner data.
func (s *Server) pageThemes(w http.ResponseWriter, r *http.Request) error {
	list, err := publish.Summaries()
	if err != nil {
		return err
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
	f, err := s.themeFigures()
	if err != nil {
		return err
	}
	t, sum, err := publish.FindTheme(r.PathValue("id"))
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
	data := map[string]any{"Title": t.Title, "Theme": sum, "Chosen": publish.ThemeIndicatorOf(ind), "Period": period, "Periods": periods, "HasMap": s.geojson != nil}
	u := who(r).User
	// The map's figure and the trend are decided, recorded and computed
	// at once: whether the trend is by district follows from the figure's
	// decision (refused, or no district to group by, make it the county's).
	// Should the figure then fail, the trend is the county's after all.
	ctx := r.Context()
	rel, decided := f.Engine.PrepareIndicator(ctx, u, ind, []string{insight.DimDistrict})
	mappable := decided == nil
	var (
		fig    *publish.IndicatorFigure
		tr     *publish.Trend
		figErr error
		wg     sync.WaitGroup
	)
	trendFor := func(byDistrict bool) (*publish.Trend, error) {
		return f.Trend(ctx, u, insight.TrendQuery{Indicator: ind, Period: period, ByDistrict: byDistrict})
	}
	wg.Go(func() { fig, figErr = f.Release(ctx, ind, rel, decided) })
	tr, err = trendFor(mappable)
	wg.Wait()
	if figErr != nil {
		return figErr
	}
	if mappable && fig.Error != "" {
		tr, err = trendFor(false)
	}
	data["Figure"] = fig
	if fig.Table != nil {
		data["TableJSON"], _ = publish.View(fig.Views(), "table-json", func() (template.JS, error) { return jsonAttr(fig.Table), nil })
	}
	switch {
	case err == nil:
		enc := trendViews(tr)
		data["Trend"], data["TrendJSON"], data["TrendRows"] = tr.Trend, enc.attr, enc.rows
	case publish.Shown(err):
		data["TrendError"] = webWords(fault.Message(err))
	default:
		return err
	}
	if data["FigureHTML"], err = s.themeFragment(fig.Views(), "theme-figure", data); err != nil {
		return err
	}
	if tr != nil && data["Trend"] != nil {
		if data["TrendHTML"], err = s.themeFragment(tr.Views(), "theme-trend", data); err != nil {
			return err
		}
	}
	if r.URL.Query().Get("cohorts") == "show" {
		if data["CohortFigures"], err = f.Cohorts(r.Context(), u, sum.Cohorts); err != nil {
			return err
		}
	}
	data["Voice"] = s.voiceBeside(r, t.ID) // what residents said, beside the figures
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
	name = strings.TrimPrefix(name, publish.NamedPrefix)
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
	funcs["verdictClass"] = func(v string) string {
		switch v {
		case insight.Rising, insight.Falling:
			return v
		}
		return "none"
	}
}

// districtRows renders the body of a trend's table of districts by
// period: a row per period, a count per district ([c] marked supp), an
// empty cell where a district has no point. Made once per release (see
// [trendRelease]) rather than by the template on every view.
func districtRows(tr *insight.Trend) template.HTML {
	if len(tr.Series) < 2 {
		return ""
	}
	counts := make([]map[string]string, len(tr.Series)-1)
	for i, s := range tr.Series[1:] {
		counts[i] = make(map[string]string, len(s.Points))
		for _, p := range s.Points {
			counts[i][p.Period] = p.Count
		}
	}
	var b strings.Builder
	for _, p := range tr.Periods {
		b.WriteString(`<tr><th scope="row">` + html.EscapeString(p) + `</th>`)
		for _, byPeriod := range counts {
			c, ok := byPeriod[p]
			switch {
			case !ok:
				b.WriteString(`<td></td>`)
			case c == disclose.Confidential:
				b.WriteString(`<td class="num supp">` + html.EscapeString(c) + `</td>`)
			default:
				b.WriteString(`<td class="num">` + html.EscapeString(c) + `</td>`)
			}
		}
		b.WriteString("</tr>\n")
	}
	return template.HTML(b.String())
}
