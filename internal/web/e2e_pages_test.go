package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/publish"
)

// siteFixture serves a demo county with every room `civiclink serve`
// wires: figures, linkage, agreements, outputs, the audit log, the
// programme, the community directory and citizen voice.
type siteFixture struct {
	ts     *httptest.Server
	srv    *Server
	county *demotest.County
	rooms  *demotest.Rooms
}

func newSiteFixture(tb testing.TB, people int) *siteFixture {
	tb.Helper()
	county, rooms := demotest.NewFull(tb, people, 8)
	c, d := loadGeo(tb)
	log, ok := county.Audit.(AuditLog)
	if !ok {
		tb.Fatalf("the demo store's audit log (%T) cannot be read back", county.Audit)
	}
	srv, err := New(Config{
		Catalog: county.Store, Govern: rooms.Gov, Audit: rooms.Gov.Audit, Districts: d,
		Indicators: &publish.NamedIndicators{Insight: rooms.Insight, County: c,
			Counts: &publish.DistrictCounts{Store: county.Store, County: c, Insight: rooms.Insight}},
		Linkage:   &linkrun.Service{Store: county.Store, Gov: rooms.Gov, Audit: rooms.Gov.Audit},
		Programme: rooms.Programme, Outputs: rooms.Outputs, Ledger: county.Store, AuditLog: log,
		Community: rooms.Community, Voice: rooms.Voice,
		UploadDir: tb.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		tb.Fatal(err)
	}
	f := &siteFixture{ts: httptest.NewServer(srv), srv: srv, county: county, rooms: rooms}
	tb.Cleanup(func() { f.ts.Close(); srv.Close() })
	return f
}

func (f *siteFixture) client(tb testing.TB, user string) *client {
	tb.Helper()
	c := (&fixture{ts: f.ts}).client(tb)
	if user != "" {
		if res := c.signIn(user, demo.Password); res.StatusCode != http.StatusSeeOther {
			tb.Fatalf("sign in as %s: status %d", user, res.StatusCode)
		}
	}
	return c
}

// notPages are the GET routes outside /api/ that are not pages a person
// reads, with why the walk leaves them out.
var notPages = map[string]string{
	"/assets/{file...}":               "the script and style bundle (TestAssets)",
	"/favicon.svg":                    "the icon",
	"/favicon.ico":                    "the icon",
	"/healthz":                        "a probe",
	"/readyz":                         "a probe",
	"/metrics":                        "Prometheus text",
	"/signin/sso/{provider}":          "a redirect to a partner's identity provider (TestBrowserSSO)",
	"/signin/sso/{provider}/callback": "the identity provider's answer (TestBrowserSSO)",
	"/outputs/{id}/export/{format}":   "a download (TestOutputExport)",
}

// pageRoutes returns the server's GET page routes: every route in its
// route table that is not the API and not in notPages.
func pageRoutes(s *Server) []string {
	var out []string
	for _, r := range s.routes {
		if r.method != "GET" || r.api || strings.HasPrefix(r.path, "/api/") || notPages[r.path] != "" {
			continue
		}
		out = append(out, r.path)
	}
	sort.Strings(out)
	return out
}

// pageExamples makes, for every page route, the paths the walk opens: a
// route with {parameters} gets real ones from the fixture (a project, a
// claim, the report drafted as an output, a linkage run and job, an upload
// job, a published service, the voice programme, every theme).
func (f *siteFixture) pageExamples(t *testing.T) map[string][]string {
	t.Helper()
	ctx := context.Background()
	st := f.county.Store
	analyst := f.client(t, "county.analyst")
	owner := f.client(t, "police.admin")

	projects, err := st.Projects(ctx)
	if err != nil || len(projects) == 0 {
		t.Fatalf("projects: %v (%d)", err, len(projects))
	}
	claims, err := st.Claims(ctx)
	if err != nil || len(claims) == 0 {
		t.Fatalf("claims: %v (%d)", err, len(claims))
	}
	agreements, err := st.Agreements(ctx)
	if err != nil || len(agreements) == 0 {
		t.Fatalf("agreements: %v (%d)", err, len(agreements))
	}
	vps, err := st.VoiceProgrammes(ctx)
	if err != nil || len(vps) == 0 {
		t.Fatalf("voice programmes: %v (%d)", err, len(vps))
	}
	// The report to the Assembly, drafted as an output by the analyst.
	res := analyst.do("POST", "/api/programme/assembly/draft", nil, "", csrfHeader, analyst.csrf)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("draft the Assembly report: %d %s", res.StatusCode, readBody(t, res))
	}
	var out struct {
		ID int64 `json:"id"`
	}
	json.Unmarshal([]byte(readBody(t, res)), &out)
	// A linkage job and the run it makes.
	job := startRunOf(t, analyst, "youth_offending", "s136_detentions")
	// An upload job: a file without the dataset's columns, refused by the job.
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", "wrong.csv")
	fw.Write([]byte("a,b\n1,2\n"))
	w.Close()
	res = owner.do("POST", "/api/datasets/street-crime/uploads", &buf, w.FormDataContentType(), csrfHeader, owner.csrf)
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", res.StatusCode, readBody(t, res))
	}
	var up Job
	json.Unmarshal([]byte(readBody(t, res)), &up)
	// A published community service.
	var svcs struct {
		Contents []struct {
			ID string `json:"id"`
		} `json:"contents"`
	}
	json.Unmarshal([]byte(readBody(t, analyst.do("GET", "/api/community/services?per_page=1", nil, ""))), &svcs)
	if len(svcs.Contents) == 0 {
		t.Fatal("the demo directory publishes no service")
	}
	themes, err := insight.Themes()
	if err != nil {
		t.Fatal(err)
	}
	var themePaths []string
	for _, th := range themes {
		themePaths = append(themePaths, "/themes/"+th.ID)
	}
	voiceID := vps[0].ID
	return map[string][]string{
		"/{$}":                      {"/"},
		"/datasets/{id}":            {"/datasets/police_incidents", "/datasets/road-casualties"},
		"/datasets/{id}/upload":     {"/datasets/street-crime/upload"},
		"/jobs/{id}":                {"/jobs/" + up.ID},
		"/themes/{id}":              themePaths,
		"/linkage/jobs/{id}":        {"/linkage/jobs/" + job.ID},
		"/linkage/runs/{id}":        {fmt.Sprint("/linkage/runs/", job.RunID)},
		"/linkage/runs/{id}/review": {fmt.Sprint("/linkage/runs/", job.RunID, "/review")},
		"/agreements/{id}":          {"/agreements/" + agreements[0].ID},
		"/outputs/{id}":             {fmt.Sprint("/outputs/", out.ID)},
		"/outputs/{id}/report":      {fmt.Sprint("/outputs/", out.ID, "/report")},
		"/programme/{id}":           {"/programme/" + projects[0].ID},
		"/programme/{id}/edit":      {"/programme/" + projects[0].ID + "/edit"},
		"/claims/{id}/edit":         {"/claims/" + claims[0].ID + "/edit"},
		"/community/services/{id}":  {"/community/services/" + svcs.Contents[0].ID},
		"/voice/{id}":               {"/voice/" + voiceID},
		"/voice/{id}/capture":       {"/voice/" + voiceID + "/capture"},
	}
}

