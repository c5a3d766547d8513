package community

import (
	"fmt"
	"strings"

	"github.com/paulmach/orb"

	"github.com/civiclink/civiclink/internal/geo"
)

// Placer gives each location a point and its district from the reference
// data shipped in the binary (internal/refdata through geo):
//
//   - latitude and longitude given: kept, and the LSOA containing the point
//     found from the 2021 LSOA boundaries ([PrecisionPoint]);
//   - an LSOA code: the LSOA's population-weighted centroid ([PrecisionLSOA]);
//   - a postcode only: the reference data has postcode sectors but no
//     coordinates, so the postcode's district (from the postcode district's
//     main local authority) places it at the mean of that district's LSOA
//     centroids ([PrecisionDistrict]), marked as such on the map.
//
// A location outside the county is refused unless it is marked
// cross-border (it serves the county) and gives its point.
type Placer struct {
	County *geo.County
	// LSOAs are the 2021 LSOA boundaries, for points.
	LSOAs    *geo.Boundaries
	centroid map[string][2]float64 // district → mean LSOA centroid (lat, lon)
}

// NewPlacer builds a placer over the county's geography.
func NewPlacer(c *geo.County, lsoas *geo.Boundaries) *Placer {
	p := &Placer{County: c, LSOAs: lsoas, centroid: map[string][2]float64{}}
	n := map[string]float64{}
	for _, l := range c.LSOAs {
		v := p.centroid[l.LADCode]
		p.centroid[l.LADCode] = [2]float64{v[0] + l.Lat, v[1] + l.Lon}
		n[l.LADCode]++
	}
	for k, v := range p.centroid {
		p.centroid[k] = [2]float64{v[0] / n[k], v[1] / n[k]}
	}
	return p
}

// Place places every location of s, adding a problem per location that
// cannot be placed.
func (p *Placer) Place(s *Service) Problems {
	var ps Problems
	for i := range s.Locations {
		if reason := p.place(&s.Locations[i]); reason != "" {
			ps.add(fmt.Sprintf("locations[%d]", i), "%s", reason)
		}
	}
	return ps
}

// place places l, or says why it cannot.
func (p *Placer) place(l *Location) string {
	l.Postcode = normalisePostcode(l.Postcode)
	// A location exported with a coarser precision carries the point it
	// was given; it is placed again the same way, so re-importing changes
	// nothing.
	point := (l.Latitude != 0 || l.Longitude != 0) &&
		!(l.Precision == PrecisionLSOA && l.LSOA != "") && !(l.Precision == PrecisionDistrict && l.Postcode != "")
	switch {
	case point:
		return p.placePoint(l)
	case l.LSOA != "" && l.Precision != PrecisionDistrict:
		a, ok := p.County.LSOA(l.LSOA)
		if !ok {
			return fmt.Sprintf("LSOA %q is not one of the county's 2021 LSOAs", l.LSOA)
		}
		l.Latitude, l.Longitude, l.District, l.Precision = a.Lat, a.Lon, a.LADCode, PrecisionLSOA
		return ""
	case l.Postcode != "":
		lad, ok := p.County.LADOfPostcode(l.Postcode)
		if !ok {
			if l.CrossBorder {
				return fmt.Sprintf("postcode %s is outside the county: a cross-border location needs its latitude and longitude", l.Postcode)
			}
			return fmt.Sprintf("postcode %s is outside the county's postcode districts: give a county postcode, or mark the location cross-border with its latitude and longitude if it serves the county", l.Postcode)
		}
		c := p.centroid[lad]
		l.Latitude, l.Longitude, l.District, l.Precision, l.LSOA = c[0], c[1], lad, PrecisionDistrict, ""
		return ""
	}
	return "the location cannot be placed: give a postcode, an LSOA code, or latitude and longitude"
}

func (p *Placer) placePoint(l *Location) string {
	if l.Latitude < 49 || l.Latitude > 61 || l.Longitude < -9 || l.Longitude > 2.5 {
		return fmt.Sprintf("latitude %g, longitude %g is not in Great Britain (check they are not swapped)", l.Latitude, l.Longitude)
	}
	l.Precision = PrecisionPoint
	if a, ok := p.LSOAs.Locate(orb.Point{l.Longitude, l.Latitude}); ok {
		l.LSOA = a.Code
		l.District, _ = p.County.LADOfLSOA(a.Code)
		l.CrossBorder = false
		return ""
	}
	if !l.CrossBorder {
		return fmt.Sprintf("latitude %g, longitude %g is outside the county: mark the location cross-border if it serves the county", l.Latitude, l.Longitude)
	}
	l.LSOA, l.District = "", ""
	return ""
}

// normalisePostcode upper-cases a postcode and spaces it "CM1 1AA".
func normalisePostcode(pc string) string {
	p := strings.ToUpper(strings.Join(strings.Fields(pc), ""))
	if len(p) < 5 {
		return p
	}
	return p[:len(p)-3] + " " + p[len(p)-3:]
}

// LoadPlacer builds a placer over the county's reference geography: its
// LSOAs and their 2021 boundaries.
func LoadPlacer() (*Placer, error) {
	c, err := geo.Load()
	if err != nil {
		return nil, err
	}
	b, err := geo.LoadBoundaries(geo.LayerLSOA)
	if err != nil {
		return nil, err
	}
	return NewPlacer(c, b), nil
}
