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
	period, window, err := pagePeriods(r, ind)
	if err != nil {
		return err
	}
	periods := slices.Clone(insight.Periods)
	slices.Reverse(periods) // month, quarter, year
	if ind.VersionPeriod != "" {
		periods = []string{ind.VersionPeriod}
	}
	data := map[string]any{"Title": t.Title, "Theme": sum, "Chosen": publish.ThemeIndicatorOf(ind), "Period": period, "Periods": periods, "Window": window, "HasMap": s.geojson != nil}
	if period == insight.DefaultGrain {
		data["Period"] = "" // until the trend says which
	}
	u := who(r).User
	// The map's figure and the trend are decided, recorded and computed
	// at once: whether the trend is by district follows from the figure's
	// decision (refused, or no district to group by, make it the county's).
	// Should the figure then fail, the trend is the county's after all.
	ctx := r.Context()
	rel, decided := f.Engine.PrepareIndicatorPeriod(ctx, u, ind, []string{insight.DimDistrict}, window)
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
	wg.Go(func() {
		figErr = fault.Catch(func() (err error) { fig, err = f.Release(ctx, ind, rel, decided); return err })
	})
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
		data["Period"], data["GrainChosen"] = tr.Period, period == insight.DefaultGrain
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
	data["Voice"] = s.voiceBeside(r, t.ID)    // what residents said, beside the figures
	data["Support"] = s.supportBeside(r, sum) // community support for the need, beside it
	s.render(w, r, http.StatusOK, "theme", data)
	return nil
}

// pagePeriods reads a theme page's two periods: the chart's grain
// (?grain=month|quarter|year; by default [insight.DefaultGrain], the
// finest at which most of the chart's cells can be published; an
// indicator published a year per version has only years) and the period
// the map and table
// cover (?period=, default the latest; see [insight.ParseWindow]). An
// old link's ?period=month|quarter|year is the grain. A grain that does
// not exist for the indicator is refused with the choices.
func pagePeriods(r *http.Request, ind *insight.Indicator) (grain, window string, err error) {
	q := r.URL.Query()
	grain, window = q.Get("grain"), q.Get("period")
	if slices.Contains(insight.Periods, window) && grain == "" {
		grain, window = window, ""
	}
	switch {
	case ind.VersionPeriod != "" && grain != "" && grain != ind.VersionPeriod:
		return "", "", fault.FieldErrorf(fault.Invalid, "grain", "%s is published a %s at a time: choose %s", ind.Title, ind.VersionPeriod, ind.VersionPeriod)
	case ind.VersionPeriod != "":
		grain = ind.VersionPeriod
	case grain == "":
		grain = insight.DefaultGrain
	case !slices.Contains(insight.Periods, grain):
		return "", "", fault.FieldErrorf(fault.Invalid, "grain", "there is no grain %q: choose month, quarter or year", grain)
	}
	return grain, window, nil
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
	// rateText writes a rate and rateInterval its 95% interval, to the
	// decimals that show it ([insight.Rate.Decimals]).
	funcs["rateText"] = func(r *insight.Rate) string { return strconv.FormatFloat(r.Value, 'f', r.Decimals(), 64) }
	funcs["rateInterval"] = func(r *insight.Rate) string {
		d := r.Decimals()
		return strconv.FormatFloat(r.Lower, 'f', d, 64) + "–" + strconv.FormatFloat(r.Upper, 'f', d, 64)
	}
	funcs["contains"] = strings.Contains
	funcs["fixed3"] = func(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }
	// trendEmpty says why a trend's chart shows no point, or "".
	funcs["trendEmpty"] = func(tr *insight.Trend) string {
		if len(tr.Periods) == 0 {
			return "there are no records in any " + tr.Period + "."
		}
		for _, s := range tr.Series {
			for _, p := range s.Points {
				if p.Count != disclose.Confidential {
					return ""
				}
			}
		}
		return "every " + tr.Period + "'s count is suppressed; chart by a longer period (quarter or year)."
	}
	// periodSpan names the run of periods a chart covers: "2018-Q1 to
	// 2023-Q4", one period alone, or "no published period".
	funcs["periodSpan"] = func(ps []string) string {
		switch len(ps) {
		case 0:
			return "no published period"
		case 1:
			return ps[0]
		}
		return ps[0] + " to " + ps[len(ps)-1]
	}
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