// walkRoles are the demo's staff, one of each role, and nobody signed in.
// A page is opened in the browser as the first of them that may use it.
var walkRoles = []string{"", "county.analyst", "police.admin", "county.programme", "voluntary.editor",
	"county.checker", "county.auditor", "county.caseworker"}

// browserThemes are the theme pages opened in the browser: theme pages
// share one template, so a dense theme and a sparse one; every theme is
// fetched by every role.
var browserThemes = []string{"/themes/violence-and-vulnerability", "/themes/homelessness"}

// mainNav finds the links of a page's main navigation.
var (
	mainNav  = regexp.MustCompile(`(?s)<nav aria-label="Main">(.*?)</nav>`)
	navHrefs = regexp.MustCompile(`href="([^"]+)"`)
)

// TestBrowserAccessibility opens every page the router offers, for every
// role, in a real Chromium with axe-core (WCAG 2.2 A/AA and best
// practice, and the 7:1 contrast docs/web.md promises): the page list is
// the route table's GET routes, so a new page cannot be left out — a
// route with {parameters} needs an example in pageExamples, or the test
// fails naming it. Every role fetches every page; each page is opened in
// the browser, at 1366 and 390 px wide, as the first role that may use
// it, and every role's own navigation is opened too (theme pages share a
// template: two are opened in the browser and fetched by every role, all
// are fetched by the analyst). No page may have a
// serious or critical violation, be wider than a 390 px phone, or name a
// CLI command; the navigation may offer only pages its role can open; a
// period or grain that does not exist is refused with the choices.
func TestBrowserAccessibility(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe := axeSource(t)
	chromium(t)
	began := time.Now()
	f := newSiteFixture(t, 600)
	examples := f.pageExamples(t)
	t.Logf("fixture: %v", time.Since(began).Round(time.Millisecond))

	// Every route in the table, as the paths to open.
	var paths []string
	for _, r := range pageRoutes(f.srv) {
		ex, ok := examples[r]
		if !ok {
			if strings.Contains(r, "{") {
				t.Errorf("page route %s has no example path: add one to pageExamples (or to notPages with why it is not a page)", r)
				continue
			}
			ex = []string{r}
		}
		paths = append(paths, ex...)
	}
	paths = append(paths, "/no-such-page")

	// Every role fetches every page: who may open what.
	clients := map[string]*client{}
	opener := map[string]string{} // path → the first role that may open it
	var failed []string
	for _, role := range walkRoles {
		c := f.client(t, role)
		clients[role] = c
		for _, p := range paths {
			if strings.HasPrefix(p, "/themes/") && role != walkRoles[1] && !slices.Contains(browserThemes, p) {
				continue // theme pages share a template: the analyst fetches them all
			}
			start := time.Now()
			res := c.do("GET", p, nil, "")
			body := readBody(t, res)
			if d := time.Since(start); d > 2*time.Second {
				t.Logf("%q GET %s took %v", role, p, d.Round(time.Millisecond))
			}
			if res.StatusCode >= 500 {
				failed = append(failed, fmt.Sprintf("%q GET %s: %d %.300s", role, p, res.StatusCode, body))
			}
			if m := cliWords.FindString(body); m != "" {
				failed = append(failed, fmt.Sprintf("%q GET %s names a CLI command: %q", role, p, m))
			}
			if _, done := opener[p]; !done && res.StatusCode == http.StatusOK {
				opener[p] = role
			}
		}
		// The navigation offers only what the role may open.
		home := clients[role].do("GET", "/datasets", nil, "")
		if m := mainNav.FindStringSubmatch(readBody(t, home)); m != nil {
			for _, h := range navHrefs.FindAllStringSubmatch(m[1], -1) {
				if res := c.do("GET", h[1], nil, ""); res.StatusCode != http.StatusOK {
					failed = append(failed, fmt.Sprintf("%s: the navigation offers %s, which answers %d", role, h[1], res.StatusCode))
				}
			}
		} else if role != "" {
			failed = append(failed, fmt.Sprintf("%s: no main navigation on /datasets", role))
		}
	}
	t.Logf("every role fetched every page: %v", time.Since(began).Round(time.Millisecond))
	opener["/no-such-page"] = "county.analyst"
	for _, p := range paths {
		if _, ok := opener[p]; !ok {
			failed = append(failed, fmt.Sprintf("no role may open %s", p))
		}
	}

	// Bad input: a period or grain that does not exist is refused with
	// the choices (a theme's figures each say so in place of the figure;
	// a trend's grain is refused whole).
	analyst := clients["county.analyst"]
	for _, bad := range []struct {
		path, want string
		status     int
	}{
		{"/themes/road-safety?period=1999", "no complete period 1999 in this data (it covers 20", http.StatusOK},
		{"/api/themes/road-safety?period=1999", "no complete period 1999 in this data (it covers 20", http.StatusOK},
		{"/themes/road-safety?grain=fortnight", "choose month, quarter or year", http.StatusBadRequest},
		{"/api/indicators/ind:road-ksi/trend?grain=fortnight", "use month, quarter or year", http.StatusBadRequest},
	} {
		res := analyst.do("GET", bad.path, nil, "")
		body := readBody(t, res)
		if res.StatusCode != bad.status || !strings.Contains(body, bad.want) || strings.Contains(bad.want, "period 1999") && !strings.Contains(body, "choose one of") {
			t.Errorf("GET %s = %d, want %d saying %q and the choices: %.300s", bad.path, res.StatusCode, bad.status, bad.want, body)
		}
	}

	// Open each page in the browser as its first opener, a role at a time,
	// and every role's own navigation (on /datasets, where all have one).
	byRole := map[string][]string{}
	for _, p := range paths {
		if strings.HasPrefix(p, "/themes/") && !slices.Contains(browserThemes, p) {
			continue
		}
		if role, ok := opener[p]; ok {
			byRole[role] = append(byRole[role], p)
		}
	}
	ctx := browserWithin(t, 10*time.Minute)
	walked := 0
	for _, role := range walkRoles {
		todo := byRole[role]
		if role != "" && !slices.Contains(todo, "/datasets") {
			todo = append(todo, "/datasets")
		}
		if err := chromedp.Run(ctx, switchUser(f.ts.URL, role)...); err != nil {
			t.Fatalf("sign in as %q: %v", role, err)
		}
		for _, p := range todo {
			start := time.Now()
			ps, _, err := a11yCheck(ctx, f.ts.URL, p, axe, true)
			if err != nil {
				t.Fatalf("%q opening %s: %v", role, p, err)
			}
			walked++
			t.Logf("%q %s: %d problems in %v", role, p, len(ps), time.Since(start).Round(time.Millisecond))
			for _, m := range ps {
				failed = append(failed, fmt.Sprintf("%q %s: %s", role, p, m))
			}
		}
	}
	t.Logf("%d routes, %d paths, %d opened in the browser, in %v", len(pageRoutes(f.srv)), len(paths), walked, time.Since(began).Round(time.Second))
	if len(failed) > 0 {
		b, _ := json.MarshalIndent(failed, "", "  ")
		t.Errorf("%d accessibility, layout or navigation problems:\n%s", len(failed), b)
	}
}

// switchUser signs the browser out (its cookies cleared) and in as the
// demo's user (nobody for "").
func switchUser(base, user string) []chromedp.Action {
	a := []chromedp.Action{network.ClearBrowserCookies(), chromedp.Navigate(base + "/signin")}
	if user == "" {
		return a
	}
	return append(a, signInWith(user, demo.Password)...)
}
