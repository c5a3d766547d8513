package web

import (
	"net/http"
	"strings"
	"testing"
)

// TestCommunityConsent reads the published directory everywhere it is
// shown or given out without sign-in — the API (list and item), the
// map's points, the service page, the correction form and the three
// open-data exports — and finds the contact without recorded consent
// (the lunch club's organiser) in none of them, while the contact with
// consent (the drop-in's duty worker) is where contacts are shown.
func TestCommunityConsent(t *testing.T) {
	f, _ := communityFixture(t, 0)
	anon := f.client(t)
	const private, privateName, public = "organiser@example.org", "Organiser", "01206 000000"
	for _, c := range []struct {
		path        string
		wantPublic  bool
		contentType string
	}{
		{"/api/community/services?per_page=100", true, "application/json"},
		{"/api/community/services/svc-lunch-club", false, "application/json"},
		{"/api/community/services/svc-drop-in", true, "application/json"},
		{"/api/community/points", false, "application/json"},
		{"/community/services/svc-lunch-club", false, "text/html"},
		{"/community/services/svc-drop-in", true, "text/html"},
		{"/community/suggest?service=svc-lunch-club", false, "text/html"},
		{"/api/community/export/oruk-json", true, "application/json"},
		{"/api/community/export/csv", true, "text/csv"},
		{"/api/community/export/geojson", false, "application/geo+json"},
	} {
		res := anon.do("GET", c.path, nil, "")
		body := readBody(t, res)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), c.contentType) {
			t.Errorf("%s: %d %s, want 200 %s", c.path, res.StatusCode, res.Header.Get("Content-Type"), c.contentType)
			continue
		}
		if strings.Contains(body, private) || strings.Contains(body, privateName) {
			t.Errorf("%s shows the contact without consent", c.path)
		}
		if c.wantPublic && !strings.Contains(body, public) {
			t.Errorf("%s lacks the contact with consent", c.path)
		}
	}
	if code, _ := anon.get("/api/community/export/xml"); code != http.StatusNotFound {
		t.Errorf("an unknown export format: %d, want 404", code)
	}
}
