package output

import (
	"encoding/json"
	"io"
	"slices"

	"github.com/paulmach/orb"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
)

// Formats an output can be exported in.
var Formats = []string{"csv", "json", "geojson"}

// Write writes a released output's table in format. Withheld cells are
// [c] in every format. A report is written as its JSON document only.
func Write(w io.Writer, o *Output, format string, districts *geo.Boundaries) error {
	if o.IsReport() {
		if format != "json" {
			return fault.Errorf(fault.Invalid, "output %d is a report: export it as json (its page, /outputs/%d/report, prints as it is)", o.ID, o.ID)
		}
		_, err := w.Write(append(slices.Clip(o.Document), '\n'))
		return err
	}
	switch format {
	case "csv":
		return disclose.WriteCSV(w, o.Table)
	case "json":
		return disclose.WriteJSON(w, o.Table)
	case "geojson":
		return writeGeoJSON(w, o, districts)
	}
	return fault.Errorf(fault.Invalid, "unknown export format %q: use csv, json or geojson", format)
}

// feature is a GeoJSON feature.
type feature struct {
	Type       string         `json:"type"`
	Geometry   geometry       `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

// geometry is a GeoJSON polygon or multipolygon.
type geometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

// geometryOf encodes a district boundary.
func geometryOf(g orb.Geometry) (geometry, error) {
	switch v := g.(type) {
	case orb.Polygon:
		return geometry{"Polygon", rings(v)}, nil
	case orb.MultiPolygon:
		polys := make([][][][2]float64, len(v))
		for i, p := range v {
			polys[i] = rings(p)
		}
		return geometry{"MultiPolygon", polys}, nil
	}
	return geometry{}, fault.Errorf(fault.Internal, "boundary geometry %T is not a polygon", g)
}

func rings(p orb.Polygon) [][][2]float64 {
	out := make([][][2]float64, len(p))
	for i, r := range p {
		out[i] = make([][2]float64, len(r))
		for j, pt := range r {
			out[i][j] = [2]float64{pt[0], pt[1]}
		}
	}
	return out
}

// writeGeoJSON writes one feature per district with its published figures:
// "value" for a table by district alone, or one property per level of the
// other dimension (e.g. per month).
func writeGeoJSON(w io.Writer, o *Output, districts *geo.Boundaries) error {
	r := o.Table
	d := slices.IndexFunc(r.Dims, func(x disclose.Dim) bool { return x.Name == "district" })
	if d < 0 || len(r.Dims) > 2 || districts == nil {
		return fault.Errorf(fault.Invalid, "GeoJSON needs a table by district (and at most one other dimension)")
	}
	var features []feature
	for _, a := range districts.Areas {
		g, err := geometryOf(a.Geometry)
		if err != nil {
			return err
		}
		props := map[string]any{"code": a.Code, "name": a.Name, "output": o.Series, "version": o.Version, "title": o.Title}
		for _, c := range r.Cells {
			if c.Levels[d] != a.Code {
				continue
			}
			key := "value"
			if len(r.Dims) == 2 {
				key = c.Levels[1-d]
			}
			props[key] = publicValue(c)
		}
		features = append(features, feature{Type: "Feature", Geometry: g, Properties: props})
	}
	b, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": features, "protection": disclose.ProtectionJSON(r.Protection)})
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// publicValue is a cell as published: its count, or [c].
func publicValue(c disclose.OutCell) any {
	if c.Status.Suppressed() {
		return disclose.Confidential
	}
	return c.Count
}
