package web

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/publish"
)

// themeFixture is the web app over a small demo county: the named
// indicators, the partnership's agreements and staff, DfT's STATS19 files.
type themeFixture struct {
	county *demotest.County
	rec    *recorder
	ts     *httptest.Server
	srv    *Server
}

// The demo's staff: an analyst under every agreement, and the county's
// auditor, who may read the audit log but no partner data.
const (
	themeAnalyst = "police.analyst"
	themeAuditor = "county.auditor"
)

func newThemeFixture(tb testing.TB) *themeFixture {
	tb.Helper()
	return newThemeFixtureWith(tb, nil)
}

// newThemeFixtureWith is newThemeFixture with the config changed by set
// before the server is built.
func newThemeFixtureWith(tb testing.TB, set func(*Config)) *themeFixture {
	tb.Helper()
	f := &themeFixture{county: demotest.New(tb, 1000, 8), rec: &recorder{}}
	c, d := loadGeo(tb)
	gov := govern.NewService(f.county.Store, f.rec)
	e := &insight.Engine{Store: f.county.Store, Gov: gov, Geo: c, Ledger: f.county.Store, Auditor: disclose.NewAuditor(),
		PopulationScale: 1000 / float64(c.Population())}
	var err error
	if e.Residents, err = demo.LoadResidents(context.Background(), f.county.Store); err != nil || e.Residents == nil {
		tb.Fatalf("the demo store's residents: %v", err)
	}
	cfg := Config{
		Catalog: f.county.Store, Govern: gov, Audit: f.rec, Districts: d,
		Indicators: &publish.NamedIndicators{Insight: e, County: c, Counts: &publish.DistrictCounts{Store: f.county.Store, County: c, Insight: e}},
		UploadDir:  tb.TempDir(), Log: slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)),
	}
	if set != nil {
		set(&cfg)
	}
	f.srv, err = New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	f.ts = httptest.NewServer(f.srv)
	tb.Cleanup(func() { f.ts.Close(); f.srv.Close() })
	return f
}

func (f *themeFixture) client(tb testing.TB, user string) *client {
	tb.Helper()
	fx := &fixture{ts: f.ts}
	c := fx.client(tb)
	if user != "" {
		if res := c.signIn(user, demo.Password); res.StatusCode != http.StatusSeeOther {
			tb.Fatalf("sign in as %s: status %d", user, res.StatusCode)
		}
	}
	return c
}

