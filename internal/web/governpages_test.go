package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// agreementForm is a complete draft-agreement form: police share two
// columns of incidents with the county.
func agreementFormValues(id string) url.Values {
	return url.Values{
		"id": {id}, "title": {"Incidents for the county"}, "purpose": {"domestic-abuse"},
		"columns.incidents": {"incident_id", "district"}, "recipient": {"county"},
		"basis.police": {"uk-gdpr-6-1-e", "cda-1998-s115"}, "basis.county": {"uk-gdpr-6-1-e"},
		"outputs": {"aggregate"}, "threshold": {"10"}, "retention_days": {"365"},
		"start": {"2026-03-01"}, "end": {"2027-03-01"}, "review": {"2026-09-01"},
	}
}

func TestAgreementPages(t *testing.T) {
	g := newGovernFixture(t)
	admin, owner, analyst := g.as(t, adminID), g.as(t, ownerID), g.as(t, analystID)

	noBasis := agreementFormValues("da-bad")
	noBasis.Del("basis.county")
	tests := []struct {
		name   string
		c      *client
		path   string
		form   url.Values
		csrf   bool
		status int
		want   string // in the body (or the Location for a redirect)
	}{
		{"analyst cannot open the form", analyst, "GET /agreements/new", nil, true, http.StatusForbidden, "partner-admin or data-owner role"},
		{"analyst cannot draft", analyst, "/agreements", agreementFormValues("da-x"), true, http.StatusForbidden, "cannot draft"},
		{"no CSRF token", admin, "/agreements", agreementFormValues("da-form"), false, http.StatusForbidden, "CSRF token"},
		{"missing lawful basis", admin, "/agreements", noBasis, true, http.StatusBadRequest, "lawful basis"},
		{"admin drafts", admin, "/agreements", agreementFormValues("da-form"), true, http.StatusSeeOther, "/agreements/da-form"},
		{"same id again", admin, "/agreements", agreementFormValues("da-form"), true, http.StatusConflict, "da-form"},
		{"analyst may not approve", analyst, "/agreements/da-form/approve", url.Values{"note": {"fine"}}, true, http.StatusForbidden, "only a data owner"},
		{"approve without CSRF", owner, "/agreements/da-form/approve", nil, false, http.StatusForbidden, "CSRF token"},
		{"owner approves", owner, "/agreements/da-form/approve", url.Values{"note": {"checked"}}, true, http.StatusSeeOther, "/agreements/da-form"},
		{"approving twice", owner, "/agreements/da-form/approve", nil, true, http.StatusConflict, "cannot approve"},
		{"unknown action", owner, "/agreements/da-form/dance", nil, true, http.StatusBadRequest, "unknown agreement action"},
		{"admin activates", admin, "/agreements/da-form/activate", url.Values{"note": {"go"}}, true, http.StatusSeeOther, "/agreements/da-form"},
		{"unknown agreement", owner, "GET /agreements/nope", nil, true, http.StatusNotFound, "no agreement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res *http.Response
			if path, ok := strings.CutPrefix(tt.path, "GET "); ok {
				res = tt.c.do("GET", path, nil, "")
			} else {
				res = tt.c.form(tt.path, tt.form, tt.csrf)
			}
			body := readBody(t, res)
			if res.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d: %s", res.StatusCode, tt.status, body)
			}
			if got := res.Header.Get("Location") + body; !strings.Contains(got, tt.want) {
				t.Errorf("response lacks %q", tt.want)
			}
		})
	}

	// The page shows who approved, when, and the history; buttons follow roles.
	status, body := owner.get("/agreements/da-form")
	if status != http.StatusOK || !strings.Contains(body, `<td class="approver">olive</td>`) {
		t.Fatalf("agreement page %d lacks olive's approval", status)
	}
	if !strings.Contains(body, `id="agreement-status">active<`) || !strings.Contains(body, "approved for police") || !strings.Contains(body, "<td>go</td>") {
		t.Error("agreement page lacks the status, the approval or the activation note")
	}
	if !has(body, "action-suspend") || has(body, "action-approve") {
		t.Error("the police admin and owner should be offered suspend, not approve")
	}
	if _, body := analyst.get("/agreements/da-form"); has(body, "action-suspend") || !strings.Contains(body, "cannot") {
		t.Error("the county analyst is offered an action, or not told why not")
	}
	if _, body := analyst.get("/agreements"); !strings.Contains(body, `data-id="da-form"`) || strings.Contains(body, `href="/agreements/new"`) {
		t.Error("the list lacks the agreement, or offers the analyst the draft form")
	}
	if _, body := admin.get("/agreements/new"); !has(body, "agreement-form") || !has(body, "basis-police") {
		t.Error("the draft form lacks its fields")
	}
	if acts := g.actions(t, "denied"); !slices.Contains(acts, "agreement.approve") {
		t.Errorf("the refused approval is not in the audit log: %v", acts)
	}
}

