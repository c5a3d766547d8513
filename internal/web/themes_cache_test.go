package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/insight"
)

// accessKey identifies an access request and its decision as recorded: two
// events with the same key are the same decision on the same request.
func accessKey(tb testing.TB, e govern.Event) string {
	tb.Helper()
	b, err := json.Marshal([]any{e.User, e.Target, e.Purpose, e.Outcome, e.Datasets, e.Details})
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// accessSince counts the access events recorded since the first n, by
// request and decision.
func (f *themeFixture) accessSince(tb testing.TB, n int) map[string]int {
	out := map[string]int{}
	for _, e := range f.rec.find("access")[n:] {
		out[accessKey(tb, e)]++
	}
	return out
}

// TestThemeCacheDecidesEveryView views each theme route twice as an
// analyst. Each view records each figure's access decision exactly once,
// made by insight when it prepares the figure's release: the first view
// (nothing cached) computes the release without deciding again, the second
// is answered from the cache, with the same answer. An auditor viewing
// the same routes afterwards is refused each figure and gets none.
func TestThemeCacheDecidesEveryView(t *testing.T) {
	f := newThemeFixture(t)
	analyst := f.client(t, themeAnalyst)
	auditor := f.client(t, themeAuditor)
	tests := []struct {
		name      string
		path      string
		decisions int // access decisions a view makes: one per figure
		refused   []string
	}{
		{"trend", "/api/indicators/ind:road-ksi/trend?period=quarter", 1, []string{`"forbidden"`}},
		{"trend by district", "/api/indicators/ind:street-violence/trend?by=district", 1, []string{`"forbidden"`}},
		{"trend of every version", "/api/indicators/ind:road-ksi-dft/trend", 1, []string{`"forbidden"`}},
		{"theme figures", "/api/themes/violence-and-vulnerability", 3, []string{`"error_code": "forbidden"`}},
		{"theme page", "/themes/domestic-abuse", 2, []string{"No district figures:", "No trend:"}},
		{"theme page with cohorts", "/themes/homelessness?cohorts=show&period=year", 2 + 1, []string{"No district figures:", "No trend:", "Not shown:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bodies []string
			for view := range 2 {
				n := len(f.rec.find("access"))
				res := analyst.do("GET", tt.path, nil, "")
				body := readBody(t, res)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("view %d: status %d: %.300s", view, res.StatusCode, body)
				}
				bodies = append(bodies, body)
				// First and cached views alike: one decision per figure,
				// by insight. A page's map and trend read the same
				// columns (the map's period filters on the event date),
				// so their requests may be alike: the total counts.
				got := f.accessSince(t, n)
				total := 0
				for _, times := range got {
					total += times
				}
				if total != tt.decisions {
					t.Errorf("view %d: %d access decisions, want %d: %v", view, total, tt.decisions, got)
				}
				for k := range got {
					if !strings.Contains(k, govern.OutcomeAllowed) {
						t.Errorf("view %d: not allowed: %s", view, k)
					}
				}
			}
			if strings.HasPrefix(tt.path, "/api/") && bodies[0] != bodies[1] {
				t.Errorf("a cached view differs from the first:\n%.500s\n%.500s", bodies[0], bodies[1])
			}

			n := len(f.rec.find("access"))
			res := auditor.do("GET", tt.path, nil, "")
			body := readBody(t, res)
			for _, h := range tt.refused {
				if !strings.Contains(body, h) {
					t.Errorf("auditor's view lacks %q: %.1000s", h, body)
				}
			}
			for _, leak := range []string{`"districts"`, `"points"`, `id="district-data"`, `id="trend-data"`} {
				if strings.Contains(body, leak) {
					t.Errorf("auditor's view holds figures (%s): %.1000s", leak, body)
				}
			}
			denied := 0
			for _, e := range f.rec.find("access")[n:] {
				if e.User != themeAuditor || e.Outcome != govern.OutcomeDenied {
					t.Errorf("auditor's view recorded %s for %s", e.Outcome, e.User)
				}
				denied++
			}
			if denied != tt.decisions {
				t.Errorf("auditor's view recorded %d refusals, want %d", denied, tt.decisions)
			}
		})
	}
}

