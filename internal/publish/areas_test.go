package publish

import (
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/geo"
)

// TestSliceArea checks how a county-wide LSOA table is cut to a district:
// its 2021 LSOAs in code order, an LSOA missing from the table a true 0,
// [c] kept, and a note when records carry a 2011 code that 2021 changed
// (E01021278, Basildon), which is on no LSOA of the map.
func TestSliceArea(t *testing.T) {
	c, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	lad, _ := c.LAD("E07000066")
	lsoas := c.LSOAsIn(lad.Code)
	twelve := 12.0
	all := &DistrictTable{Notes: []string{"threshold"}, Values: []DistrictValue{
		{Code: lsoas[0].Code, Value: &twelve, Display: "12"},
		{Code: lsoas[1].Code, Suppressed: true, Display: disclose.Confidential},
		{Code: "E01021278", Value: &twelve, Display: "12"},
		{Code: c.LSOAsIn("E07000070")[0].Code, Value: &twelve, Display: "12"},
	}}
	tests := []struct {
		name  string
		all   *DistrictTable
		notes int
	}{
		{"with a changed 2011 code", all, 2},
		{"2021 codes only", &DistrictTable{Notes: all.Notes, Values: all.Values[:2]}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sliceArea(tt.all, c, lad)
			if len(got.Values) != len(lsoas) {
				t.Fatalf("%d areas, want %d", len(got.Values), len(lsoas))
			}
			want := []AreaValue{
				{Code: lsoas[0].Code, Count: "12", Display: "12"},
				{Code: lsoas[1].Code, Count: disclose.Confidential, Display: disclose.Confidential, Suppressed: true},
				{Code: lsoas[2].Code, Count: "0", Display: "0"},
			}
			for i, w := range want {
				g := got.Values[i]
				if g.Code != w.Code || g.Count != w.Count || g.Display != w.Display || g.Suppressed != w.Suppressed || (g.Value == nil) != w.Suppressed || g.Name != lsoas[i].Name {
					t.Errorf("area %d = %+v, want %+v named %q", i, g, w, lsoas[i].Name)
				}
			}
			if len(got.Notes) != tt.notes {
				t.Errorf("notes %q, want %d", got.Notes, tt.notes)
			}
			if tt.notes == 2 && !strings.Contains(got.Notes[1], "1 older LSOA code(s) of Basildon") {
				t.Errorf("note %q does not count the one changed code", got.Notes[1])
			}
		})
	}
}