func TestOutputPages(t *testing.T) {
	g := newGovernFixture(t)
	o := g.draft(t)
	owner, checker, analyst := g.as(t, ownerID), g.as(t, checkerID), g.as(t, analystID)
	bearer := []string{"Authorization", "Bearer " + g.token}
	page := fmt.Sprintf("/outputs/%d", o.ID)

	// Before checking: who sees what.
	if status, body := analyst.get(page); status != http.StatusForbidden || !has(body, "figures-error") || has(body, "figures") {
		t.Errorf("an analyst of another partner sees a draft's figures (status %d)", status)
	}
	status, body := owner.get(page)
	if status != http.StatusOK || !has(body, "figures") || has(body, "findings") || has(body, "check-form") {
		t.Errorf("the author: status %d, want figures without findings or the check form", status)
	}
	if !strings.Contains(body, `<td class="num supp">[c]</td>`) {
		t.Error("the author's figures show no suppressed cell as [c]")
	}
	status, body = checker.get(page)
	if status != http.StatusOK || !has(body, "findings") || !has(body, "check-form") || has(body, "release-form") {
		t.Fatalf("the checker: status %d, want figures, findings and the check form", status)
	}

	steps := []struct {
		name   string
		c      *client
		method string
		path   string
		form   url.Values
		csrf   bool
		status int
		want   string
	}{
		{"export before release", analyst, "GET", page + "/export/csv", nil, true, http.StatusForbidden, "only released outputs"},
		{"the author cannot check", owner, "POST", page + "/check", url.Values{"decision": {"approve"}}, true, http.StatusForbidden, "its author cannot check it"},
		{"no decision", checker, "POST", page + "/check", nil, true, http.StatusBadRequest, "choose approve or reject"},
		{"check without CSRF", checker, "POST", page + "/check", url.Values{"decision": {"approve"}}, false, http.StatusForbidden, "CSRF token"},
		{"release before the check", checker, "POST", page + "/release", nil, true, http.StatusConflict, "only a checked output"},
		{"the checker approves", checker, "POST", page + "/check", url.Values{"decision": {"approve"}, "note": {"no residual risk"}}, true, http.StatusSeeOther, page},
		{"an analyst cannot release", analyst, "POST", page + "/release", nil, true, http.StatusForbidden, "only its author or an output checker"},
		{"release without CSRF", checker, "POST", page + "/release", nil, false, http.StatusForbidden, "CSRF token"},
		{"the checker releases", checker, "POST", page + "/release", nil, true, http.StatusSeeOther, page},
		{"anyone downloads CSV", analyst, "GET", page + "/export/csv", nil, true, http.StatusOK, "[c]"},
		{"unknown format", analyst, "GET", page + "/export/xml", nil, true, http.StatusBadRequest, "unknown export format"},
		{"no such output", analyst, "GET", "/outputs/999", nil, true, http.StatusNotFound, "no output 999"},
		{"unknown indicator", owner, "POST", "/outputs", url.Values{"indicator": {"nope"}, "by": {"district"}}, true, http.StatusNotFound, "nope"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var res *http.Response
			if s.method == "GET" {
				res = s.c.do("GET", s.path, nil, "")
			} else {
				res = s.c.form(s.path, s.form, s.csrf)
			}
			body := readBody(t, res)
			if res.StatusCode != s.status {
				t.Fatalf("status = %d, want %d: %.300s", res.StatusCode, s.status, body)
			}
			if got := res.Header.Get("Location") + body; !strings.Contains(got, s.want) {
				t.Errorf("response lacks %q", s.want)
			}
		})
	}

	if _, body := analyst.get(page); !strings.Contains(body, `id="released-by">chris<`) || !has(body, "exports") || has(body, "findings") {
		t.Error("the released output's page lacks who released it or the downloads, or shows findings")
	}
	if _, body := analyst.get("/outputs"); !has(body, "outputs-released") || !strings.Contains(body, fmt.Sprintf(`data-id="%d"`, o.ID)) {
		t.Error("the list lacks the released output")
	}
	for _, a := range []string{"output.view", "output.approve", "output.release", "output.export"} {
		if !slices.Contains(g.actions(t, "allowed"), a) {
			t.Errorf("%s is not in the audit log", a)
		}
	}
	if !slices.Contains(g.actions(t, "denied"), "output.view") {
		t.Error("the refused view is not in the audit log")
	}
	testOutputAPI(t, g, o.ID, bearer)
}

