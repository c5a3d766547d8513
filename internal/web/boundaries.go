package web

import (
	"encoding/json"
	"fmt"

	"github.com/civiclink/civiclink/internal/geo"
)

// districtGeoJSON rewrites the district boundaries file as a
// FeatureCollection whose features carry just "code" and "name" (in the
// order of b.Areas), whatever the source file called them, so the browser
// code needs to know one shape.
func districtGeoJSON(b *geo.Boundaries) ([]byte, error) {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Type       string          `json:"type"`
			ID         string          `json:"id,omitempty"`
			Properties map[string]any  `json:"properties"`
			Geometry   json.RawMessage `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b.GeoJSON, &fc); err != nil {
		return nil, fmt.Errorf("web: read district boundaries: %w", err)
	}
	if len(fc.Features) != len(b.Areas) {
		return nil, fmt.Errorf("web: district boundaries: %d features for %d areas", len(fc.Features), len(b.Areas))
	}
	names := map[string]string{}
	for _, a := range b.Areas {
		names[a.Code] = a.Name
	}
	for i := range fc.Features {
		f := &fc.Features[i]
		code := ""
		for _, v := range f.Properties {
			if s, ok := v.(string); ok && names[s] != "" {
				code = s
			}
		}
		if code == "" {
			return nil, fmt.Errorf("web: district boundary feature %d has no known district code", i)
		}
		f.ID, f.Properties = code, map[string]any{"code": code, "name": names[code]}
	}
	return json.Marshal(fc)
}
