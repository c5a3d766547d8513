package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestOneDecisionPerView: a view of a figure through the API is decided
// once, by insight (one insight.* access entry on the audit log), and a
// cached view again records one entry for the view and none for a
// recomputation; nothing is decided under a web operation.
func TestOneDecisionPerView(t *testing.T) {
	f := newFixture(t)
	f.load(t, "incidents.csv")
	owner := f.client(t)
	owner.signIn(ownerID, password)
	for _, path := range []string{"/api/indicators/records-incidents", "/api/indicators/records-incidents?purpose=violence-and-vulnerability"} {
		t.Run(path, func(t *testing.T) {
			for view, name := range []string{"first view", "cached view"} {
				before := len(f.rec.find("access"))
				res := owner.do("GET", path, nil, "")
				if body := readBody(t, res); res.StatusCode != http.StatusOK {
					t.Fatalf("%s: status %d: %s", name, res.StatusCode, body)
				}
				got := f.rec.find("access")[before:]
				if len(got) != 1 {
					t.Fatalf("%s (%d): %d access entries, want exactly 1: %+v", name, view, len(got), got)
				}
				if e := got[0]; !strings.HasPrefix(e.Target, "insight.") || e.Outcome != "allowed" {
					t.Errorf("%s: access entry for %q (%s), want one allowed insight.* decision", name, e.Target, e.Outcome)
				}
			}
		})
	}
}
