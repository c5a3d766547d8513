package community

import (
	"encoding/json"
	"io"
)

// Feature is a GeoJSON feature for one service at one location.
type Feature struct {
	Type       string         `json:"type"`
	Geometry   map[string]any `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// Features returns a feature per service at each of its locations, with
// what the map shows (no contacts).
func Features(services []Service) []Feature {
	out := []Feature{}
	for _, s := range services {
		for _, l := range s.Locations {
			out = append(out, Feature{Type: "Feature",
				Geometry: map[string]any{"type": "Point", "coordinates": []float64{l.Longitude, l.Latitude}},
				Properties: map[string]any{"id": s.ID, "name": s.Name, "organisation": s.Organisation.Name, "kind": s.Organisation.Kind,
					"themes": s.Themes, "location": l.ID, "town": l.Town, "postcode": l.Postcode, "district": l.District,
					"precision": l.Precision, "cross_border": l.CrossBorder, "url": s.URL}})
		}
	}
	return out
}

// EncodeGeoJSON writes services as a GeoJSON FeatureCollection.
func EncodeGeoJSON(w io.Writer, services []Service) error {
	return json.NewEncoder(w).Encode(map[string]any{"type": "FeatureCollection", "features": Features(services)})
}

// Services returns the services of versions.
func Services(vs []Version) []Service {
	out := make([]Service, len(vs))
	for i, v := range vs {
		out[i] = v.Service
	}
	return out
}
