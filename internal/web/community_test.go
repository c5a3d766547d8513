package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestCommunityAPI reads the public directory without signing in: pages,
// filters, one service, and what is never shown (contacts without
// consent); bad filters are refused naming the parameter.
func TestCommunityAPI(t *testing.T) {
	f, _ := communityFixture(t, 120)
	c := f.client(t)
	type page struct {
		Total    int  `json:"total_items"`
		Pages    int  `json:"total_pages"`
		Number   int  `json:"page_number"`
		Size     int  `json:"size"`
		Last     bool `json:"last_page"`
		Contents []struct {
			ID     string   `json:"id"`
			Themes []string `json:"themes"`
		} `json:"contents"`
	}
	get := func(path string) page {
		t.Helper()
		code, body := c.get(path)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		var p page
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	all := get("/api/community/services?per_page=50")
	if all.Total != 125 || all.Pages != 3 || len(all.Contents) != 50 || all.Last {
		t.Errorf("first page: total %d pages %d items %d last %v, want 125 services in 3 pages of 50", all.Total, all.Pages, len(all.Contents), all.Last)
	}
	last := get("/api/community/services?per_page=50&page=3")
	if len(last.Contents) != 25 || !last.Last || last.Number != 3 {
		t.Errorf("last page: %d items, last %v", len(last.Contents), last.Last)
	}
	food := get("/api/community/services?theme=food&per_page=200")
	if food.Total == 0 || food.Total >= all.Total {
		t.Errorf("theme=food matched %d of %d", food.Total, all.Total)
	}
	for _, s := range food.Contents {
		if !strings.Contains(strings.Join(s.Themes, ","), "food") {
			t.Errorf("service %s has themes %v, not food", s.ID, s.Themes)
		}
	}
	if p := get("/api/community/services?text=lunch+own&district=E07000070"); p.Total != 1 || p.Contents[0].ID != "svc-lunch-club" {
		t.Errorf("text and district found %+v", p)
	}
	code, body := c.get("/api/community/services/svc-lunch-club")
	if code != http.StatusOK || !strings.Contains(body, `"x_precision": "district"`) || strings.Contains(body, "organiser@example.org") {
		t.Errorf("lunch club: %d %s (want its precision, and no contact without consent)", code, body)
	}
	code, body = c.get("/api/community/services/svc-drop-in")
	if !strings.Contains(body, "01206 000000") {
		t.Errorf("drop-in lacks its consented contact: %s", body)
	}
	for path, want := range map[string]string{
		"/api/community/services/nope":           "no published service",
		"/api/community/services?theme=knitting": "unknown theme",
		"/api/community/services?per_page=1000":  "per_page",
		"/api/community/services?page=x":         `"field": "page"`,
	} {
		code, body := c.get(path)
		if code < 400 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d %s, want a refusal saying %q", path, code, body, want)
		}
	}
	code, body = c.get("/api/community/points?theme=youth")
	if code != http.StatusOK || !strings.Contains(body, `"lat"`) {
		t.Errorf("points: %d %.200s", code, body)
	}
	_, doc := c.get("/api/openapi.json")
	for _, want := range []string{`"/api/community/services/{id}"`, `"name": "per_page"`, `"CommunityServicePage"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("the OpenAPI document lacks %s", want)
		}
	}
	code, body = c.get("/community?theme=food")
	if code != http.StatusOK || !strings.Contains(body, "Community support map") || strings.Contains(body, "Sign out") {
		t.Errorf("public map page: %d", code)
	}
	code, body = c.get("/community/services/svc-drop-in")
	if code != http.StatusOK || !strings.Contains(body, "placed at the centre of its neighbourhood (LSOA)") || !strings.Contains(body, "Tuesday") {
		t.Errorf("service page: %d %s", code, body)
	}
}
