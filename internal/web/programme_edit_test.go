package web

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/programme"
)

// browserSession signs a demo user in through the form on the
// programme server and keeps the session's CSRF token.
func (p *programmeServer) browserSession(user string) *client {
	p.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &client{tb: p.t, base: p.ts.URL, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if res := c.signIn(user, demo.Password); res.StatusCode != http.StatusSeeOther {
		p.t.Fatalf("sign in as %s: %d", user, res.StatusCode)
	}
	return c
}

// TestProgrammeEditForms drives the project and claim edit forms over
// HTTP and attacks them: users without the programme-manager role are
// refused the forms and the posts (and the refusal is audited by the
// service), a post without the CSRF token is refused, a new project
// cannot take an existing id, and a refused post shows every problem
// beside its input with everything typed kept; a good post saves.
func TestProgrammeEditForms(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	p := newProgrammeServer(t)
	analyst := p.browserSession("county.analyst")
	manager := p.browserSession("county.programme")
	good := url.Values{"title": {"Countywide homelessness reduction (revised)"}, "theme": {""}, "status": {"on-track"},
		"summary": {"A roadmap agreed by every council\nInsight on who is most at risk"}, "sponsors": {"districts", "county"},
		"deliverables.count": {"1"}, "deliverables[0].id": {"roadmap"}, "deliverables[0].title": {"A partnership roadmap"},
		"deliverables[0].due": {"2027-03-31"}, "deliverables[0].status": {"on-track"},
		"measures.count": {"1"}, "measures[0].id": {"homeless"}, "measures[0].title": {"Households owed a duty"},
		"measures[0].indicator": {"homelessness-presentations"}, "measures[0].baseline": {"2019"}, "measures[0].target_percent": {"-10"}, "measures[0].direction": {"lower"}}
	with := func(changes map[string]string) url.Values {
		v := url.Values{}
		for k, vs := range good {
			v[k] = append([]string(nil), vs...)
		}
		for k, val := range changes {
			v.Set(k, val)
		}
		return v
	}
	for _, c := range []struct {
		name   string
		cl     *client
		method string
		path   string
		form   url.Values
		csrf   bool
		status int
		says   []string
	}{
		{"analyst opens the form", analyst, "GET", "/programme/homelessness/edit", nil, false, http.StatusForbidden, []string{"only a programme manager"}},
		{"analyst posts the form", analyst, "POST", "/programme/homelessness/edit", with(nil), true, http.StatusForbidden, []string{"only a programme manager"}},
		{"analyst opens the claim form", analyst, "GET", "/claims/new", nil, false, http.StatusForbidden, []string{"only a programme manager"}},
		{"post without the CSRF token", manager, "POST", "/programme/homelessness/edit", with(nil), false, http.StatusForbidden, nil},
		{"new project with a taken id", manager, "POST", "/programme/new", with(map[string]string{"id": "homelessness"}), true, http.StatusBadRequest, []string{"exists already", `aria-invalid="true"`}},
		{"bad fields", manager, "POST", "/programme/homelessness/edit", with(map[string]string{"title": "", "deliverables[0].due": "31/03/2027",
			"measures[0].baseline": "2018-Q7", "measures[0].target_percent": "ten", "deliverables.count": "2", "deliverables[1].id": "share", "deliverables[1].title": "Roadmap shared"}),
			true, http.StatusBadRequest, []string{`id="f-title-error"`, "give the project a title", `id="f-measures-0-target_percent-error"`, "as a number", `value="ten"`, `value="Roadmap shared"`, `value="31/03/2027"`}},
		{"bad dates and baseline", manager, "POST", "/programme/homelessness/edit", with(map[string]string{"deliverables[0].due": "31/03/2027",
			"measures[0].baseline": "2018-Q7", "deliverables.count": "2", "deliverables[1].id": "share", "deliverables[1].title": "Roadmap shared"}),
			true, http.StatusBadRequest, []string{`id="f-deliverables-0-due-error"`, `id="f-deliverables-1-due-error"`, `id="f-measures-0-baseline-error"`, `value="Roadmap shared"`, "Nothing was saved"}},
		{"removed row keeps its errors in place", manager, "POST", "/programme/homelessness/edit", with(map[string]string{"deliverables.count": "3",
			"deliverables[0].remove": "1", "deliverables[1].id": "Bad Id", "deliverables[1].title": "x", "deliverables[1].due": "2027-01-01", "deliverables[1].status": "done",
			"deliverables[2].id": "ok", "deliverables[2].title": "y", "deliverables[2].due": "2027-13-01", "deliverables[2].status": "done"}),
			true, http.StatusBadRequest, []string{`id="f-deliverables-1-id-error"`, `id="f-deliverables-2-due-error"`}},
		{"manager saves", manager, "POST", "/programme/homelessness/edit", with(nil), true, http.StatusSeeOther, nil},
		{"claim with no computation", manager, "POST", "/claims/new", url.Values{"id": {"specials"}, "statement": {"Sixty specials serve."}, "figures.count": {"1"},
			"figures[0].label": {"specials"}, "figures[0].stated": {"60"}, "figures[0].rounding": {"1"}}, true, http.StatusBadRequest,
			[]string{`id="f-figures-0-indicator-error"`, "give an indicator or a dataset", `>Sixty specials serve.</textarea>`}},
		{"claim with an unknown indicator", manager, "POST", "/claims/road-deaths/edit", url.Values{"statement": {"Deaths fell."}, "figures.count": {"1"},
			"figures[0].label": {"deaths"}, "figures[0].indicator": {"road-deaths-nope"}, "figures[0].period": {"year"}, "figures[0].stated": {"52, 41"}, "figures[0].rounding": {"1"}},
			true, http.StatusBadRequest, []string{"no indicator", "road-deaths-dft", "road-deaths-nope (unknown)"}},
		{"claim saved", manager, "POST", "/claims/new", url.Values{"id": {"specials"}, "statement": {"Sixty specials serve."}, "figures.count": {"1"},
			"figures[0].label": {"specials"}, "figures[0].dataset": {"supported_policing"}, "figures[0].measure": {"count"}, "figures[0].purpose": {"violence-and-vulnerability"},
			"figures[0].stated": {"60"}, "figures[0].rounding": {"1"}}, true, http.StatusSeeOther, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			var res *http.Response
			if c.method == "GET" {
				res = c.cl.do("GET", c.path, nil, "")
			} else {
				res = c.cl.form(c.path, c.form, c.csrf)
			}
			body := readBody(t, res)
			if res.StatusCode != c.status {
				t.Fatalf("%s %s: %d, want %d: %.400s", c.method, c.path, res.StatusCode, c.status, body)
			}
			for _, s := range c.says {
				if !strings.Contains(body, s) {
					t.Errorf("%s %s: the page lacks %q", c.method, c.path, s)
				}
			}
		})
	}
	saved := decode[struct{ Project programme.Project }](t, p.call("county.analyst", "GET", "/api/programme/homelessness", "")).Project
	if saved.Title != "Countywide homelessness reduction (revised)" || len(saved.Deliverables) != 1 || len(saved.Summary) != 2 || saved.Measures[0].Target != -10 || saved.UpdatedBy != "county.programme" {
		t.Errorf("saved project = %+v", saved)
	}
	claims := decode[struct{ Claims []programme.Result }](t, p.call("county.analyst", "GET", "/api/claims", ""))
	found := false
	for _, c := range claims.Claims {
		found = found || c.ID == "specials"
	}
	if !found || len(claims.Claims) != 7 {
		t.Errorf("%d claims, specials saved %v; want the 6 shipped and the new one", len(claims.Claims), found)
	}
}
