package web

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/output"
	"github.com/civiclink/civiclink/internal/release"
	"github.com/civiclink/civiclink/internal/store"
)

// The governance fixture's extra people.
const (
	checkerID = "chris" // police: output checker
	auditorID = "ada"   // county: auditor
	adminID   = "pam"   // county: partner admin
)

// governFixture is the web fixture with the output lifecycle and the
// store's real signed audit log: governance and the server record to both
// the log and the fixture's recorder.
type governFixture struct {
	*fixture
	log     *store.Audit
	outputs *release.Service
}

// both records to the fixture's recorder and the real audit log.
type both struct {
	rec *recorder
	log govern.Recorder
}

func (b both) Record(ctx context.Context, e govern.Event) error {
	if err := b.rec.Record(ctx, e); err != nil {
		return err
	}
	return b.log.Record(ctx, e)
}

func newGovernFixture(tb testing.TB) *governFixture {
	tb.Helper()
	f := newFixture(tb)
	ctx := context.Background()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	log, err := f.st.AuditLog(ctx, key)
	if err != nil {
		tb.Fatal(err)
	}
	rec := both{rec: f.rec, log: govern.AuditRecorder{Log: log}}
	f.gov.Audit = rec
	c, _ := loadGeo(tb)
	engine := &insight.Engine{Store: f.st, Gov: f.gov, Geo: c, Ledger: f.st, Auditor: disclose.NewAuditor()}
	g := &governFixture{fixture: f, log: log,
		outputs: &release.Service{Store: f.st, Insight: engine, Gov: f.gov, Audit: log, Clock: f.clock}}
	cfg := f.srv.cfg
	cfg.Audit, cfg.Outputs, cfg.AuditLog = rec, g.outputs, log
	cfg.AuditKeys = []ed25519.PublicKey{key.Public().(ed25519.PublicKey)}
	f.ts.Close() // newFixture's cleanup closes the replacements
	f.srv.Close()
	if f.srv, err = New(cfg); err != nil {
		tb.Fatal(err)
	}
	f.ts = httptest.NewServer(f.srv)
	for _, u := range []*govern.User{
		{ID: checkerID, PartnerID: "police", Name: "Chris Checker", Roles: []govern.Role{govern.OutputChecker}},
		{ID: auditorID, PartnerID: "county", Name: "Ada Auditor", Roles: []govern.Role{govern.Auditor}},
		{ID: adminID, PartnerID: "county", Name: "Pam Admin", Roles: []govern.Role{govern.PartnerAdmin}},
	} {
		g.addUser(tb, u)
	}
	return g
}

// addUser stores a user with the fixture's password.
func (g *governFixture) addUser(tb testing.TB, u *govern.User) {
	tb.Helper()
	h, err := govern.HashPasswordWith(password, cheapArgon)
	if err != nil {
		tb.Fatal(err)
	}
	u.PasswordHash, u.CreatedAt, u.CreatedBy = h, g.clock.Now(), "test"
	if err := g.st.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
}

// as returns a signed-in client.
func (g *governFixture) as(tb testing.TB, user string) *client {
	tb.Helper()
	c := g.client(tb)
	if res := c.signIn(user, password); res.StatusCode != http.StatusSeeOther {
		tb.Fatalf("sign in as %s: %d", user, res.StatusCode)
	}
	return c
}

// incidentsIndicator counts the fixture's incidents by district.
var incidentsIndicator = &insight.Indicator{Name: "incidents-by-district", Title: "Incidents by district",
	Theme: "test", Purpose: "domestic-abuse", Dataset: "incidents"}

// draft loads the incidents and drafts an output of them as olive.
func (g *governFixture) draft(tb testing.TB) *output.Output {
	tb.Helper()
	g.load(tb, "incidents.csv")
	owner, err := g.gov.Actor(context.Background(), ownerID)
	if err != nil {
		tb.Fatal(err)
	}
	o, err := g.outputs.Draft(context.Background(), owner, incidentsIndicator, []string{"district"})
	if err != nil {
		tb.Fatal(err)
	}
	return o
}

// actions returns the actions in the real audit log, in order.
func (g *governFixture) actions(tb testing.TB, outcome string) []string {
	tb.Helper()
	es, err := g.log.Entries(context.Background(), audit.Filter{Outcome: outcome})
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Event.Action)
	}
	return out
}

// form posts a form with the client's CSRF token (unless csrf is false).
func (c *client) form(path string, v url.Values, csrf bool) *http.Response {
	c.tb.Helper()
	if v == nil {
		v = url.Values{}
	}
	if csrf {
		v.Set(csrfField, c.csrf)
	}
	return c.do("POST", path, strings.NewReader(v.Encode()), "application/x-www-form-urlencoded")
}

// get fetches a page or API path and returns its status and body.
func (c *client) get(path string, hdr ...string) (int, string) {
	c.tb.Helper()
	res := c.do("GET", path, nil, "", hdr...)
	return res.StatusCode, readBody(c.tb, res)
}

// has reports whether the page has an element with the id.
func has(body, id string) bool {
	return regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"`).MatchString(body)
}
