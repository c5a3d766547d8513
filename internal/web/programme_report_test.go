package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/output"
	"github.com/civiclink/civiclink/internal/programme"
)

// publicProgramme is GET /api/public/programme.
type publicProgramme struct {
	Projects   []programme.Project
	Report     *programme.PublicReport `json:"report"`
	ReportNote string                  `json:"report_note"`
}

// TestProgrammeReportLifecycle walks the report to the Assembly through
// the output lifecycle over real HTTP: drafted by an analyst, refused to
// its author and to users who are neither its author nor a checker,
// approved by an output checker, released; and attacks it at every stage:
// no figure reaches the public page or API before release (not even once
// checked), a released report cannot be checked or released again, edits
// to the programme and a newer draft leave the released figures as they
// were, and every step is on the audit log.
func TestProgrammeReportLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	p := newProgrammeServer(t)
	public := func(stage string) publicProgramme {
		t.Helper()
		pub := decode[publicProgramme](t, p.call("", "GET", "/api/public/programme", ""))
		page := readBody(t, p.call("", "GET", "/public/programme", ""))
		if pub.Report == nil && (pub.ReportNote != programme.NoReport || !strings.Contains(page, `id="no-report"`) || strings.Contains(page, "released-measures")) {
			t.Errorf("%s: no report released, but the API says %q and the page says no-report=%v", stage, pub.ReportNote, strings.Contains(page, `id="no-report"`))
		}
		if pub.Report != nil && (!strings.Contains(page, `id="released-measures"`) || !strings.Contains(page, fmt.Sprintf(`data-output="%d"`, pub.Report.Output))) {
			t.Errorf("%s: the API has released output %d but the page does not show its figures", stage, pub.Report.Output)
		}
		return pub
	}
	if pub := public("before any draft"); pub.Report != nil {
		t.Fatalf("a report is public before any was drafted: %+v", pub.Report)
	}

	// Who may draft.
	for _, c := range []struct {
		user   string
		status int
	}{{"", http.StatusUnauthorized}, {"voluntary.caseworker", http.StatusForbidden}, {"county.checker", http.StatusForbidden}} {
		res := p.call(c.user, "POST", "/api/programme/assembly/draft", "")
		if body := readBody(t, res); res.StatusCode != c.status {
			t.Errorf("draft as %q: %d %s, want %d", c.user, res.StatusCode, body, c.status)
		}
	}
	draft := func(since string) output.Output {
		t.Helper()
		res := p.call("county.analyst", "POST", "/api/programme/assembly/draft?since="+since, "")
		o := decode[output.Output](t, res)
		if res.StatusCode != http.StatusCreated || o.Kind != output.KindReport || o.Status != output.Draft || o.Series != programme.ReportSeries || len(o.Scopes) == 0 {
			t.Fatalf("draft: %d %+v, want 201 with a draft report output and its scopes", res.StatusCode, o)
		}
		return o
	}
	o := draft("2026-01-01")
	t.Logf("drafted output %d (version %d) reading %d purposes: %v", o.ID, o.Version, len(o.Scopes), o.Datasets)
	path := fmt.Sprintf("/api/outputs/%d", o.ID)

	// Attacks on the draft: figures to nobody but its author and checkers.
	for _, c := range []struct {
		name, user, method, path, body string
		status                         int
		says                           string
	}{
		{"anonymous reads the draft", "", "GET", path, "", http.StatusUnauthorized, ""},
		{"another analyst reads the draft", "fire.analyst", "GET", path, "", http.StatusForbidden, "until it is released"},
		{"another analyst reads the draft page", "fire.analyst", "GET", path[4:] + "/report", "", http.StatusForbidden, "until it is released"},
		{"the author exports the draft", "county.analyst", "GET", path + "/export/json", "", http.StatusForbidden, "only released outputs"},
		{"the author checks it", "county.analyst", "POST", path + "/check", `{"approve": true}`, http.StatusForbidden, "its author cannot check it"},
		{"released before checking", "county.checker", "POST", path + "/release", "", http.StatusConflict, "only a checked output"},
		{"the author reads the draft page", "county.analyst", "GET", path[4:] + "/report", "", http.StatusOK, programme.Draft},
	} {
		res := p.call(c.user, c.method, c.path, c.body)
		if body := readBody(t, res); res.StatusCode != c.status || !strings.Contains(body, c.says) {
			t.Errorf("%s: %s %s as %q: %d %.300s, want %d saying %q", c.name, c.method, c.path, c.user, res.StatusCode, body, c.status, c.says)
		} else {
			t.Logf("attack %q: %d, held", c.name, res.StatusCode)
		}
	}
	if pub := public("draft"); pub.Report != nil {
		t.Fatalf("the draft's figures are public: output %d", pub.Report.Output)
	}

	// The checker sees the figures and the findings of every table.
	view := decode[struct {
		Output   output.Output
		Report   json.RawMessage
		Findings *struct{ Cells, Primary int }
	}](t, p.call("county.checker", "GET", path, ""))
	var drafted programme.Assembly
	if err := json.Unmarshal(view.Report, &drafted); err != nil || len(drafted.Projects) != 8 || len(drafted.Claims) != 6 {
		t.Fatalf("checker's view: %v, %d projects, %d claims; want the whole report", err, len(drafted.Projects), len(drafted.Claims))
	}
	if view.Findings == nil || view.Findings.Cells == 0 {
		t.Errorf("checker's findings = %+v, want every table's automatic checks", view.Findings)
	}
	if res := p.call("county.checker", "POST", path+"/check", `{"approve": true, "note": "no small cells published"}`); res.StatusCode != http.StatusOK {
		t.Fatalf("approve: %d %s", res.StatusCode, readBody(t, res))
	}
	if pub := public("checked, not released"); pub.Report != nil {
		t.Fatalf("a checked but unreleased report is public: output %d", pub.Report.Output)
	}
	if res := p.call("county.analyst", "POST", path+"/release", ""); res.StatusCode != http.StatusOK {
		t.Fatalf("release by its author: %d %s", res.StatusCode, readBody(t, res))
	}

	released := public("released")
	r := released.Report
	if r == nil || r.Output != o.ID || r.Version != 1 || len(r.Claims) != 6 || len(r.Measures) == 0 {
		t.Fatalf("after release the public report = %+v, want output %d version 1 with its measures and 6 claims", r, o.ID)
	}
	periods := 0
	for _, m := range r.Measures {
		if m.Period != "" {
			periods++
		}
	}
	if periods == 0 {
		t.Errorf("no released measure states its period: %+v", r.Measures)
	}
	t.Logf("released: %d measures (%d with a period), %d claims", len(r.Measures), periods, len(r.Claims))
	// The next report's updates run from when the released one was drafted.
	if page, want := readBody(t, p.call("county.analyst", "GET", "/programme", "")), `value="`+r.Generated.Format(time.DateOnly)+`"`; !strings.Contains(page, want) {
		t.Errorf("the next draft's default last Assembly is not the released report's day (%s)", want)
	}

	// Attacks on the released report.
	for _, c := range []struct {
		name, user, method, path, body string
		status                         int
	}{
		{"checked again", "county.checker", "POST", path + "/check", `{"approve": false, "note": "withdraw"}`, http.StatusConflict},
		{"released again", "county.checker", "POST", path + "/release", "", http.StatusConflict},
		{"exported as csv", "fire.analyst", "GET", path + "/export/csv", "", http.StatusBadRequest},
	} {
		if res := p.call(c.user, c.method, c.path, c.body); res.StatusCode != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, res.StatusCode, readBody(t, res), c.status)
		} else {
			t.Logf("attack %q on the released report: %d, held", c.name, res.StatusCode)
		}
	}
	// Everyone signed in reads it, and exports it as JSON, unchanged.
	exp := p.call("fire.analyst", "GET", path+"/export/json", "")
	var exported programme.Assembly
	if err := json.NewDecoder(exp.Body).Decode(&exported); err != nil || exp.StatusCode != http.StatusOK || len(exported.Claims) != 6 {
		t.Errorf("export as json: %d %v", exp.StatusCode, err)
	}
	exp.Body.Close()
	if page := readBody(t, p.call("fire.analyst", "GET", path[4:]+"/report", "")); !strings.Contains(page, "Released on") {
		t.Errorf("the released report's page has no release banner: %.300s", page)
	}

	// Editing the programme, and a newer draft, leave the released figures.
	proj := decode[struct{ Project programme.Project }](t, p.call("county.programme", "GET", "/api/programme/"+r.Measures[0].Project, "")).Project
	proj.Measures = nil
	body, _ := json.Marshal(proj)
	if res := p.call("county.programme", "PUT", "/api/programme/"+proj.ID, string(body)); res.StatusCode != http.StatusOK {
		t.Fatalf("edit project: %d %s", res.StatusCode, readBody(t, res))
	}
	second := draft("2026-06-01")
	if second.Version != 2 {
		t.Errorf("second draft is version %d, want 2", second.Version)
	}
	after := public("after an edit and a newer draft").Report
	a, _ := json.Marshal(after)
	b, _ := json.Marshal(r)
	if string(a) != string(b) {
		t.Errorf("the released figures changed after the programme was edited and a new draft made:\nbefore %.400s\nafter  %.400s", b, a)
	}

	// Every step of the lifecycle is on the audit log.
	entries, err := p.audit.(interface {
		Entries(context.Context, audit.Filter) ([]audit.Entry, error)
	}).Entries(context.Background(), audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.Event.Target == "output:"+programme.ReportSeries+"@1" {
			seen[e.Event.Action+"/"+e.Event.Outcome] = true
		}
	}
	for _, want := range []string{"output.draft/allowed", "output.check/denied", "output.view/denied", "output.approve/allowed", "output.release/allowed", "output.export/allowed"} {
		if !seen[want] {
			t.Errorf("no audit entry %s for the report (have %v)", want, seen)
		}
	}
}
