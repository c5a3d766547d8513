package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/demo/demotest"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/programme"
	"github.com/civiclink/civiclink/internal/release"
	"github.com/civiclink/civiclink/internal/store"
)

// programmeServer serves a small demo county with its programme loaded.
type programmeServer struct {
	ts    *httptest.Server
	gov   *govern.Service
	staff map[string]*govern.User
	t     *testing.T
	store *store.Store
	audit audit.Log
}

func newProgrammeServer(t *testing.T) *programmeServer {
	t.Helper()
	c := demotest.New(t, 300, 5)
	gov := govern.NewService(c.Store, govern.AuditRecorder{Log: c.Audit})
	county, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := &insight.Engine{Store: c.Store, Gov: gov, Geo: county, Ledger: c.Store}
	outs := &release.Service{Store: c.Store, Insight: e, Gov: gov, Audit: c.Audit, Clock: clock.System{}}
	prog := &programme.Service{Store: c.Store, Catalog: c.Store, Figures: e, Audit: c.Audit, Areas: county.LADCodes(), Outputs: outs}
	srv, err := New(Config{Catalog: c.Store, Govern: gov, Audit: gov.Audit, Programme: prog, Outputs: outs, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return &programmeServer{ts: ts, gov: gov, staff: c.Summary.Staff, t: t, store: c.Store, audit: c.Audit}
}

// call makes a request as a demo user ("" for nobody) with an API token.
func (p *programmeServer) call(user, method, path, body string) *http.Response {
	p.t.Helper()
	cl := &client{tb: p.t, base: p.ts.URL, hc: p.ts.Client()}
	var hdr []string
	if user != "" {
		_, tok, err := p.gov.IssueToken(context.Background(), p.staff[user], "test", 0)
		if err != nil {
			p.t.Fatal(err)
		}
		hdr = []string{"Authorization", "Bearer " + tok}
	}
	var r io.Reader
	ctype := ""
	if body != "" {
		r, ctype = bytes.NewBufferString(body), "application/json"
	}
	return cl.do(method, path, r, ctype, hdr...)
}

// claimBody is a claim's JSON with one figure of the given computation.
func claimBody(id, computation string) string {
	return `{"id": "` + id + `", "statement": "Deaths fell from 52 to 41.", "figures": [{"label": "deaths", ` + computation + `, "stated": [52, 41], "rounding": 1}]}`
}

// TestProgrammeAPI: every signed-in user reads the programme and the
// claims checked as them; sponsors' partner admins post updates to their
// projects, others are refused with the reason; programme managers edit;
// the public reads the summary without signing in, and no figure.
func TestProgrammeAPI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	p := newProgrammeServer(t)
	list := decode[struct{ Projects []programme.Project }](t, p.call("voluntary.analyst", "GET", "/api/programme", ""))
	if len(list.Projects) != 8 {
		t.Fatalf("%d projects, want the 8 shipped", len(list.Projects))
	}
	claims := decode[struct{ Claims []programme.Result }](t, p.call("county.analyst", "GET", "/api/claims", ""))
	verdicts := map[string]programme.Verdict{}
	for _, c := range claims.Claims {
		verdicts[c.ID] = c.Status
	}
	if len(claims.Claims) != 6 || verdicts["road-deaths"] != programme.Differs || verdicts["road-ksi"] != programme.Differs {
		t.Errorf("claims = %v, want 6 with both road claims differing from DfT's figures", verdicts)
	}
	for _, c := range []struct {
		name, user, method, path, body string
		status                         int
		says                           string
	}{
		{"not a sponsor", "police.admin", "POST", "/api/programme/homelessness/updates", `{"text": "hello"}`, http.StatusForbidden, "does not sponsor"},
		{"sponsor but not admin", "districts.analyst", "POST", "/api/programme/homelessness/updates", `{"text": "hello"}`, http.StatusForbidden, "partner admin"},
		{"unknown status", "districts.admin", "POST", "/api/programme/homelessness/updates", `{"text": "x", "deliverable": "roadmap", "to": "finished"}`, http.StatusBadRequest, "unknown status"},
		{"sponsor admin", "districts.admin", "POST", "/api/programme/homelessness/updates", `{"text": "risk insight shared", "deliverable": "risk-insight", "to": "done"}`, http.StatusCreated, "risk-insight"},
		{"analyst edits", "county.analyst", "PUT", "/api/programme/civic-pride", `{"id": "civic-pride", "title": "x", "sponsors": ["county"], "status": "done"}`, http.StatusForbidden, "programme manager"},
		{"manager, empty title", "county.programme", "PUT", "/api/programme/civic-pride", `{"id": "civic-pride", "title": "", "sponsors": ["county"], "status": "done"}`, http.StatusBadRequest, "title"},
		{"manager edits", "county.programme", "PUT", "/api/programme/civic-pride", `{"id": "civic-pride", "title": "Civic pride", "sponsors": ["county"], "status": "done"}`, http.StatusOK, "Civic pride"},
		{"why not a sponsor", "police.admin", "GET", "/api/programme/homelessness", "", http.StatusOK, "police does not sponsor project homelessness (its sponsors are "},
		{"non-sponsor's page says why", "police.admin", "GET", "/programme/homelessness", "", http.StatusOK, "You cannot post updates to this project: police does not sponsor project homelessness"},
		{"claim by an analyst", "county.analyst", "PUT", "/api/claims/falls", claimBody("falls", `"indicator": "road-ksi", "period": "year"`), http.StatusForbidden, "programme manager"},
		{"claim on an unknown indicator", "county.programme", "PUT", "/api/claims/falls", claimBody("falls", `"indicator": "falls", "period": "year"`), http.StatusBadRequest, "road-deaths-dft"},
		{"claim on an unknown period", "county.programme", "PUT", "/api/claims/falls", claimBody("falls", `"indicator": "road-deaths-dft", "period": "decade"`), http.StatusBadRequest, "year, quarter or month"},
		{"claim on an unknown area", "county.programme", "PUT", "/api/claims/falls", claimBody("falls", `"indicator": "road-deaths-dft", "period": "year", "area": "E99"`), http.StatusBadRequest, "E07000066"},
		{"claim for another path", "county.programme", "PUT", "/api/claims/other", claimBody("falls", `"indicator": "road-deaths-dft", "period": "year"`), http.StatusBadRequest, "not the claim in the path"},
		{"claim saved", "county.programme", "PUT", "/api/claims/falls", claimBody("falls", `"indicator": "road-deaths-dft", "period": "year"`), http.StatusOK, `"updated_by": "county.programme"`},
		{"assembly in the future", "county.analyst", "GET", "/api/programme/assembly?since=2999-01-01", "", http.StatusBadRequest, "out of order"},
		{"public summary", "", "GET", "/api/public/programme", "", http.StatusOK, "Countywide homelessness reduction"},
		{"claims need sign-in", "", "GET", "/api/claims", "", http.StatusUnauthorized, ""},
		{"public page", "", "GET", "/public/programme", "", http.StatusOK, "Countywide homelessness reduction"},
		{"assembly page", "county.analyst", "GET", "/programme/assembly?since=2026-01-01", "", http.StatusOK, "DRAFT for output checking"},
		{"assembly JSON", "county.analyst", "GET", "/api/programme/assembly", "", http.StatusOK, "\"verdict\""},
		{"assembly bad since", "county.analyst", "GET", "/api/programme/assembly?since=yesterday", "", http.StatusBadRequest, "YYYY-MM-DD"},
		{"self-assessment results", "fire.analyst", "GET", "/api/programme/assessments", "", http.StatusOK, `"capacity"`},
		{"assess another partner", "police.admin", "POST", "/api/programme/assessments", `{"partner": "county", "round": "2026-12", "answers": {}}`, http.StatusForbidden, "partner admins"},
		{"assess off the scale", "police.admin", "POST", "/api/programme/assessments", `{"partner": "police", "round": "2026-12", "answers": {"asset-register": 9}}`, http.StatusBadRequest, "answers.asset-register"},
		{"assess", "police.admin", "POST", "/api/programme/assessments", `{"partner": "police", "round": "2027-06", "answers": {"asset-register": 5, "asset-quality": 5, "asset-sharing": 5, "capability-skills": 4, "capability-tools": 4, "capability-governance": 4, "capacity-people": 3, "capacity-leadership": 3, "capacity-partnership": 3}}`, http.StatusCreated, `"2027-06"`},
		{"assessment page", "county.admin", "GET", "/programme/assessment", "", http.StatusOK, "county against the system"},
		{"assembly needs sign-in", "", "GET", "/programme/assembly", "", http.StatusOK, `name="password"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := p.call(c.user, c.method, c.path, c.body)
			body := readBody(t, res)
			if res.StatusCode != c.status || !strings.Contains(body, c.says) {
				t.Errorf("%s %s as %q: %d %s, want %d saying %q", c.method, c.path, c.user, res.StatusCode, body, c.status, c.says)
			}
		})
	}
	detail := decode[struct {
		Project programme.Project
		Updates []programme.Update
	}](t, p.call("fire.analyst", "GET", "/api/programme/homelessness", ""))
	if len(detail.Updates) != 1 || detail.Updates[0].To != programme.Done || detail.Project.Deliverables[1].Status != programme.Done {
		t.Errorf("after the sponsor's update: %+v", detail)
	}
	m := decode[programme.Maturity](t, p.call("fire.analyst", "GET", "/api/programme/assessments", ""))
	if police := m.Partners["police"]; len(police) != 3 || police[2].Round != "2027-06" || police[2].Scores[programme.Assets] != 5 {
		t.Errorf("police's rounds = %+v, want the demo's two and the one just answered", police)
	}
	if len(m.Partners) != 7 || len(m.System) != 3 {
		t.Errorf("%d partners and %d system rounds, want the demo's 7 partners and 3 rounds", len(m.Partners), len(m.System))
	}
	pub := readBody(t, p.call("", "GET", "/api/public/programme", ""))
	if strings.Contains(pub, "evidence") || strings.Contains(pub, "stated") {
		t.Errorf("the public summary carries evidence or figures: %.300s", pub)
	}
}
