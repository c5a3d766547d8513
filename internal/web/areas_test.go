package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/publish"
)

// TestAreaRoutes checks the LSOA drill-down's routes over the demo county:
// status for a signed-in analyst, 401 without a session, 403 with the
// reason where governance refuses, 400 for what cannot be drilled, 404 for
// an unknown indicator.
func TestAreaRoutes(t *testing.T) {
	f := newThemeFixture(t)
	anon := f.client(t, "")
	analyst := f.client(t, themeAnalyst)
	auditor := f.client(t, themeAuditor)
	const ae = "/api/indicators/ind:avoidable-ae-attendances/areas?district=E07000066&level=lsoa"
	getCases(t, []getCase{
		{"areas without a session", anon, ae, 401, []string{`"unauthorized"`}},
		{"boundaries without a session", anon, "/api/boundaries/lsoa?district=E07000066", 401, []string{`"unauthorized"`}},
		{"areas", analyst, ae, 200, []string{`"level": "lsoa"`, `"district_name": "Basildon"`, `"Basildon 001A"`, "no rates per 1,000"}},
		{"areas, level defaults to lsoa", analyst, "/api/indicators/ind:avoidable-ae-attendances/areas?district=E07000070", 200, []string{`"Chelmsford 001A"`}},
		{"areas refused to an auditor", auditor, ae, 403, []string{`"forbidden"`, themeAuditor}},
		{"a dataset placed by district only", analyst, "/api/indicators/ind:s136-detentions/areas?district=E07000066", 400, []string{"no LSOA column; districts only"}},
		{"a cohort", analyst, "/api/indicators/ind:known-to-three-agencies/areas?district=E07000066", 400, []string{"no LSOA column; districts only"}},
		{"unknown district", analyst, "/api/indicators/ind:avoidable-ae-attendances/areas?district=E99999999", 400, []string{"E99999999"}},
		{"no district", analyst, "/api/indicators/ind:avoidable-ae-attendances/areas", 400, []string{"district"}},
		{"wards", analyst, "/api/indicators/ind:avoidable-ae-attendances/areas?district=E07000066&level=ward", 400, []string{"only lsoa"}},
		{"unknown indicator", analyst, "/api/indicators/ind:nope/areas?district=E07000066", 404, []string{"no indicator"}},
		{"boundaries", analyst, "/api/boundaries/lsoa?district=E07000066", 200, []string{`"FeatureCollection"`, `"Basildon 001A"`}},
		{"boundaries of an unknown district", analyst, "/api/boundaries/lsoa?district=Basildon", 400, []string{"Basildon"}},
	})
}

// TestAreasAreDisclosureControlledAndAudited checks that a district's LSOA
// table holds exactly its LSOAs, shows suppressed counts as [c] (never 0,
// never with a value), and that every view, cached or not, asks govern
// with the indicator's purpose.
func TestAreasAreDisclosureControlledAndAudited(t *testing.T) {
	f := newThemeFixture(t)
	c, _ := loadGeo(t)
	analyst := f.client(t, themeAnalyst)
	const path = "/api/indicators/ind:avoidable-ae-attendances/areas?district=E07000066"
	before := len(f.rec.find("access"))
	var tab publish.AreaTable
	var perView []int
	for range 2 { // the second view comes from the cache
		res := analyst.do("GET", path, nil, "")
		if err := json.Unmarshal([]byte(readBody(t, res)), &tab); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %v", res.StatusCode, err)
		}
		perView = append(perView, len(f.rec.find("access")))
	}
	events := f.rec.find("access")[before:]
	if perView[0] == before || perView[1] == perView[0] {
		t.Fatalf("access events after each view: %d, %d (from %d), want each view decided and recorded", perView[0], perView[1], before)
	}
	for _, e := range events {
		if e.User != themeAnalyst || e.Purpose != "avoidable-emergency-care" {
			t.Errorf("access event %+v, want by %s for avoidable-emergency-care", e, themeAnalyst)
		}
	}
	lsoas := c.LSOAsIn("E07000066")
	if len(tab.Values) != len(lsoas) {
		t.Fatalf("%d areas, want Basildon's %d LSOAs", len(tab.Values), len(lsoas))
	}
	suppressed, shown := 0, 0
	for i, v := range tab.Values {
		if v.Code != lsoas[i].Code || v.Name != lsoas[i].Name {
			t.Errorf("area %d is %s %q, want %s %q", i, v.Code, v.Name, lsoas[i].Code, lsoas[i].Name)
		}
		switch {
		case v.Suppressed:
			suppressed++
			if v.Count != disclose.Confidential || v.Display != disclose.Confidential || v.Value != nil {
				t.Errorf("%s: suppressed but shows %q / %q / %v", v.Code, v.Count, v.Display, v.Value)
			}
		case v.Value == nil || v.Count == disclose.Confidential:
			t.Errorf("%s: published without a value: %+v", v.Code, v)
		default:
			shown++
		}
	}
	t.Logf("Basildon: %d LSOAs, %d suppressed, %d shown; notes %q", len(tab.Values), suppressed, shown, tab.Notes)
	if suppressed == 0 {
		t.Error("no suppressed LSOA in a 1,000-person county: small counts are leaking")
	}
	if shown == 0 {
		t.Error("no published LSOA count at all (zeros where no one attended are published)")
	}
}

// TestAreasOfRecordCounts drills the record counts of a dataset placed by
// district only: refused with 400, after the access decision is not even
// needed.
func TestAreasOfRecordCounts(t *testing.T) {
	f := newFixture(t)
	f.load(t, "incidents.csv")
	c := f.client(t)
	c.signIn(ownerID, password)
	res := c.do("GET", "/api/indicators/records-incidents/areas?district=E07000066&purpose=violence-and-vulnerability", nil, "")
	if code, msg := errorCode(t, res); res.StatusCode != http.StatusBadRequest || !strings.Contains(msg, "no LSOA column") {
		t.Errorf("status %d %s %q, want 400 naming the missing LSOA column", res.StatusCode, code, msg)
	}
	var doc struct{ Paths map[string]map[string]any }
	if err := json.Unmarshal([]byte(readBody(t, c.do("GET", "/api/openapi.json", nil, ""))), &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/api/indicators/{id}/areas", "/api/boundaries/lsoa"} {
		if doc.Paths[p]["get"] == nil {
			t.Errorf("%s is not in the OpenAPI document", p)
		}
	}
}
