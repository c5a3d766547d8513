package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"math"
	"sync"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// themeCache keeps the published figures of the theme pages and the trend
// API (district figures, trends, cohort counts) by their insight release's
// key, as [tableCache] does for the district map: the kind of figure, the
// indicator, its purpose, the period and grouping, the dataset versions
// read and, for a cohort, the linkage run; the disclosure threshold the
// decision sets; a digest of the records opted out of the purpose. The
// cache is also emptied when the store's generation moves (a new version,
// opt-out, agreement change or linkage run), which bounds it. Re-serving
// an identical release discloses nothing new.
//
// The access decision is made, and recorded, by insight for every view
// when it prepares the release, before the cache is consulted; a refused
// user gets the refusal, never a cached figure. A first view is decided
// once: computing a release decides nothing. Values are shared between
// requests and never modified once stored.
//
// Each [Server] has its own, made by [New]: the server's engine (from
// Config.Indicators) fixes the store, governance and geography behind the
// figures, and servers over other stores, or other tests, share nothing.
type themeCache struct {
	mu    sync.Mutex
	gen   uint64 // the generation the entries were made at
	m     map[string]any
	calls map[string]*themeCall // computations under way, by key
}

// themeCall is one computation under way; views of the same release wait
// for it rather than computing it again.
type themeCall struct {
	done chan struct{}
	v    any
	err  error
}

// maxThemeCached bounds a theme cache; it is emptied when full.
const maxThemeCached = 512

// fetch returns the release under key, computing it with compute the first
// time (once, however many views ask at once). An empty key computes
// without caching. Errors are not kept: a view that waited on another's
// failed computation computes for itself.
func (c *themeCache) fetch(ctx context.Context, e *insight.Engine, key string, compute func() (any, error)) (any, error) {
	if key == "" {
		return compute()
	}
	c.mu.Lock()
	if gen := e.Store.Generation(); gen != c.gen {
		c.gen, c.m = gen, nil // entries of an older state can never be asked for again
	}
	if v, ok := c.m[key]; ok {
		c.mu.Unlock()
		return v, nil
	}
	if call, ok := c.calls[key]; ok {
		c.mu.Unlock()
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if call.err == nil {
			return call.v, nil
		}
		return compute()
	}
	call := &themeCall{done: make(chan struct{})}
	if c.calls == nil {
		c.calls = map[string]*themeCall{}
	}
	c.calls[key] = call
	c.mu.Unlock()

	defer func() {
		c.mu.Lock()
		delete(c.calls, key)
		if call.err == nil {
			if c.m == nil || len(c.m) >= maxThemeCached {
				c.m = map[string]any{}
			}
			c.m[key] = call.v
		}
		c.mu.Unlock()
		close(call.done)
	}()
	call.err = errors.New("computation did not finish") // a panic in compute leaves this for the waiters
	call.v, call.err = compute()
	return call.v, call.err
}

// trendRelease is a cached trend with what views make of it, each made
// once per release: the API's JSON, the page's chart data and its table
// of districts by period.
type trendRelease struct {
	tr   *insight.Trend
	page fragment // the theme page's trend section
	once sync.Once
	api  []byte        // as writeJSON encodes it
	attr template.JS   // the chart's data
	rows template.HTML // the district table's body
}

// views makes the release's encodings (once).
func (t *trendRelease) views() *trendRelease {
	t.once.Do(func() {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		enc.Encode(t.tr)
		t.api, t.attr, t.rows = b.Bytes(), jsonAttr(chartOf(t.tr)), districtRows(t.tr)
	})
	return t
}

// cachedTrend is e.Trend(q) for u through the server's theme cache.
func (s *Server) cachedTrend(ctx context.Context, e *insight.Engine, u *govern.User, q insight.TrendQuery) (*trendRelease, error) {
	rel, err := e.PrepareTrend(ctx, u, q)
	if err != nil {
		return nil, err
	}
	v, err := s.themes.fetch(ctx, e, rel.Key, func() (any, error) {
		tr, err := e.ComputeTrend(ctx, rel)
		if err != nil {
			return nil, err
		}
		return &trendRelease{tr: tr}, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*trendRelease).views(), nil
}

// fragment is a part of a page made once per release (see
// [Server.themeFragment]).
type fragment struct {
	once sync.Once
	html template.HTML
	err  error
}

// themeFragment renders the theme template's part name for data: once per
// f, which belongs to a cached release, so views of the release share it;
// every time when f is nil. Rendering the district and trend tables was
// most of a theme page view's CPU (docs/benchmarks.md).
func (s *Server) themeFragment(f *fragment, name string, data map[string]any) (template.HTML, error) {
	render := func() (template.HTML, error) {
		var b bytes.Buffer
		if err := s.pages["theme"].ExecuteTemplate(&b, name, view{Data: data}); err != nil {
			return "", fmt.Errorf("render the theme page's %s: %w", name, err)
		}
		return template.HTML(b.String()), nil
	}
	if f == nil {
		return render()
	}
	f.once.Do(func() { f.html, f.err = render() })
	return f.html, f.err
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
	r3 := func(f float64) float64 { return math.Round(f*1000) / 1000 }
	out := chartTrend{Periods: tr.Periods, Series: make([]chartSeries, len(tr.Series))}
	for i, s := range tr.Series {
		cs := chartSeries{Code: s.Code, Name: s.Name, Points: make([]chartPoint, len(s.Points))}
		for j, p := range s.Points {
			cs.Points[j] = chartPoint{Period: p.Period, Count: p.Count}
			if p.Rate != nil {
				cs.Points[j].Rate = &chartRate{Value: r3(p.Rate.Value), Lower: r3(p.Rate.Lower), Upper: r3(p.Rate.Upper)}
			}
		}
		out.Series[i] = cs
	}
	return out
}