// testOutputAPI reads the released output through the JSON API.
func testOutputAPI(t *testing.T, g *governFixture, id int64, bearer []string) {
	c := g.client(t)
	status, body := c.get("/api/outputs", bearer...)
	if status != http.StatusOK || !strings.Contains(body, `"status": "released"`) {
		t.Errorf("GET /api/outputs: %d", status)
	}
	status, body = c.get(fmt.Sprintf("/api/outputs/%d", id), bearer...)
	var v struct {
		Output struct{ Status string }
		Table  struct {
			Cells []struct{ Values map[string]any }
		}
		Findings json.RawMessage
		Exports  []string
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || status != http.StatusOK {
		t.Fatalf("GET /api/outputs/%d: %d %v", id, status, err)
	}
	suppressed := 0
	for _, cell := range v.Table.Cells {
		if cell.Values["count"] == "[c]" {
			suppressed++
		}
	}
	if suppressed == 0 || len(v.Exports) != 3 || v.Findings != nil {
		t.Errorf("API view: %d suppressed cells, exports %v, findings %s; want [c] cells, 3 exports, no findings", suppressed, v.Exports, v.Findings)
	}
	status, body = c.get(fmt.Sprintf("/api/outputs/%d/export/geojson", id), bearer...)
	var fc struct{ Features []json.RawMessage }
	if json.Unmarshal([]byte(body), &fc); status != http.StatusOK || len(fc.Features) != 14 {
		t.Errorf("GeoJSON export: %d, %d features, want 14", status, len(fc.Features))
	}
	res := c.do("POST", fmt.Sprintf("/api/outputs/%d/check", id), strings.NewReader(`{"approve": true}`), "application/json", bearer...)
	if res.StatusCode != http.StatusConflict {
		t.Errorf("checking a released output: %d, want 409", res.StatusCode)
	}
	res = c.do("POST", "/api/outputs/1/check", strings.NewReader(`{}`), "application/json", bearer...)
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("a check without a decision: %d, want 400", res.StatusCode)
	}
}

