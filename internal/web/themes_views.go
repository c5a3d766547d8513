package web

import (
	"bytes"
	"fmt"
	"html/template"
	"math"

	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/publish"
)

// trendEncodings are what views make of a published trend, each made
// once per release (on the trend's [publish.Views]): the API's JSON, the
// page's chart data and its table of districts by period.
type trendEncodings struct {
	api  []byte        // as writeJSON encodes it
	attr template.JS   // the chart's data
	rows template.HTML // the district table's body
}

// trendViews makes tr's encodings (once per release).
func trendViews(tr *publish.Trend) *trendEncodings {
	v, _ := publish.View(tr.Views(), "encodings", func() (*trendEncodings, error) {
		api, _ := encodeJSON(tr.Trend) // numbers and strings: it always encodes
		return &trendEncodings{api: api, attr: jsonAttr(chartOf(tr.Trend)), rows: districtRows(tr.Trend)}, nil
	})
	return v
}

// themeFragment renders the theme template's part name for data: once per
// release when vs belongs to a published value, so views of the release
// share it; every time when vs is nil. Rendering the district and trend
// tables was most of a theme page view's CPU (docs/benchmarks.md).
func (s *Server) themeFragment(vs *publish.Views, name string, data map[string]any) (template.HTML, error) {
	return publish.View(vs, name, func() (template.HTML, error) {
		var b bytes.Buffer
		if err := s.pages["theme"].ExecuteTemplate(&b, name, view{Data: data}); err != nil {
			return "", fmt.Errorf("render the theme page's %s: %w", name, err)
		}
		return template.HTML(b.String()), nil
	})
}

// chartTrend is what the page's trend chart reads of a trend (web/src/
// trend.js): the periods and each series' published counts and rates,
// rounded to what the chart shows. The full trend is the API's answer;
// embedding only this keeps the page small.
type chartTrend struct {
	Periods []string      `json:"periods"`
	Series  []chartSeries `json:"series"`
}

type chartSeries struct {
	Code   string       `json:"code"`
	Name   string       `json:"name"`
	Points []chartPoint `json:"points"`
}

type chartPoint struct {
	Period string     `json:"period"`
	Count  string     `json:"count"`
	Rate   *chartRate `json:"rate,omitempty"`
}

type chartRate struct {
	Value float64 `json:"value"`
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
}

// chartOf keeps the chart's part of tr.
func chartOf(tr *insight.Trend) chartTrend {
	out := chartTrend{Periods: tr.Periods, Series: make([]chartSeries, len(tr.Series))}
	for i, s := range tr.Series {
		cs := chartSeries{Code: s.Code, Name: s.Name, Points: make([]chartPoint, len(s.Points))}
		for j, p := range s.Points {
			cs.Points[j] = chartPoint{Period: p.Period, Count: p.Count}
			if p.Rate != nil { // a decimal more than the tables show
				e := math.Pow(10, float64(p.Rate.Decimals()+1))
				r := func(f float64) float64 { return math.Round(f*e) / e }
				cs.Points[j].Rate = &chartRate{Value: r(p.Rate.Value), Lower: r(p.Rate.Lower), Upper: r(p.Rate.Upper)}
			}
		}
		out.Series[i] = cs
	}
	return out
}
