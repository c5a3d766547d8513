package geo

import (
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

var (
	countyOnce sync.Once
	county     *County
	countyErr  error
)

func testCounty(tb testing.TB) *County {
	tb.Helper()
	countyOnce.Do(func() { county, countyErr = Essex() })
	if countyErr != nil {
		tb.Fatalf("Load: %v", countyErr)
	}
	return county
}

func TestLoadDistricts(t *testing.T) {
	c := testCounty(t)
	if got, want := len(c.LADs), 14; got != want {
		t.Fatalf("districts: got %d, want %d", got, want)
	}
	if got, want := c.Population(), 1877301; got != want {
		t.Errorf("population: got %d, want %d (the 14-LAD sum in essex_population_by_lad.csv)", got, want)
	}
	tests := []struct {
		code, name string
		unitary    bool
	}{
		{"E07000070", "Chelmsford", false},
		{"E06000033", "Southend-on-Sea", true},
		{"E06000034", "Thurrock", true},
		{"E07000077", "Uttlesford", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, ok := c.LAD(tt.code)
			if !ok {
				t.Fatalf("LAD(%s) not found", tt.code)
			}
			if l.Name != tt.name || l.Unitary() != tt.unitary {
				t.Errorf("got %s unitary=%v, want %s unitary=%v", l.Name, l.Unitary(), tt.name, tt.unitary)
			}
			if l.Population < 60000 || l.Census2011 == 0 || l.Census2021 == 0 {
				t.Errorf("populations look wrong: %+v", l)
			}
			if b, ok := c.LADByName(tt.name); !ok || b.Code != tt.code {
				t.Errorf("LADByName(%s) = %v, %v", tt.name, b, ok)
			}
		})
	}
}

func TestLSOAs(t *testing.T) {
	c := testCounty(t)
	if got, want := len(c.LSOAs), 1111; got != want {
		t.Errorf("LSOAs: got %d, want %d", got, want)
	}
	total := 0
	for _, lad := range c.LADCodes() {
		ls := c.LSOAsIn(lad)
		total += len(ls)
		for _, l := range ls {
			if l.LADCode != lad {
				t.Fatalf("LSOAsIn(%s) holds %s of %s", lad, l.Code, l.LADCode)
			}
		}
	}
	if total != len(c.LSOAs) {
		t.Errorf("LSOAs by district sum to %d, want %d", total, len(c.LSOAs))
	}
	tests := []struct{ lsoa, lad string }{
		{"E01015814", "E06000033"}, // 2021 and 2011
		{"E01021237", "E07000066"},
	}
	for _, tt := range tests {
		if got, ok := c.LADOfLSOA(tt.lsoa); !ok || got != tt.lad {
			t.Errorf("LADOfLSOA(%s) = %q, %v; want %s", tt.lsoa, got, ok, tt.lad)
		}
	}
	if _, ok := c.LADOfLSOA("E01999999"); ok {
		t.Errorf("LADOfLSOA of an unknown code succeeded")
	}
	w, ok := c.WardOfLSOA("E01015814")
	if !ok || w.Name != "Belfairs" || w.LADCode != "E06000033" {
		t.Errorf("WardOfLSOA(E01015814) = %+v, %v; want Belfairs in Southend", w, ok)
	}
}

func TestPostcodes(t *testing.T) {
	c := testCounty(t)
	for _, lad := range c.LADs {
		ws := c.SectorsIn(lad.Code)
		if len(ws) == 0 {
			t.Errorf("%s has no postcode sectors", lad.Name)
		}
		for _, w := range ws {
			if w.Weight <= 0 {
				t.Errorf("%s sector %s weight %v", lad.Name, w.Sector.Code, w.Weight)
			}
		}
	}
	tests := []struct {
		postcode, lad string
		ok            bool
	}{
		{"cm1 1aa", "E07000070", true},
		{"SS17 0AB", "E06000034", true},
		{"CO15  1XY", "E07000076", true},
		{"SS9 2AA", "E06000033", true},
		{"CM23 1AA", "", false}, // Bishop's Stortford, Hertfordshire
		{"IG1 1AA", "", false},  // Ilford, London
		{"x", "", false},
	}
	for _, tt := range tests {
		got, ok := c.LADOfPostcode(tt.postcode)
		if got != tt.lad || ok != tt.ok {
			t.Errorf("LADOfPostcode(%q) = %q, %v; want %q, %v", tt.postcode, got, ok, tt.lad, tt.ok)
		}
	}
	for _, d := range c.Districts {
		sum := 0.0
		for _, s := range d.Shares {
			sum += s.Share
		}
		if sum <= 0 || sum > 1+1e-9 {
			t.Errorf("postcode district %s shares sum to %v", d.Code, sum)
		}
	}
}

func TestBoundaries(t *testing.T) {
	c := testCounty(t)
	want := map[Layer]int{LayerLAD: 14, LayerLADFine: 14, LayerUTLA: 3, LayerLSOA: 1111, LayerLSOA2011: 1077, LayerMSOA: 215, LayerMSOA2011: 211, LayerWard: 257}
	for _, l := range Layers {
		t.Run(string(l), func(t *testing.T) {
			b, err := LoadBoundaries(l)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(b.Areas); got != want[l] {
				t.Errorf("areas: got %d, want %d", got, want[l])
			}
			if len(b.GeoJSON) == 0 {
				t.Errorf("GeoJSON bytes not kept")
			}
		})
	}
	lads, err := LoadBoundaries(LayerLADFine)
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range c.LADCodes() {
		if _, ok := lads.Area(code); !ok {
			t.Errorf("no boundary for district %s", code)
		}
	}
	// LSOA centroids fall inside their district's boundary (allowing for
	// generalised coastlines).
	inside := 0
	for _, l := range c.LSOAs {
		if a, ok := lads.Locate(orb.Point{l.Lon, l.Lat}); ok && a.Code == l.LADCode {
			inside++
		}
	}
	if frac := float64(inside) / float64(len(c.LSOAs)); frac < 0.97 {
		t.Errorf("only %.3f of LSOA centroids fall in their district's boundary", frac)
	}
	if _, err := LoadBoundaries("nope"); err == nil {
		t.Errorf("unknown layer loaded")
	}
}

func FuzzLADOfPostcode(f *testing.F) {
	for _, s := range []string{"CM1 1AA", "cm11aa", "", "SS", "RM20 3ZZ", "ä1 1AA", "CM1 1A"} {
		f.Add(s)
	}
	c := testCounty(f)
	f.Fuzz(func(t *testing.T, s string) {
		lad, ok := c.LADOfPostcode(s)
		if ok {
			if _, known := c.LAD(lad); !known {
				t.Fatalf("LADOfPostcode(%q) = unknown district %q", s, lad)
			}
		}
	})
}