func TestAuditPages(t *testing.T) {
	g := newGovernFixture(t)
	g.draft(t) // olive reads police incidents: a use of police data
	owner, analyst, auditor := g.as(t, ownerID), g.as(t, analystID), g.as(t, auditorID)
	type useRow struct {
		User, Action, Operation, Outcome string
		Datasets                         []string
		Cells                            *int64
	}
	type uses struct {
		Partner string
		Total   int `json:"count"` // uses on the page (at most 50)
		Uses    []useRow
	}
	tests := []struct {
		name    string
		c       *client
		path    string
		status  int
		partner string
		min     int // at least this many uses
		max     int // at most (-1: any)
	}{
		{"owner: own partner", owner, "/api/audit/uses", http.StatusOK, "police", 1, -1},
		{"owner: by dataset", owner, "/api/audit/uses?dataset=incidents", http.StatusOK, "police", 1, -1},
		{"owner: other dataset", owner, "/api/audit/uses?dataset=nope", http.StatusOK, "police", 0, 0},
		{"owner: dates before", owner, "/api/audit/uses?until=2026-03-01", http.StatusOK, "police", 0, 0},
		{"owner: dates around", owner, "/api/audit/uses?since=2026-03-02&until=2026-03-02", http.StatusOK, "police", 1, -1},
		{"owner: bad date", owner, "/api/audit/uses?since=yesterday", http.StatusBadRequest, "", 0, 0},
		{"owner: another partner", owner, "/api/audit/uses?partner=county", http.StatusForbidden, "", 0, 0},
		{"analyst", analyst, "/api/audit/uses", http.StatusForbidden, "", 0, 0},
		{"auditor: every partner", auditor, "/api/audit/uses", http.StatusOK, "", 1, -1},
		{"auditor: county", auditor, "/api/audit/uses?partner=county", http.StatusOK, "county", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := tt.c.get(tt.path)
			if status != tt.status {
				t.Fatalf("status = %d, want %d: %s", status, tt.status, body)
			}
			if status != http.StatusOK {
				return
			}
			var u uses
			if err := json.Unmarshal([]byte(body), &u); err != nil {
				t.Fatal(err)
			}
			if u.Partner != tt.partner || u.Total < tt.min || (tt.max >= 0 && u.Total > tt.max) || u.Total != len(u.Uses) {
				t.Fatalf("partner %q, %d uses (%d listed), want %q and %d..%d", u.Partner, u.Total, len(u.Uses), tt.partner, tt.min, tt.max)
			}
			for _, use := range u.Uses {
				if use.User == "" || len(use.Datasets) == 0 || use.Outcome == "" {
					t.Errorf("use %+v lacks who, data or outcome", use)
				}
			}
		})
	}

	var drafted uses
	_, body := owner.get("/api/audit/uses?dataset=incidents")
	json.Unmarshal([]byte(body), &drafted)
	i := slices.IndexFunc(drafted.Uses, func(u useRow) bool { return u.Action == "output.draft" })
	if i < 0 || drafted.Uses[i].Cells == nil || *drafted.Uses[i].Cells != 15 {
		t.Errorf("the draft's use does not count its 15 cells (14 districts and the total): %+v", drafted.Uses)
	}

	status, body := owner.get("/audit?dataset=incidents")
	if status != http.StatusOK || !has(body, "uses") || !has(body, "verified") {
		t.Fatalf("the audit page: status %d, want the uses and the verification", status)
	}
	var v Verification
	status, body = owner.get("/api/audit/verification?wait=true")
	if json.Unmarshal([]byte(body), &v); status != http.StatusOK || !v.Verified || !v.Trusted || v.Entries == 0 {
		t.Errorf("verification: %d %+v, want verified against the signing key", status, v)
	}
	if _, body := owner.get("/audit"); !strings.Contains(body, `data-verified="true"`) {
		t.Error("after a verification the page does not show the log verified")
	}
	if status, _ := analyst.get("/audit"); status != http.StatusForbidden {
		t.Errorf("the audit page for an analyst: %d, want 403", status)
	}
	if res := owner.form("/audit/verify", nil, false); res.StatusCode != http.StatusForbidden {
		t.Errorf("verify without CSRF: %d, want 403", res.StatusCode)
	}
	if res := owner.form("/audit/verify", nil, true); res.StatusCode != http.StatusSeeOther {
		t.Errorf("verify: %d, want 303", res.StatusCode)
	}
	before := v.Entries
	status, body = auditor.get("/api/audit/verification")
	if json.Unmarshal([]byte(body), &v); status != http.StatusOK || !v.Verified || v.Entries <= before {
		t.Errorf("verification after verifying again: %d %+v, want more than %d entries", status, v, before)
	}
	res := analyst.do("POST", "/api/audit/verify", nil, "", "X-CSRF-Token", analyst.csrf)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("verify by an analyst: %d, want 403", res.StatusCode)
	}
	acts := g.actions(t, "allowed")
	if !slices.Contains(acts, "audit.uses") || !slices.Contains(acts, "audit.verify") {
		t.Error("reading the uses or verifying is not in the audit log")
	}
	if !slices.Contains(g.actions(t, "denied"), "audit.uses") {
		t.Error("the refused read of uses is not in the audit log")
	}
}

// TestGovernSchemas checks that every schema the document refers to is in
// its components (the output and audit schemas are added from this room).
func TestGovernSchemas(t *testing.T) {
	g := newGovernFixture(t)
	_, body := g.client(t).get("/api/openapi.json")
	var doc struct {
		Components struct{ Schemas map[string]json.RawMessage }
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(body, -1)
	for _, want := range []string{"OutputList", "OutputView", "Uses", "Verification"} {
		refs = append(refs, []string{"", want})
	}
	for _, r := range refs {
		if _, ok := doc.Components.Schemas[r[1]]; !ok {
			t.Errorf("schema %s is referred to but not defined", r[1])
		}
	}
}