// TestThemeRoutes checks every theme and trend route: status for a
// signed-in analyst, 401 (API) or the sign-in page (pages) without a
// session, 403 with the reason where governance refuses, and what the
// body holds.
func TestThemeRoutes(t *testing.T) {
	f := newThemeFixture(t)
	anon := f.client(t, "")
	analyst := f.client(t, themeAnalyst)
	auditor := f.client(t, themeAuditor)
	getCases(t, []getCase{
		{"themes API without a session", anon, "/api/themes", 401, []string{`"unauthorized"`}},
		{"theme API without a session", anon, "/api/themes/road-safety", 401, nil},
		{"trend API without a session", anon, "/api/indicators/ind:road-ksi/trend", 401, nil},
		{"themes page without a session", anon, "/themes", 303, nil},
		{"theme page without a session", anon, "/themes/road-safety", 303, nil},

		{"themes API", analyst, "/api/themes", 200, []string{`"physical-inactivity"`, `"ind:road-ksi-dft"`, `"s136-then-mh-ae"`}},
		{"theme API", analyst, "/api/themes/domestic-abuse", 200, []string{`"vs_county"`, `"ind:domestic-abuse-victims"`}},
		{"theme API, a figure with no place", analyst, "/api/themes/road-safety", 200, []string{`"error_code": "invalid"`, "no district or LSOA column"}},
		{"unknown theme", analyst, "/api/themes/nope", 404, []string{"road-safety"}},
		{"trend by district and year", analyst, "/api/indicators/ind:road-ksi/trend?by=district&period=year", 200, []string{`"E07000066"`, `"verdict"`}},
		{"trend by quarter, name without prefix", analyst, "/api/indicators/physically-inactive-adults/trend?period=quarter", 200, []string{`-Q1"`}},
		{"trend of an unknown indicator", analyst, "/api/indicators/nope/trend", 404, []string{"no indicator"}},
		{"trend by week", analyst, "/api/indicators/ind:road-ksi/trend?period=week", 400, []string{"month, quarter or year"}},
		{"trend by ward", analyst, "/api/indicators/ind:road-ksi/trend?by=ward", 400, []string{"by district"}},
		{"STATS19 by month", analyst, "/api/indicators/road-ksi-dft/trend?period=month", 400, []string{`ask for the period year (the \"period\" parameter)`, `"field": "period"`}},

		{"trend refused to an auditor", auditor, "/api/indicators/ind:road-ksi/trend", 403, []string{`"forbidden"`, "analyst"}},
		{"theme API for an auditor", auditor, "/api/themes/road-safety", 200, []string{`"error_code": "forbidden"`}},
		{"theme page for an auditor", auditor, "/themes/road-safety", 200, []string{"No district figures:", "No trend:"}},

		{"themes page", analyst, "/themes", 200, []string{"Violence and vulnerability", "Domestic abuse", "Homelessness", "Mental-health crisis",
			"Avoidable A&amp;E attendance", "School readiness", "Physical inactivity", "Road casualties"}},
		{"theme page", analyst, "/themes/road-safety?period=year", 200, []string{`id="map"`, `id="district-data"`, `id="trend-chart"`, `id="trend-data"`,
			`<label for="trend-district">`, `<td class="num supp">[c]</td>`, `id="trend-verdict"`}},
		{"theme page, STATS19", analyst, "/themes/road-safety?indicator=ind:road-ksi-dft", 200, []string{"No district figures:", ">2016</th><td class=\"num\">102" /* 1025 perturbed by at most 3 */, `id="trend-chart"`}},
		{"theme page, physical inactivity", analyst, "/themes/physical-inactivity", 200, []string{`id="map"`, "Adults assessed as physically inactive", "these are not real rates"}},
		{"theme page with cohort counts", analyst, "/themes/domestic-abuse?cohorts=show", 200, []string{`id="cohort-figures"`, "Domestic-abuse victims attending A&amp;E within 90 days", " of 14</td>", "Rate per 1,000 residents"}},
		// known-to-three-agencies is an indicator and a cohort of one name:
		// the page's district figure and the cohort's count are two figures.
		{"theme page with an indicator that is also a cohort", analyst, "/themes/violence-and-vulnerability?cohorts=show", 200, []string{`id="cohort-figures"`, "People known to three or more agencies<br>", `id="district-comparison"`}},
		{"cohort counts refused to an auditor", auditor, "/themes/domestic-abuse?cohorts=show", 200, []string{`id="cohort-figures"`, "Not shown:"}},
		{"theme page offers cohort counts", analyst, "/themes/homelessness", 200, []string{`id="count-cohorts"`}},
		{"theme API states each figure's period and the choices", analyst, "/api/themes/domestic-abuse", 200, []string{`"period": "`, `"periods": [`, `"unit": "per 1,000 residents a year`}},
		{"theme API over a year asked for", analyst, "/api/themes/domestic-abuse?period=2019", 200, []string{`"period": "2019"`, `"unit": "per 1,000 residents a year (2019)"`}},
		{"theme API over a period the data does not cover", analyst, "/api/themes/domestic-abuse?period=2031", 200, []string{`"error_code": "invalid"`, "no complete period 2031", "choose one of"}},
		{"theme API over something that is not a period", analyst, "/api/themes/domestic-abuse?period=lately", 200, []string{`"error_code": "invalid"`, "is not a period", "choose one of"}},
		{"theme page states the period on map, table and chart", analyst, "/themes/domestic-abuse", 200, []string{`id="map-period"`, `id="chart-period"`, "District comparison, ", `<select id="period" name="period">`, `<select id="grain" name="grain">`}},
		{"theme page over a quarter", analyst, "/themes/domestic-abuse?period=2020-Q2&grain=year", 200, []string{"by district, 2020-Q2</h2>", "per 1,000 residents in 2020-Q2", "over time, by year</h2>"}},
		{"theme page, an old link's period is the grain", analyst, "/themes/domestic-abuse?period=year", 200, []string{"over time, by year</h2>"}},
		// 1,000 people: a district's domestic abuse reaches the threshold
		// only over a year, so the chart's default grain is the year.
		{"theme page charts by the grain at which most cells publish", analyst, "/themes/domestic-abuse", 200, []string{`id="grain-chosen"`, "Charted by year", "over time, by year</h2>", `<option value="year" selected>`}},
		{"trend API by the grain at which most cells publish", analyst, "/api/indicators/ind:domestic-abuse-victims/trend?by=district", 200, []string{`"period": "year"`}},
		{"theme page by a grain asked for", analyst, "/themes/domestic-abuse?grain=month", 200, []string{"over time, by month</h2>", `<option value="month" selected>`}},
		{"theme page by a grain that does not exist", analyst, "/themes/domestic-abuse?grain=week", 400, []string{"choose month, quarter or year"}},
		{"theme page, STATS19 by month", analyst, "/themes/road-safety?indicator=ind:road-ksi-dft&grain=month", 400, []string{"choose year"}},
		{"trend by grain", analyst, "/api/indicators/ind:road-ksi/trend?grain=quarter", 200, []string{`-Q1"`}},
		{"unknown theme page", analyst, "/themes/nope", 404, nil},
		{"unknown indicator of a theme", analyst, "/themes/road-safety?indicator=domestic-abuse-victims", 404, []string{"no indicator"}},
	})
}

