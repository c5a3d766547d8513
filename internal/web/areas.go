package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/publish"
)

// The maps' drill-down from a district to its small areas (LSOA 2021):
// an indicator counted by LSOA for the LSOAs of one district (package
// publish), and those LSOAs' boundaries.

// areaRoutes are the drill-down's routes.
func (s *Server) areaRoutes() []route {
	return []route{
		{method: "GET", path: "/api/indicators/{id}/areas", api: true, summary: "An indicator counted by the LSOAs (2021) of one district (?district=E07000066&level=lsoa): counts ([c] when suppressed, never 0), no rates (no LSOA populations); 400 when the indicator's data has no LSOA column", result: "AreaTable", handle: s.apiIndicatorAreas},
		{method: "GET", path: "/api/boundaries/lsoa", api: true, summary: "The LSOA (2021) boundaries of one district as GeoJSON (?district=E07000066; properties code, name)", result: "application/geo+json", handle: s.apiLSOABoundaries},
	}
}

func init() {
	schemas["AreaTable"] = obj{"type": "object", "properties": obj{
		"indicator": ref("Indicator"), "purpose": str(), "level": str(), "district": str(), "district_name": str(),
		"values": arr(obj{"type": "object", "properties": obj{
			"code": str(), "name": str(),
			"count":      obj{"type": "string", "description": "the published count, or [c] when suppressed (never 0 for a suppressed count)"},
			"value":      obj{"type": "number", "nullable": true, "description": "the count as a number; null when suppressed"},
			"suppressed": obj{"type": "boolean"}, "display": str(),
		}}),
		"notes": arr(str()),
	}}
}

func (s *Server) apiIndicatorAreas(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	ai, ok := s.cfg.Indicators.(AreaIndicators)
	if !ok {
		return fault.Errorf(fault.NotFound, "no indicator %q by small area: this server's indicators are by district only", id)
	}
	q := r.URL.Query()
	level := q.Get("level")
	if level == "" {
		level = publish.LevelLSOA
	}
	t, err := ai.Areas(r.Context(), who(r).User, id, s.purpose(r), q.Get("district"), level)
	if err != nil {
		return err
	}
	body, err := publish.View(t.Views(), "api", func() ([]byte, error) { return encodeJSON(t) })
	if err != nil {
		return err
	}
	writeJSONBytes(w, http.StatusOK, body)
	return nil
}

// lsoaGeoJSON is every district's LSOA boundaries as a FeatureCollection
// with code and name properties, built once from the reference data (the
// same for every server) and kept per district.
var lsoaGeoJSON = sync.OnceValues(func() (map[string][]byte, error) {
	county, err := geo.Essex()
	if err != nil {
		return nil, err
	}
	b, err := geo.LoadBoundaries(geo.LayerLSOA)
	if err != nil {
		return nil, err
	}
	return lsoaByDistrict(b, county)
})

// lsoaByDistrict splits an LSOA layer into one FeatureCollection per
// district, each feature carrying just "code" and "name".
func lsoaByDistrict(b *geo.Boundaries, county *geo.County) (map[string][]byte, error) {
	var fc struct {
		Features []struct {
			Properties map[string]any  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b.GeoJSON, &fc); err != nil {
		return nil, fmt.Errorf("web: read LSOA boundaries: %w", err)
	}
	type feature struct {
		Type       string            `json:"type"`
		ID         string            `json:"id"`
		Properties map[string]string `json:"properties"`
		Geometry   json.RawMessage   `json:"geometry"`
	}
	byLAD := map[string][]feature{}
	for i, f := range fc.Features {
		var l *geo.LSOA
		for _, v := range f.Properties {
			if s, ok := v.(string); ok {
				if x, ok := county.LSOA(s); ok {
					l = x
				}
			}
		}
		if l == nil {
			return nil, fmt.Errorf("web: LSOA boundary feature %d has no known LSOA code", i)
		}
		byLAD[l.LADCode] = append(byLAD[l.LADCode], feature{Type: "Feature", ID: l.Code,
			Properties: map[string]string{"code": l.Code, "name": l.Name}, Geometry: f.Geometry})
	}
	out := make(map[string][]byte, len(byLAD))
	for lad, fs := range byLAD {
		body, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": fs})
		if err != nil {
			return nil, err
		}
		out[lad] = body
	}
	return out, nil
}

func (s *Server) apiLSOABoundaries(w http.ResponseWriter, r *http.Request) error {
	county, err := geo.Essex()
	if err != nil {
		return err
	}
	if _, err := publish.CheckArea(county, r.URL.Query().Get("district"), publish.LevelLSOA); err != nil {
		return err
	}
	all, err := lsoaGeoJSON()
	if err != nil {
		return fault.Wrap(err, fault.NotFound, "this server has no LSOA boundaries (reference data boundaries/essex_lsoa2021_bgc_drkane.geojson)")
	}
	body, ok := all[r.URL.Query().Get("district")]
	if !ok {
		return fault.Errorf(fault.NotFound, "no LSOA boundaries for district %s", r.URL.Query().Get("district"))
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	w.Write(body)
	return nil
}
