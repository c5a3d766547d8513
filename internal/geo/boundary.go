package geo

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/refdata"
)

// Layer is a set of boundaries: districts, LSOAs, MSOAs or wards.
type Layer string

// The boundary layers in the reference data. All are WGS84 lon/lat.
const (
	LayerLAD      Layer = "lad"      // 14 districts, ONS 2016 super-generalised (small; for maps)
	LayerLADFine  Layer = "lad-fine" // 14 districts, 2013 generalised clipped
	LayerUTLA     Layer = "utla"     // Essex CC, Southend-on-Sea, Thurrock
	LayerLSOA     Layer = "lsoa"     // 1,111 LSOAs 2021
	LayerLSOA2011 Layer = "lsoa2011" // 1,077 LSOAs 2011
	LayerMSOA     Layer = "msoa"     // 215 MSOAs 2021
	LayerMSOA2011 Layer = "msoa2011" // 211 MSOAs 2011
	LayerWard     Layer = "ward"     // 257 wards 2025
)

// Layers lists every [Layer].
var Layers = []Layer{LayerLAD, LayerLADFine, LayerUTLA, LayerLSOA, LayerLSOA2011, LayerMSOA, LayerMSOA2011, LayerWard}

// layerFiles names each layer's file and the properties holding a
// feature's code and name.
var layerFiles = map[Layer]struct{ file, code, name string }{
	LayerLAD:      {"essex_lad_2016_bsc_onsvisual.geojson", "areacd", "areanm"},
	LayerLADFine:  {"essex_lad_2013_bgc_martinjc.geojson", "LAD13CD", "LAD13NM"},
	LayerUTLA:     {"essex_utla_2016_bsc_onsvisual.geojson", "areacd", "areanm"},
	LayerLSOA:     {"essex_lsoa2021_bgc_drkane.geojson", "LSOA21CD", "LSOA21NM"},
	LayerLSOA2011: {"essex_lsoa2011_bgc_drkane.geojson", "LSOA11CD", "LSOA11NM"},
	LayerMSOA:     {"essex_msoa2021_bgc_drkane.geojson", "MSOA21CD", "MSOA21NM"},
	LayerMSOA2011: {"essex_msoa2011_bgc_drkane.geojson", "MSOA11CD", "MSOA11NM"},
	LayerWard:     {"essex_wards_latest_bgc_drkane.geojson", "WD25CD", "WD25NM"},
}

// Area is one boundary of a layer.
type Area struct {
	Code     string
	Name     string
	Geometry orb.Geometry // Polygon or MultiPolygon, lon/lat
}

// Boundaries are the areas of one layer, in code order.
type Boundaries struct {
	Layer Layer
	Areas []Area
	// GeoJSON is the file as read, for serving it unchanged.
	GeoJSON []byte
}

// LoadBoundaries reads the boundaries of a layer from the reference data
// (embedded, or the folder CIVICLINK_REFDATA names).
func LoadBoundaries(l Layer) (*Boundaries, error) {
	f, ok := layerFiles[l]
	if !ok {
		return nil, fault.Errorf(fault.Invalid, "unknown boundary layer %q; use one of %v", l, Layers)
	}
	b, err := refdata.ReadFile("boundaries/" + f.file)
	if err != nil {
		return nil, err
	}
	return parseBoundaries(l, f.file, b)
}

// ReadBoundaries reads a layer's boundaries from a GeoJSON file.
func ReadBoundaries(l Layer, path string) (*Boundaries, error) {
	if _, ok := layerFiles[l]; !ok {
		return nil, fault.Errorf(fault.Invalid, "unknown boundary layer %q; use one of %v", l, Layers)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fault.Errorf(fault.NotFound, "cannot read boundaries %s: %v", path, err)
	}
	return parseBoundaries(l, path, b)
}

// parseBoundaries reads a layer's GeoJSON b (named path in errors).
func parseBoundaries(l Layer, path string, b []byte) (*Boundaries, error) {
	f := layerFiles[l]
	var fc featureCollection
	if err := json.Unmarshal(b, &fc); err != nil {
		return nil, fault.Errorf(fault.Invalid, "boundaries %s are not valid GeoJSON: %v", path, err)
	}
	out := &Boundaries{Layer: l, GeoJSON: b, Areas: make([]Area, 0, len(fc.Features))}
	for i, ft := range fc.Features {
		code, _ := ft.Properties[f.code].(string)
		if code == "" {
			return nil, fault.Errorf(fault.Invalid, "boundaries %s: feature %d has no %s property", path, i+1, f.code)
		}
		g, err := ft.Geometry.orb()
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "boundaries %s: feature %s: %s", path, code, fault.Message(err))
		}
		name, _ := ft.Properties[f.name].(string)
		out.Areas = append(out.Areas, Area{Code: code, Name: name, Geometry: g})
	}
	sort.Slice(out.Areas, func(i, j int) bool { return out.Areas[i].Code < out.Areas[j].Code })
	return out, nil
}

// Area returns the area with the given code.
func (b *Boundaries) Area(code string) (*Area, bool) {
	i := sort.Search(len(b.Areas), func(i int) bool { return b.Areas[i].Code >= code })
	if i == len(b.Areas) || b.Areas[i].Code != code {
		return nil, false
	}
	return &b.Areas[i], true
}

// Locate returns the area containing a point (lon, lat), if any. It scans
// the areas: fine for a few points, not for millions.
func (b *Boundaries) Locate(p orb.Point) (*Area, bool) {
	for i := range b.Areas {
		a := &b.Areas[i]
		if !a.Geometry.Bound().Contains(p) {
			continue
		}
		switch g := a.Geometry.(type) {
		case orb.Polygon:
			if planar.PolygonContains(g, p) {
				return a, true
			}
		case orb.MultiPolygon:
			if planar.MultiPolygonContains(g, p) {
				return a, true
			}
		}
	}
	return nil, false
}

// String names the layer and its size.
func (b *Boundaries) String() string {
	return fmt.Sprintf("%s: %d areas", b.Layer, len(b.Areas))
}

// featureCollection is the part of a GeoJSON FeatureCollection read here.
type featureCollection struct {
	Features []struct {
		Properties map[string]any `json:"properties"`
		Geometry   geometry       `json:"geometry"`
	} `json:"features"`
}

// geometry is a GeoJSON Polygon or MultiPolygon.
type geometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

func (g geometry) orb() (orb.Geometry, error) {
	switch g.Type {
	case "Polygon":
		var c [][][2]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fault.Errorf(fault.Invalid, "bad Polygon coordinates: %v", err)
		}
		return polygon(c), nil
	case "MultiPolygon":
		var c [][][][2]float64
		if err := json.Unmarshal(g.Coordinates, &c); err != nil {
			return nil, fault.Errorf(fault.Invalid, "bad MultiPolygon coordinates: %v", err)
		}
		mp := make(orb.MultiPolygon, len(c))
		for i, p := range c {
			mp[i] = polygon(p)
		}
		return mp, nil
	}
	return nil, fault.Errorf(fault.Invalid, "geometry type %q is not a Polygon or MultiPolygon", g.Type)
}

func polygon(c [][][2]float64) orb.Polygon {
	p := make(orb.Polygon, len(c))
	for i, ring := range c {
		r := make(orb.Ring, len(ring))
		for j, pt := range ring {
			r[j] = orb.Point(pt)
		}
		p[i] = r
	}
	return p
}
