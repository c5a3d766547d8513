package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/publish"
	"github.com/civiclink/civiclink/internal/store"
)

// The fixture's people. Passwords are long enough for govern's rule.
const (
	ownerID   = "olive" // police: partner admin, data owner, analyst
	analystID = "carl"  // county: analyst, no agreement with police
	password  = "correct horse battery staple"
)

// cheapArgon keeps password hashing fast in tests.
var cheapArgon = govern.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// recorder keeps the audit events the server and govern record.
type recorder struct {
	mu     sync.Mutex
	events []govern.Event
	fail   bool
}

func (r *recorder) Record(_ context.Context, e govern.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return io.ErrClosedPipe
	}
	r.events = append(r.events, e)
	return nil
}

// find returns the recorded events with the given action.
func (r *recorder) find(action string) []govern.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []govern.Event
	for _, e := range r.events {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// fixture is a running server over a real in-memory store with real
// governance, geography and disclosure control.
type fixture struct {
	st    *store.Store
	gov   *govern.Service
	rec   *recorder
	clock *clock.Manual
	srv   *Server
	ts    *httptest.Server
	token string // an API token of ownerID
	logs  *bytes.Buffer
}

var (
	geoOnce   sync.Once
	county    *geo.County
	districts *geo.Boundaries
	geoErr    error
)

// loadGeo reads the county's geography once per test binary.
func loadGeo(tb testing.TB) (*geo.County, *geo.Boundaries) {
	tb.Helper()
	geoOnce.Do(func() {
		if county, geoErr = geo.Load(); geoErr == nil {
			districts, geoErr = geo.LoadBoundaries(geo.LayerLAD)
		}
	})
	if geoErr != nil {
		tb.Fatalf("load geography: %v", geoErr)
	}
	return county, districts
}

func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	return newFixtureWith(tb, nil)
}

// newFixtureWith is newFixture with the server's config changed by set
// before the server is built.
func newFixtureWith(tb testing.TB, set func(*Config)) *fixture {
	tb.Helper()
	ctx := context.Background()
	f := &fixture{rec: &recorder{}, clock: clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), logs: &bytes.Buffer{}}
	st, err := store.Open(ctx, "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	st.Clock = f.clock
	f.st = st
	for _, p := range []catalog.Partner{{ID: "police", Name: "Essex Police"}, {ID: "county", Name: "Essex County Council"}} {
		if err := st.CreatePartner(ctx, &p); err != nil {
			tb.Fatal(err)
		}
	}
	sc, err := catalog.ReadSchemaFile(filepath.Join("testdata", "incidents.schema.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.CreateDataset(ctx, &catalog.Dataset{ID: "incidents", PartnerID: "police", Name: "Police incidents", Schema: sc}); err != nil {
		tb.Fatal(err)
	}
	f.gov = govern.NewService(st, f.rec)
	f.gov.Clock, f.gov.Argon2 = f.clock, cheapArgon
	f.addUsers(tb)
	c, d := loadGeo(tb)
	cfg := Config{
		Catalog: st, Govern: f.gov, Audit: f.rec, Districts: d,
		Indicators: &publish.DistrictCounts{Store: st, County: c,
			Insight: &insight.Engine{Store: st, Gov: f.gov, Ledger: st, Auditor: disclose.NewAuditor()}},
		Health: st.Ready,
		Clock:  f.clock, UploadDir: tb.TempDir(),
		Log: slog.New(slog.NewTextHandler(f.logs, nil)),
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

func (f *fixture) addUsers(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	owner := &govern.User{ID: ownerID, PartnerID: "police", Name: "Olive Owner", Roles: []govern.Role{govern.DataOwner, govern.Analyst}}
	if err := f.gov.Bootstrap(ctx, owner, password); err != nil {
		tb.Fatal(err)
	}
	h, err := govern.HashPasswordWith(password, cheapArgon)
	if err != nil {
		tb.Fatal(err)
	}
	analyst := &govern.User{ID: analystID, PartnerID: "county", Name: "Carl Analyst", Roles: []govern.Role{govern.Analyst},
		PasswordHash: h, CreatedAt: f.clock.Now(), CreatedBy: "test"}
	if err := f.st.CreateUser(ctx, analyst); err != nil {
		tb.Fatal(err)
	}
	if _, f.token, err = f.gov.IssueToken(ctx, owner, "tests", 0); err != nil {
		tb.Fatal(err)
	}
}

// load ingests a testdata file as a new version of incidents.
func (f *fixture) load(tb testing.TB, name string) {
	tb.Helper()
	_, err := ingest.Run(context.Background(), f.st, ingest.Request{DatasetID: "incidents", Path: filepath.Join("testdata", name), User: ownerID})
	if err != nil {
		tb.Fatal(err)
	}
}

// client is a browser-like HTTP client with a cookie jar that does not
// follow redirects.
type client struct {
	tb   testing.TB
	base string
	hc   *http.Client
	csrf string
}

func (f *fixture) client(tb testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{tb: tb, base: f.ts.URL, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn signs in through the form and keeps the session's CSRF token.
func (c *client) signIn(user, pass string) *http.Response {
	c.tb.Helper()
	page := c.do("GET", "/signin", nil, "")
	m := csrfInput.FindStringSubmatch(readBody(c.tb, page))
	if m == nil {
		c.tb.Fatal("sign-in form has no csrf field")
	}
	form := url.Values{"user": {user}, "password": {pass}, "csrf": {m[1]}, "next": {"/"}}
	res := c.do("POST", "/signin", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
	if res.StatusCode == http.StatusSeeOther {
		me := c.do("GET", "/api/me", nil, "")
		var body struct {
			CSRF string `json:"csrf_token"`
		}
		json.Unmarshal([]byte(readBody(c.tb, me)), &body)
		c.csrf = body.CSRF
	}
	return res
}

func (c *client) do(method, path string, body io.Reader, ctype string, hdr ...string) *http.Response {
	c.tb.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.tb.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.tb.Fatal(err)
	}
	c.tb.Cleanup(func() { res.Body.Close() })
	return res
}

func readBody(tb testing.TB, res *http.Response) string {
	tb.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// multipartFile builds an upload body: optional leading fields, then the
// file read from testdata.
func multipartFile(tb testing.TB, name string, fields ...string) (io.Reader, string) {
	tb.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		w.WriteField(fields[i], fields[i+1])
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	fw.Write(b)
	w.Close()
	return &buf, w.FormDataContentType()
}

// errorCode decodes an API error body.
func errorCode(tb testing.TB, res *http.Response) (string, string) {
	tb.Helper()
	var b errorBody
	if err := json.Unmarshal([]byte(readBody(tb, res)), &b); err != nil {
		tb.Fatalf("error body is not JSON: %v", err)
	}
	return b.Error.Code, b.Error.Message
}
