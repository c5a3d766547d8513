package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

const agreementJSON = `{
  "id": "da-web", "title": "Incidents for the county", "purpose": "domestic-abuse",
  "parties": [
    {"partner": "police", "owner": true, "recipient": true, "lawful_basis": ["uk-gdpr-6-1-e", "cda-1998-s115"]},
    {"partner": "county", "recipient": true, "lawful_basis": ["uk-gdpr-6-1-e"]}
  ],
  "datasets": [{"dataset": "incidents", "columns": ["incident_id", "occurred_on"]}],
  "outputs": ["aggregate"], "threshold": 10, "retention_days": 365,
  "start": "2026-03-01", "end": "2027-03-01", "review": "2026-09-01"
}`

func TestAgreementsAPI(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	bearer := []string{"Authorization", "Bearer " + f.token}
	status := func(res *http.Response) string {
		var a struct {
			Status string `json:"status"`
		}
		json.Unmarshal([]byte(readBody(t, res)), &a)
		return a.Status
	}

	if res := c.do("GET", "/api/agreements", nil, ""); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous list: %d, want 401", res.StatusCode)
	}
	res := c.do("POST", "/api/agreements", strings.NewReader(agreementJSON), "application/json", bearer...)
	if res.StatusCode != http.StatusCreated || status(res) != "draft" {
		t.Fatalf("create: %d", res.StatusCode)
	}
	if res := c.do("POST", "/api/agreements", strings.NewReader(`{"id": "x"`), "application/json", bearer...); res.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed agreement: %d, want 400", res.StatusCode)
	}

	// The county analyst sees it (county is a party) but may not approve it.
	county := f.client(t)
	county.signIn(analystID, password)
	res = county.do("GET", "/api/agreements/da-web", nil, "")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("county analyst show: %d", res.StatusCode)
	}
	res = county.do("POST", "/api/agreements/da-web/approve", strings.NewReader(`{"note": "ok"}`), "application/json", "X-CSRF-Token", county.csrf)
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("approval by a county analyst: %d, want 403", res.StatusCode)
	}
	if res := county.do("POST", "/api/agreements/da-web/approve", strings.NewReader(`{}`), "application/json"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a session call without the CSRF token: %d, want 403", res.StatusCode)
	}

	// The police data owner approves, then a police admin activates.
	for _, step := range []struct{ action, want string }{{"approve", "approved"}, {"activate", "active"}} {
		res = c.do("POST", "/api/agreements/da-web/"+step.action, strings.NewReader(`{"note": "checked"}`), "application/json", bearer...)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", step.action, res.StatusCode, readBody(t, res))
		}
		if got := status(res); got != step.want {
			t.Errorf("after %s the status is %q, want %q", step.action, got, step.want)
		}
	}
	res = c.do("POST", "/api/agreements/da-web/dance", nil, "", bearer...)
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown action: %d, want 400", res.StatusCode)
	}
	if res := c.do("GET", "/api/agreements/nope", nil, "", bearer...); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown agreement: %d, want 404", res.StatusCode)
	}
	res = c.do("GET", "/api/agreements", nil, "", bearer...)
	if !strings.Contains(readBody(t, res), `"da-web"`) {
		t.Error("the list lacks the agreement")
	}
	if len(f.rec.find("agreement.activate")) != 1 {
		t.Error("activation is not in the audit record")
	}
}
