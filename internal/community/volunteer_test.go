package community

import (
	"slices"
	"testing"
	"time"
)

// TestOpportunityWords checks the time needed in words and which
// opportunities are current, including the last day in county time.
func TestOpportunityWords(t *testing.T) {
	for _, c := range []struct {
		minutes int
		want    string
	}{{20, "20 minutes"}, {60, "1 hour"}, {90, "1 h 30 min"}, {240, "4 hours"}} {
		if got := (&Opportunity{Minutes: c.minutes}).TimeNeeded(); got != c.want {
			t.Errorf("%d minutes: got %q, want %q", c.minutes, got, c.want)
		}
	}
	// 23:30 UTC on 30 June is already 1 July in the county (BST).
	late := time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		o    Opportunity
		want bool
	}{
		{Opportunity{Status: Open}, true},
		{Opportunity{Status: Open, Closes: "2026-07-01"}, true},
		{Opportunity{Status: Open, Closes: "2026-06-30"}, false},
		{Opportunity{Status: Closed, Closes: "2026-12-31"}, false},
	} {
		if got := c.o.Current(late); got != c.want {
			t.Errorf("%+v at %s: current %v, want %v", c.o, late, got, c.want)
		}
	}
}

// TestSynthesiseVolunteering checks the demo's zones (one per district,
// no LSOA in two) and that every synthetic opportunity validates and
// places, half of them inside a zone.
func TestSynthesiseVolunteering(t *testing.T) {
	p := placer(t)
	zones := SynthesiseZones(p, 3)
	if len(zones) != 3 {
		t.Fatalf("%d zones, want 3", len(zones))
	}
	seen, lads := map[string]bool{}, map[string]bool{}
	d := &Directory{Placer: p}
	for _, z := range zones {
		if ps := append(ValidateZone(&z), d.zoneLSOAs(&z, nil)...); len(ps) > 0 {
			t.Errorf("zone %s: %v", z.ID, ps)
		}
		if len(z.Districts) != 1 || lads[z.Districts[0]] {
			t.Errorf("zone %s lies in %v: want one district of its own", z.ID, z.Districts)
		}
		lads[z.Districts[0]] = true
		for _, l := range z.LSOAs {
			if seen[l] {
				t.Errorf("LSOA %s in two zones", l)
			}
			seen[l] = true
		}
	}
	ix := NewIndex(versions(Synthesise(p, 60, 3)))
	ops := SynthesiseOpportunities(ix, zones, 20, 3)
	in := 0
	for _, o := range ops {
		ps := ValidateOpportunity(&o)
		if reason := p.place(&o.Location); reason != "" {
			ps.add("location", "%s", reason)
		}
		if len(ps) > 0 {
			t.Errorf("opportunity %q: %v", o.Title, ps)
		}
		if seen[o.Location.LSOA] {
			in++
		}
	}
	if len(ops) != 20 || in < 10 {
		t.Errorf("%d opportunities, %d in a zone: want 20, at least 10", len(ops), in)
	}
}

// versions makes published versions of services.
func versions(ss []Service) []Version {
	out := make([]Version, len(ss))
	for i, s := range ss {
		out[i] = Version{Service: s, Version: 1}
	}
	return out
}

// TestReachAndAreaGaps places services at, near and far from an LSOA's
// centre and by postcode alone, and checks which are within reach; then
// ranks small areas like districts, a suppressed need last.
func TestReachAndAreaGaps(t *testing.T) {
	p := placer(t)
	const lad = "E07000071"
	a := p.County.LSOAsIn(lad)[0]
	at := func(id string, l Location) Version {
		return Version{Service: Service{ID: id, Themes: []string{"food"}, Locations: []Location{l}}}
	}
	ix := NewIndex([]Version{
		at("centre", Location{Latitude: a.Lat, Longitude: a.Lon, Precision: PrecisionLSOA, LSOA: a.Code, District: lad}),
		at("1km", Location{Latitude: a.Lat + 0.009, Longitude: a.Lon, Precision: PrecisionPoint, District: lad}), // 1.0 km north
		at("5km", Location{Latitude: a.Lat + 0.045, Longitude: a.Lon, Precision: PrecisionPoint}),
		at("postcode", Location{Latitude: a.Lat, Longitude: a.Lon, Precision: PrecisionDistrict, District: lad}),
		{Service: Service{ID: "other-theme", Themes: []string{"youth"}, Locations: []Location{{Latitude: a.Lat, Longitude: a.Lon, Precision: PrecisionPoint}}}},
	})
	for _, c := range []struct {
		km   float64
		want int
	}{{0.5, 1}, {2, 2}, {6, 3}} {
		within, unplaced := ix.Reach(p, "food", lad, c.km)
		if within[a.Code] != c.want || unplaced != 1 {
			t.Errorf("within %g km of %s: %d services (%d unplaced), want %d (1 unplaced: the postcode-only one)", c.km, a.Code, within[a.Code], unplaced, c.want)
		}
		if len(within) != len(p.County.LSOAsIn(lad)) {
			t.Errorf("reach covers %d LSOAs, the district has %d", len(within), len(p.County.LSOAsIn(lad)))
		}
	}
	f := func(v float64) *float64 { return &v }
	gs := AreaGaps([]Need{{District: "L1", Rate: f(30)}, {District: "L2", Rate: nil, Display: "[c]"}, {District: "L3", Rate: f(2)}, {District: "L4", Rate: f(25)}},
		map[string]int{"L1": 0, "L2": 0, "L3": 0, "L4": 9})
	var order []string
	for _, g := range gs {
		order = append(order, g.District)
	}
	if !slices.Equal(order, []string{"L1", "L3", "L4", "L2"}) || !gs[0].Gap || gs[3].Gap || !gs[3].Unknown {
		t.Errorf("order %v gaps %+v: want high need with nothing within reach first, the suppressed one last without a verdict", order, gs)
	}
}