// TestThemeCacheNewVersion loads a month of street crime (30 violent
// crimes in July 2018) as a new version of the accumulating street-crime
// dataset after its figures were cached: the trend and the theme's
// figures then count it, read beside every earlier version.
func TestThemeCacheNewVersion(t *testing.T) {
	f := newThemeFixture(t)
	analyst := f.client(t, themeAnalyst)
	const trend = "/api/indicators/ind:street-violence/trend"
	const theme = "/api/themes/violence-and-vulnerability"
	countyTrend := func() map[string]string {
		t.Helper()
		var tr insight.Trend
		if err := json.Unmarshal([]byte(readBody(t, analyst.do("GET", trend, nil, ""))), &tr); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, p := range tr.Series[0].Points {
			out[p.Period] = p.Count
		}
		return out
	}
	countyFigure := func() string {
		t.Helper()
		var tf ThemeFigures
		if err := json.Unmarshal([]byte(readBody(t, analyst.do("GET", theme, nil, ""))), &tf); err != nil {
			t.Fatal(err)
		}
		for _, fig := range tf.Figures {
			if fig.Indicator.ID == "ind:street-violence" && fig.County != nil {
				return fig.County.Count
			}
		}
		t.Fatalf("no county figure for street-violence: %+v", tf.Figures)
		return ""
	}
	before, beforeCounty := countyTrend(), countyFigure()
	countyTrend() // now cached
	ingestVersion(t, f, "street-crime", "2018-07-essex-street.csv")
	after, afterCounty := countyTrend(), countyFigure()

	tests := []struct {
		name      string
		got, want string
		reach     int64 // how far perturbation may take got from want
	}{
		{"July 2018 before", before["2018-07"], "", 0},
		{"July 2018 after", after["2018-07"], "30", 3},
		{"June 2018 unchanged", after["2018-06"], before["2018-06"], 0},
		{"January 2018 still read", after["2018-01"], before["2018-01"], 0},
		// Both county figures are perturbed, each by at most 3.
		{"county figure", afterCounty, addCount(t, beforeCounty, 30), 6},
	}
	for _, tt := range tests {
		var got, want int64
		_, gerr := fmt.Sscan(tt.got, &got)
		_, werr := fmt.Sscan(tt.want, &want)
		if tt.got != tt.want && (gerr != nil || werr != nil || got < want-tt.reach || got > want+tt.reach) {
			t.Errorf("%s: %q, want %q (±%d)", tt.name, tt.got, tt.want, tt.reach)
		}
	}
}

// TestThemeCacheAgreementSuspended caches NHS figures an analyst of
// another partner sees under an agreement, then suspends the agreement:
// the very next views are refused, the figures no longer served.
func TestThemeCacheAgreementSuspended(t *testing.T) {
	f := newThemeFixture(t)
	analyst := f.client(t, themeAnalyst)
	paths := []struct {
		path, refused string
	}{
		{"/api/indicators/ind:avoidable-ae-attendances/trend", `"forbidden"`},
		{"/api/themes/avoidable-emergency-care", `"error_code": "forbidden"`},
		{"/themes/avoidable-emergency-care", "No district figures:"},
	}
	for _, p := range paths {
		for range 2 { // computed, then cached
			if res := analyst.do("GET", p.path, nil, ""); res.StatusCode != http.StatusOK {
				t.Fatalf("%s before: status %d", p.path, res.StatusCode)
			}
		}
	}
	ctx := context.Background()
	gov := govern.NewService(f.county.Store, f.rec)
	agreements, err := gov.Agreements(ctx)
	if err != nil {
		t.Fatal(err)
	}
	suspended := 0
	for _, a := range agreements {
		if a.Purpose != "avoidable-emergency-care" || a.Status != govern.Active {
			continue
		}
		admin := f.county.Summary.Staff[a.Parties[0].Partner+".admin"]
		if _, err := gov.ChangeAgreement(ctx, admin, a.ID, govern.ActionSuspend, "test"); err != nil {
			t.Fatal(err)
		}
		suspended++
	}
	if suspended == 0 {
		t.Fatal("no active agreement for avoidable-emergency-care to suspend")
	}
	for _, p := range paths {
		body := readBody(t, analyst.do("GET", p.path, nil, ""))
		if !strings.Contains(body, p.refused) {
			t.Errorf("%s after the suspension lacks %q: %.500s", p.path, p.refused, body)
		}
		if strings.Contains(body, `"points"`) || strings.Contains(body, `"districts"`) || strings.Contains(body, `id="district-data"`) {
			t.Errorf("%s after the suspension still serves figures: %.500s", p.path, body)
		}
	}
}