// getCase is a GET by a client and what its answer must be: the status and
// strings the body holds.
type getCase struct {
	name string
	c    *client
	path string
	want int
	has  []string
}

// getCases runs each case as a subtest.
func getCases(t *testing.T, cases []getCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.c.do("GET", tt.path, nil, "")
			body := readBody(t, res)
			if res.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d: %.300s", res.StatusCode, tt.want, body)
			}
			for _, h := range tt.has {
				if !strings.Contains(body, h) {
					t.Errorf("body lacks %q: %.2000s", h, body)
				}
			}
		})
	}
}

// TestThemePagesAreGovernedAndAudited checks that a theme page view asks
// govern for each figure (so it lands on the audit log) and that the
// figures are disclosure-controlled: [c], never 0, where suppressed.
func TestThemePagesAreGovernedAndAudited(t *testing.T) {
	f := newThemeFixture(t)
	analyst := f.client(t, themeAnalyst)
	before := len(f.rec.find("access"))
	if res := analyst.do("GET", "/themes/domestic-abuse", nil, ""); res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	events := f.rec.find("access")[before:]
	if len(events) < 2 {
		t.Fatalf("%d access events for a theme page (map and trend), want 2 or more", len(events))
	}
	for _, e := range events {
		if e.User != themeAnalyst || e.Purpose != "domestic-abuse" {
			t.Errorf("access event %+v, want by %s for domestic-abuse", e, themeAnalyst)
		}
	}
	var tr insight.Trend
	res := analyst.do("GET", "/api/indicators/ind:domestic-abuse-victims/trend?by=district&period=month", nil, "")
	if err := json.Unmarshal([]byte(readBody(t, res)), &tr); err != nil {
		t.Fatal(err)
	}
	suppressed := 0
	for _, s := range tr.Series {
		for _, p := range s.Points {
			if p.Count == disclose.Confidential {
				suppressed++
				if p.Rate != nil {
					t.Errorf("%s %s: suppressed with a rate", s.Code, p.Period)
				}
			}
		}
	}
	if suppressed == 0 {
		t.Error("no suppressed cell in a monthly district series of a 1,000-person county")
	}
	auditor := f.client(t, themeAuditor)
	res = auditor.do("GET", "/api/indicators/ind:domestic-abuse-victims/trend", nil, "")
	if code, msg := errorCode(t, res); code != fault.Forbidden || !strings.Contains(msg, themeAuditor) {
		t.Errorf("auditor: %s %q, want forbidden naming the user", code, msg)
	}
	if n := len(f.rec.find("access")); n == 0 {
		t.Error("no access events at all")
	}
}

func TestThemeRoutesInOpenAPI(t *testing.T) {
	f := newFixture(t)
	var doc struct {
		Paths      map[string]map[string]any
		Components struct{ Schemas map[string]any }
	}
	res := f.client(t).do("GET", "/api/openapi.json", nil, "")
	if err := json.Unmarshal([]byte(readBody(t, res)), &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/api/themes", "/api/themes/{id}", "/api/indicators/{id}/trend"} {
		if doc.Paths[p]["get"] == nil {
			t.Errorf("%s is not in the OpenAPI document", p)
		}
	}
	for _, s := range []string{"Theme", "ThemeList", "ThemeFigures", "Trend"} {
		if doc.Components.Schemas[s] == nil {
			t.Errorf("schema %s is missing", s)
		}
	}
	// Without named indicators the server has no themes to show.
	c := f.client(t)
	c.signIn(ownerID, password)
	if got := c.do("GET", "/api/themes/road-safety", nil, "").StatusCode; got != http.StatusNotFound {
		t.Errorf("themes without named indicators: status %d, want 404", got)
	}
}
