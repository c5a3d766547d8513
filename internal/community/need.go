package community

import (
	"math"
	"slices"
	"sort"
)

// Need is one district's need for a theme: the theme's indicator rate
// per 1,000 residents as published (already through disclosure control:
// a suppressed rate has no Rate).
type Need struct {
	District string
	Name     string
	Rate     *float64
	Display  string // the published value, "[c]" when suppressed
}

// Gap is need beside support in one district.
type Gap struct {
	District string   `json:"district"`
	Name     string   `json:"name"`
	Rate     *float64 `json:"rate"`
	Display  string   `json:"display"`
	// Services is the number of published services for the theme with a
	// location in the district; PerTenThousand per 10,000 residents.
	Services       int     `json:"services"`
	Residents      int     `json:"residents"`
	PerTenThousand float64 `json:"per_10000"`
	// Score (0 to 1) is the mean of the need's rank share and the
	// support's thinness (its rank share, thinnest highest): high where
	// need is high and support thin. Gap marks a district in the top third
	// of need and the bottom third of support.
	Score float64 `json:"score"`
	Gap   bool    `json:"support_gap"`
	// Unknown is set when the need is suppressed: no verdict.
	Unknown bool `json:"unknown,omitempty"`
}

// Support counts the published services for a theme by district.
func (ix *Index) Support(theme string) map[string]int {
	out := map[string]int{}
	for _, v := range ix.all {
		s := &v.Service
		if !slices.Contains(s.Themes, theme) {
			continue
		}
		seen := map[string]bool{}
		for _, l := range s.Locations {
			if l.District != "" && !seen[l.District] {
				seen[l.District] = true
				out[l.District]++
			}
		}
	}
	return out
}

// Gaps sets need beside support for a theme: per district, the need rate
// and the services per 10,000 residents, ranked with the largest support
// gaps first (suppressed needs last, without a verdict). residents are
// the districts' populations.
func Gaps(need []Need, support map[string]int, residents map[string]int) []Gap {
	out := make([]Gap, 0, len(need))
	for _, n := range need {
		g := Gap{District: n.District, Name: n.Name, Rate: n.Rate, Display: n.Display, Services: support[n.District], Residents: residents[n.District], Unknown: n.Rate == nil}
		if g.Residents > 0 {
			g.PerTenThousand = float64(g.Services) * 10000 / float64(g.Residents)
		}
		out = append(out, g)
	}
	return rankGaps(out, func(g *Gap) float64 { return g.PerTenThousand })
}

// AreaGaps sets need beside support for the small areas (LSOAs) of a
// district: each area's published need (a count: the reference data has
// no LSOA populations, and LSOAs are drawn to similar sizes) beside the
// services within reach of it (see [Index.Reach]), ranked like [Gaps].
// The Gap's District field holds the LSOA code.
func AreaGaps(need []Need, within map[string]int) []Gap {
	out := make([]Gap, 0, len(need))
	for _, n := range need {
		out = append(out, Gap{District: n.District, Name: n.Name, Rate: n.Rate, Display: n.Display, Services: within[n.District], Unknown: n.Rate == nil})
	}
	return rankGaps(out, func(g *Gap) float64 { return float64(g.Services) })
}

// rankGaps scores and orders gaps by need and by the thinness of support
// (support's key: more is better).
func rankGaps(out []Gap, support func(*Gap) float64) []Gap {
	var known []*Gap
	for i := range out {
		if !out[i].Unknown {
			known = append(known, &out[i])
		}
	}
	needShare := rankShare(known, func(g *Gap) float64 { return *g.Rate })
	thinShare := rankShare(known, func(g *Gap) float64 { return -support(g) })
	for i, g := range known {
		g.Score = (needShare[i] + thinShare[i]) / 2
		g.Gap = needShare[i] >= 2.0/3 && thinShare[i] >= 2.0/3
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Unknown != out[j].Unknown {
			return !out[i].Unknown
		}
		return out[i].Score > out[j].Score
	})
	return out
}

// Reach counts, for each LSOA of a district, the published services for
// a theme with a location within km of the LSOA's population-weighted
// centre (services across a district border count too). A location
// placed only to its district (a postcode alone) has no point of its own,
// so it is not counted; unplaced is how many services for the theme in
// the district were left out for that reason.
func (ix *Index) Reach(p *Placer, theme, district string, km float64) (within map[string]int, unplaced int) {
	type point struct{ lat, lon float64 }
	var services [][]point
	for _, v := range ix.all {
		s := &v.Service
		if !slices.Contains(s.Themes, theme) {
			continue
		}
		var pts []point
		coarse := false
		for _, l := range s.Locations {
			if l.Precision == PrecisionDistrict {
				coarse = coarse || l.District == district
				continue
			}
			pts = append(pts, point{l.Latitude, l.Longitude})
		}
		if len(pts) > 0 {
			services = append(services, pts)
		} else if coarse {
			unplaced++
		}
	}
	within = map[string]int{}
	for _, a := range p.County.LSOAsIn(district) {
		n := 0
		for _, pts := range services {
			if slices.ContainsFunc(pts, func(q point) bool { return distanceKm(a.Lat, a.Lon, q.lat, q.lon) <= km }) {
				n++
			}
		}
		within[a.Code] = n
	}
	return within, unplaced
}

// distanceKm is the great-circle distance between two points.
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// rankShare gives each item its rank by key as a share from 0 (lowest) to
// 1 (highest), ties sharing their mean rank.
func rankShare(gs []*Gap, key func(*Gap) float64) []float64 {
	n := len(gs)
	out := make([]float64, n)
	if n < 2 {
		return out
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return key(gs[idx[a]]) < key(gs[idx[b]]) })
	for i := 0; i < n; {
		j := i
		for j+1 < n && key(gs[idx[j+1]]) == key(gs[idx[i]]) {
			j++
		}
		r := float64(i+j) / 2 / float64(n-1)
		for k := i; k <= j; k++ {
			out[idx[k]] = r
		}
		i = j + 1
	}
	return out
}
