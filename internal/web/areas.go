package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// The maps' drill-down from a district to its small areas (LSOA 2021):
// an indicator counted by LSOA for the LSOAs of one district, and those
// LSOAs' boundaries.

// LevelLSOA is the only small-area level offered so far (wards are not).
const LevelLSOA = "lsoa"

// AreaValue is one small area's published count. A suppressed count shows
// as [c] and has no Value.
type AreaValue struct {
	Code       string   `json:"code"`
	Name       string   `json:"name"`
	Count      string   `json:"count"` // as published: a number or [c]
	Value      *float64 `json:"value"` // the count, for shading; null when suppressed
	Suppressed bool     `json:"suppressed,omitempty"`
	Display    string   `json:"display"`
}

// AreaTable is an indicator counted by the small areas of one district,
// already through disclosure control.
type AreaTable struct {
	Indicator Indicator   `json:"indicator"`
	Purpose   string      `json:"purpose"`
	Level     string      `json:"level"`
	District  string      `json:"district"`
	Name      string      `json:"district_name"`
	Values    []AreaValue `json:"values"`
	Notes     []string    `json:"notes,omitempty"`

	encoded []byte // as the API answers it, made once per release and district
}

// areaSlices are an LSOA table's district slices, each made and encoded
// once: the table is the same for every view of its release, and slicing
// and encoding it was most of a view's CPU.
type areaSlices struct {
	mu sync.Mutex
	m  map[string]*AreaTable
}

// AreaIndicators counts an indicator by the small areas of a district. Like
// [Indicators.Districts] it asks the access gate itself and returns only
// disclosure-controlled counts.
type AreaIndicators interface {
	Areas(ctx context.Context, u *govern.User, id, purpose, district, level string) (*AreaTable, error)
}

var (
	_ AreaIndicators = (*NamedIndicators)(nil)
	_ AreaIndicators = (*DistrictCounts)(nil)
)

// noLSOA is the refusal for an indicator whose records carry no LSOA.
func noLSOA(id string) error {
	return fault.Errorf(fault.Invalid, "indicator %s has no LSOA column; districts only", id)
}

// checkArea validates the district and level of a drill-down.
func checkArea(county *geo.County, district, level string) (*geo.LAD, error) {
	if level != LevelLSOA {
		return nil, fault.Errorf(fault.Invalid, "level %q: only lsoa is offered (wards are not yet)", level)
	}
	lad, ok := county.LAD(district)
	if !ok {
		return nil, fault.Errorf(fault.Invalid, "district %q is not one of the county's (use an ONS code such as E07000066; GET /api/boundaries/districts lists them)", district)
	}
	return lad, nil
}

// Areas counts a named indicator by LSOA for one district, through the
// insight engine: access is decided (and recorded) for every view with the
// indicator's purpose, and the county-wide LSOA table is published once per
// release and sliced by district. Record counts go to Counts.
func (n *NamedIndicators) Areas(ctx context.Context, u *govern.User, id, purpose, district, level string) (*AreaTable, error) {
	name, ok := strings.CutPrefix(id, namedPrefix)
	if !ok {
		ai, ok := n.Counts.(AreaIndicators)
		if !ok {
			return nil, fault.Errorf(fault.NotFound, "no indicator %q (GET /api/indicators lists them)", id)
		}
		return ai.Areas(ctx, u, id, purpose, district, level)
	}
	ind, err := findIndicator(name)
	if err != nil {
		return nil, err
	}
	lad, err := checkArea(n.County, district, level)
	if err != nil {
		return nil, err
	}
	if ind.Cohort != "" || ind.VersionPeriod != "" {
		return nil, noLSOA(id)
	}
	d, err := n.Insight.Store.Dataset(ctx, ind.Dataset)
	if err != nil {
		return nil, err
	}
	if _, ok := lsoaColumn(d.Schema); !ok {
		return nil, noLSOA(id)
	}
	in := Indicator{ID: id, Name: ind.Title, Description: ind.Description, Unit: "count", DatasetID: ind.Dataset}
	all, err := n.cachedBy(ctx, u, ind, []string{insight.DimLSOA}, func(rel *insight.Release) (*DistrictTable, error) {
		t, err := n.Insight.ComputeIndicator(ctx, rel)
		if err != nil {
			return nil, err
		}
		return lsoaTable(in, ind.Purpose, t.Result), nil
	})
	if err != nil {
		return nil, err
	}
	return sliceArea(all, n.County, lad), nil
}

