package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
)

// policeOnlyJSON is an agreement to which the county is no party.
const policeOnlyJSON = `{
  "id": "police-only", "title": "Incidents inside the force", "purpose": "domestic-abuse",
  "parties": [{"partner": "police", "owner": true, "recipient": true, "lawful_basis": ["uk-gdpr-6-1-e"]}],
  "datasets": [{"dataset": "incidents", "columns": ["incident_id"]}],
  "outputs": ["aggregate"], "retention_days": 30,
  "start": "2026-03-01", "end": "2027-03-01", "review": "2026-09-01"
}`

// createAgreement drafts an agreement through the API as the fixture's
// token user (olive, the police data owner).
func (f *fixture) createAgreement(tb testing.TB, c *client, body string) {
	tb.Helper()
	res := c.do("POST", "/api/agreements", strings.NewReader(body), "application/json", "Authorization", "Bearer "+f.token)
	if res.StatusCode != http.StatusCreated {
		tb.Fatalf("create agreement: %d %s", res.StatusCode, readBody(tb, res))
	}
	res.Body.Close()
}

// agreementEvents returns the recorded events whose action starts with
// "agreement.".
func (r *recorder) agreementEvents() []govern.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []govern.Event
	for _, e := range r.events {
		if strings.HasPrefix(e.Action, "agreement.") {
			out = append(out, e)
		}
	}
	return out
}

// TestAgreementViewsAudited checks every view of an agreement, page or API,
// one or the list, lands in the audit log once, and a refused view is
// recorded as denied with the reason.
func TestAgreementViewsAudited(t *testing.T) {
	f := newFixture(t)
	api := f.client(t)
	f.createAgreement(t, api, agreementJSON)
	f.createAgreement(t, api, policeOnlyJSON)
	carl := f.client(t)
	carl.signIn(analystID, password)
	bearer := []string{"Authorization", "Bearer " + f.token}

	tests := []struct {
		name    string
		c       *client
		path    string
		hdr     []string
		status  int
		action  string
		target  string
		outcome string
		reason  string // in the event's reason
		body    string // in the response
	}{
		{"page", carl, "/agreements/da-web", nil, http.StatusOK, "agreement.view", "da-web", govern.OutcomeAllowed, "", "Incidents for the county"},
		{"API", carl, "/api/agreements/da-web", nil, http.StatusOK, "agreement.view", "da-web", govern.OutcomeAllowed, "", `"id": "da-web"`},
		{"API with a token", api, "/api/agreements/police-only", bearer, http.StatusOK, "agreement.view", "police-only", govern.OutcomeAllowed, "", `"id": "police-only"`},
		{"list page", carl, "/agreements", nil, http.StatusOK, "agreement.list", "agreements", govern.OutcomeAllowed, "", `data-id="da-web"`},
		{"list API", carl, "/api/agreements", nil, http.StatusOK, "agreement.list", "agreements", govern.OutcomeAllowed, "", `"da-web"`},
		{"page of an agreement the county is no party to", carl, "/agreements/police-only", nil, http.StatusNotFound, "agreement.view", "police-only", govern.OutcomeDenied, `partner "county" is not a party`, "only to users of its parties and to auditors"},
		{"API of an agreement the county is no party to", carl, "/api/agreements/police-only", nil, http.StatusNotFound, "agreement.view", "police-only", govern.OutcomeDenied, `partner "county" is not a party`, "only to users of its parties and to auditors"},
		{"API of no agreement", carl, "/api/agreements/nope", nil, http.StatusNotFound, "agreement.view", "nope", govern.OutcomeDenied, `no agreement "nope"`, "no agreement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.rec.agreementEvents())
			status, body := tt.c.get(tt.path, tt.hdr...)
			if status != tt.status || !strings.Contains(body, tt.body) {
				t.Fatalf("status %d, want %d with %q: %s", status, tt.status, tt.body, body)
			}
			evs := f.rec.agreementEvents()[before:]
			if len(evs) != 1 {
				t.Fatalf("%d agreement events recorded, want 1: %+v", len(evs), evs)
			}
			e := evs[0]
			if e.Action != tt.action || e.Target != tt.target || e.Outcome != tt.outcome || !strings.Contains(e.Reason, tt.reason) {
				t.Errorf("event: got %+v", e)
			}
		})
	}
	if _, body := carl.get("/api/agreements"); strings.Contains(body, "police-only") {
		t.Error("the county analyst's list shows an agreement the county is no party to")
	}
}

// TestAgreementActionRecordedOnce checks an action through the page records
// the action alone, not a view as well.
func TestAgreementActionRecordedOnce(t *testing.T) {
	f := newFixture(t)
	f.createAgreement(t, f.client(t), agreementJSON)
	olive := f.client(t)
	olive.signIn(ownerID, password)
	before := len(f.rec.agreementEvents())
	res := olive.do("POST", "/agreements/da-web/approve", strings.NewReader(url.Values{csrfField: {olive.csrf}}.Encode()), "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", res.StatusCode, readBody(t, res))
	}
	var got []string
	for _, e := range f.rec.agreementEvents()[before:] {
		got = append(got, e.Action+" "+e.Outcome)
	}
	if len(got) != 1 || got[0] != "agreement.approve allowed" {
		t.Errorf("events: got %v, want [agreement.approve allowed]", got)
	}
}