// ingestVersion loads a testdata file as a new version of a dataset.
func ingestVersion(tb testing.TB, f *themeFixture, dataset, file string) {
	tb.Helper()
	_, err := ingest.Run(context.Background(), f.county.Store, ingest.Request{DatasetID: dataset, Path: filepath.Join("testdata", file), User: "test"})
	if err != nil {
		tb.Fatal(err)
	}
}

// addCount adds n to a published count.
func addCount(tb testing.TB, count string, n int64) string {
	tb.Helper()
	var c int64
	if err := json.Unmarshal([]byte(count), &c); err != nil {
		tb.Fatalf("count %q is not published: %v", count, fault.Message(err))
	}
	b, _ := json.Marshal(c + n)
	return string(b)
}

// TestThemeCachePerServer views a trend on the fixture's server, then on
// a second server over the same engine and store: each server keeps its
// own cache, so the second computes the figure again (the decision
// recorded twice on its first view) while the first still answers from
// its cache; both give the same figures.
func TestThemeCachePerServer(t *testing.T) {
	f := newThemeFixture(t)
	analyst := f.client(t, themeAnalyst)
	srv, err := New(f.srv.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	second := &client{tb: t, base: ts.URL, hc: analyst.hc, csrf: analyst.csrf} // the session is the store's: it holds
	const path = "/api/indicators/ind:road-ksi/trend?period=quarter"
	views := []struct {
		name  string
		c     *client
		times int // how often the view's decision is recorded
	}{
		{"first server, first view", analyst, 1},
		{"first server, cached", analyst, 1},
		{"second server, first view", second, 1},
		{"second server, cached", second, 1},
		{"first server again", analyst, 1},
	}
	var first string
	for _, v := range views {
		n := len(f.rec.find("access"))
		res := v.c.do("GET", path, nil, "")
		body := readBody(t, res)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d: %.300s", v.name, res.StatusCode, body)
		}
		got := f.accessSince(t, n)
		if len(got) != 1 {
			t.Errorf("%s: %d distinct access requests, want 1: %v", v.name, len(got), got)
		}
		for k, times := range got {
			if times != v.times {
				t.Errorf("%s: request recorded %d times, want %d (%s)", v.name, times, v.times, k)
			}
		}
		if first == "" {
			first = body
		} else if body != first {
			t.Errorf("%s: figures differ from the first view:\n%.500s\n%.500s", v.name, body, first)
		}
	}
}

// TestThemePageFragmentsFollowRelease checks the theme page's sections,
// rendered once per release, are rendered again for a new release: a
// second view shows the same sections, and after a new version the page's
// tables hold its month.
func TestThemePageFragmentsFollowRelease(t *testing.T) {
	f := newThemeFixture(t)
	analyst := f.client(t, themeAnalyst)
	const page = "/themes/violence-and-vulnerability?indicator=ind:street-violence&period=month"
	const july = `<tr><th scope="row">2018-07</th>`
	section := func(body, id string) string {
		t.Helper()
		i := strings.Index(body, `id="`+id+`"`)
		if i < 0 {
			t.Fatalf("the page has no %s: %.1500s", id, body)
		}
		j := strings.Index(body[i:], "</table>")
		return body[i : i+j]
	}
	first := readBody(t, analyst.do("GET", page, nil, ""))
	second := readBody(t, analyst.do("GET", page, nil, ""))
	for _, id := range []string{"district-comparison", "trend-county"} {
		if section(first, id) != section(second, id) {
			t.Errorf("%s differs between two views of one release", id)
		}
	}
	if strings.Contains(section(second, "trend-county"), july) {
		t.Fatal("July 2018 shown before its version was loaded")
	}
	ingestVersion(t, f, "street-crime", "2018-07-essex-street.csv")
	after := readBody(t, analyst.do("GET", page, nil, ""))
	if !strings.Contains(section(after, "trend-county"), july) {
		t.Errorf("the trend table lacks July 2018 after its version was loaded: %.1500s", section(after, "trend-county"))
	}
	if section(after, "district-comparison") == section(second, "district-comparison") {
		t.Error("the district comparison is unchanged by a new month of street crime")
	}
}