// Areas counts a dataset's records by LSOA for one district: insight's
// release of the county-wide count by LSOA, sliced.
func (dc *DistrictCounts) Areas(ctx context.Context, u *govern.User, id, purpose, district, level string) (*AreaTable, error) {
	dsID, ok := strings.CutPrefix(id, countPrefix)
	if !ok {
		return nil, fault.Errorf(fault.NotFound, "no indicator %q (GET /api/indicators lists them)", id)
	}
	d, err := dc.Store.Dataset(ctx, dsID)
	if err != nil {
		return nil, err
	}
	lad, err := checkArea(dc.County, district, level)
	if err != nil {
		return nil, err
	}
	if dc.Insight == nil {
		return nil, fault.Errorf(fault.Internal, "web: LSOA counts need the insight engine")
	}
	if _, ok := lsoaColumn(d.Schema); !ok {
		return nil, noLSOA(id)
	}
	rel, v, err := dc.prepare(ctx, u, d, purpose, insight.DimLSOA)
	if err != nil {
		return nil, err
	}
	all, err := dc.cache.release(rel, func(rel *insight.Release) (*DistrictTable, error) {
		res, err := dc.placing().ComputeAggregate(ctx, rel)
		if err != nil {
			return nil, err
		}
		t := lsoaTable(Indicator{ID: id, Name: d.Name, DatasetID: d.ID, Unit: "records"}, purpose, res)
		t.Notes = append(t.Notes, fmt.Sprintf("Version %d.", v.Number))
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return sliceArea(all, dc.County, lad), nil
}

// lsoaColumn returns a schema's LSOA column.
func lsoaColumn(sc *catalog.Schema) (*catalog.Column, bool) {
	for i := range sc.Columns {
		if sc.Columns[i].Type == catalog.TypeLSOA {
			return &sc.Columns[i], true
		}
	}
	return nil, false
}

// lsoaTable keeps a county-wide table by LSOA as published: one value per
// level (code only; names are added when sliced), the cache's unit.
func lsoaTable(in Indicator, purpose string, res *disclose.Result) *DistrictTable {
	out := &DistrictTable{Indicator: in, Purpose: purpose, areas: &areaSlices{m: map[string]*AreaTable{}}}
	for _, c := range res.Cells {
		if len(c.Levels) != 1 || c.Levels[0] == disclose.TotalLevel {
			continue
		}
		v := DistrictValue{Code: c.Levels[0], Display: c.Display(), Suppressed: c.Status.Suppressed()}
		if !v.Suppressed {
			f := float64(c.Count)
			v.Value, v.Display = &f, groupDigits(c.Count)
		}
		out.Values = append(out.Values, v)
	}
	out.Notes = []string{
		res.Protection.Note(),
		"Counts only: there are no population estimates by LSOA here, so no rates per 1,000.",
	}
	out.Protection = disclose.ProtectionJSON(res.Protection)
	return out
}

// sliceArea is a district's slice of a county-wide LSOA table (see
// [areaSlices]), encoded for the API.
func sliceArea(all *DistrictTable, county *geo.County, lad *geo.LAD) *AreaTable {
	c := all.areas
	if c == nil {
		return encodeArea(cutArea(all, county, lad))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.m[lad.Code]; ok {
		return t
	}
	t := encodeArea(cutArea(all, county, lad))
	c.m[lad.Code] = t
	return t
}

// encodeArea keeps t's encoding as the API answers it.
func encodeArea(t *AreaTable) *AreaTable {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if enc.Encode(t) == nil {
		t.encoded = b.Bytes()
	}
	return t
}

// cutArea picks a district's LSOAs, in code order, from a county-wide
// LSOA table; an LSOA the table lacks had no records (a true zero).
func cutArea(all *DistrictTable, county *geo.County, lad *geo.LAD) *AreaTable {
	byCode := make(map[string]DistrictValue, len(all.Values))
	for _, v := range all.Values {
		byCode[v.Code] = v
	}
	out := &AreaTable{Indicator: all.Indicator, Purpose: all.Purpose, Level: LevelLSOA, District: lad.Code, Name: lad.Name, Notes: slices.Clone(all.Notes)}
	older := 0 // codes of the district that are not 2021 LSOAs (2011 codes since split or merged)
	for _, v := range all.Values {
		if _, ok := county.LSOA(v.Code); ok || v.Display == "0" {
			continue
		}
		if in, ok := county.LADOfLSOA(v.Code); ok && in == lad.Code {
			older++
		}
	}
	if older > 0 {
		out.Notes = append(out.Notes, fmt.Sprintf("Records with %d older LSOA code(s) of %s (2011 LSOAs that 2021 split or merged) count in the district's figure but on no LSOA here, so some LSOA counts may be short.", older, lad.Name))
	}
	for _, l := range county.LSOAsIn(lad.Code) {
		v, ok := byCode[l.Code]
		if !ok {
			zero := 0.0
			v = DistrictValue{Value: &zero, Display: "0"}
		}
		count := v.Display
		if !v.Suppressed {
			count = strings.ReplaceAll(v.Display, ",", "")
		}
		out.Values = append(out.Values, AreaValue{Code: l.Code, Name: l.Name, Count: count, Value: v.Value, Suppressed: v.Suppressed, Display: v.Display})
	}
	return out
}

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
		level = LevelLSOA
	}
	t, err := ai.Areas(r.Context(), who(r).User, id, s.purpose(r), q.Get("district"), level)
	if err != nil {
		return err
	}
	if t.encoded != nil {
		writeJSONBytes(w, http.StatusOK, t.encoded)
		return nil
	}
	writeJSON(w, http.StatusOK, t)
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
	if _, err := checkArea(county, r.URL.Query().Get("district"), LevelLSOA); err != nil {
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