// TestApprovalNote approves with a note through the API and the page form:
// the note comes back in the API, on the page and in the audit event; a
// note too long is refused with 400 and nothing is stored.
func TestApprovalNote(t *testing.T) {
	const note = "DPIA v3 checked: two columns only"
	long := strings.Repeat("n", govern.MaxNoteLength+1)
	f := newFixture(t)
	api := f.client(t)
	olive := f.client(t)
	olive.signIn(ownerID, password)
	bearer := []string{"Authorization", "Bearer " + f.token}
	viaAPI := func(id, note string) *http.Response {
		b, _ := json.Marshal(map[string]string{"note": note})
		return api.do("POST", "/api/agreements/"+id+"/approve", strings.NewReader(string(b)), "application/json", bearer...)
	}
	viaPage := func(id, note string) *http.Response {
		return olive.form("/agreements/"+id+"/approve", url.Values{"note": {note}}, true)
	}
	tests := []struct {
		name    string
		id      string
		approve func(id, note string) *http.Response
		ok      int
	}{
		{"API", "da-web", viaAPI, http.StatusOK},
		{"page", "da-page", viaPage, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.createAgreement(t, api, strings.Replace(agreementJSON, `"da-web"`, `"`+tt.id+`"`, 1))
			before := len(f.rec.find("agreement.approve"))

			res := tt.approve(tt.id, long)
			body := readBody(t, res)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "keep it to 500") {
				t.Errorf("a note too long: %d %s", res.StatusCode, body)
			}
			var a govern.Agreement
			_, shown := api.get("/api/agreements/"+tt.id, bearer...)
			if err := json.Unmarshal([]byte(shown), &a); err != nil || a.Status != govern.Draft || len(a.Approvals) != 0 || len(a.History) != 1 {
				t.Fatalf("after a refused note the agreement is %s (%v)", shown, err)
			}
			if n := len(f.rec.find("agreement.approve")) - before; n != 0 {
				t.Errorf("a refused note recorded %d approvals", n)
			}

			if res := tt.approve(tt.id, note); res.StatusCode != tt.ok {
				t.Fatalf("approve with a note: %d %s", res.StatusCode, readBody(t, res))
			}
			_, shown = api.get("/api/agreements/"+tt.id, bearer...)
			a = govern.Agreement{}
			if err := json.Unmarshal([]byte(shown), &a); err != nil || len(a.Approvals) != 1 || a.Approvals[0].Note != note {
				t.Errorf("the API shows approvals %+v (%v), want one with the note", a.Approvals, err)
			}
			if h := a.History[len(a.History)-1]; h.Note != "approved for police: "+note {
				t.Errorf("the history's note is %q", h.Note)
			}
			_, page := olive.get("/agreements/" + tt.id)
			if !strings.Contains(page, `<td class="approval-note">`+note+`</td>`) || !strings.Contains(page, "<td>approved for police: "+note+"</td>") {
				t.Error("the page lacks the note in the approvals or the history")
			}
			evs := f.rec.find("agreement.approve")
			details, _ := json.Marshal(evs[len(evs)-1].Details)
			var d struct {
				Approval govern.Approval `json:"approval"`
			}
			if err := json.Unmarshal(details, &d); err != nil || d.Approval.Note != note || d.Approval.By != ownerID {
				t.Errorf("the audit event's details lack the note: %s", details)
			}
		})
	}
	// The page offers the note field to approvers, labelled.
	f.createAgreement(t, api, strings.Replace(agreementJSON, `"da-web"`, `"da-form"`, 1))
	_, page := olive.get("/agreements/da-form")
	if !strings.Contains(page, `<label for="note-approve">`) || !has(page, "note-approve") {
		t.Error("the approve form lacks a labelled note")
	}
	// A refused note is offered again with the reason.
	res := viaPage("da-form", long)
	if body := readBody(t, res); !strings.Contains(body, `id="refusal"`) || !strings.Contains(body, ">"+long+"</textarea>") {
		t.Error("the page does not show the refusal with the note typed")
	}
}

func TestOpenAPIAgreementNote(t *testing.T) {
	f := newFixture(t)
	_, body := f.client(t).get("/api/openapi.json")
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	var agreement struct {
		Properties struct {
			Approvals struct {
				Items struct {
					Properties map[string]struct {
						MaxLength int `json:"maxLength"`
					} `json:"properties"`
				} `json:"items"`
			} `json:"approvals"`
		} `json:"properties"`
	}
	json.Unmarshal(doc.Components.Schemas["Agreement"], &agreement)
	if got := agreement.Properties.Approvals.Items.Properties["note"].MaxLength; got != govern.MaxNoteLength {
		t.Errorf("approvals' note: maxLength %d, want %d", got, govern.MaxNoteLength)
	}
	if op := string(doc.Paths["/api/agreements/{id}/{action}"]["post"]); !strings.Contains(op, "#/components/schemas/AgreementChange") {
		t.Errorf("the agreement action does not document its body: %s", op)
	}
}
