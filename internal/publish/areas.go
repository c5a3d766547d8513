package publish

import (
	"context"
	"fmt"
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

// The maps' drill-down from a district to its small areas (LSOA 2021): an
// indicator counted by LSOA for the LSOAs of one district.

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
// already through disclosure control. It is shared by the views of its
// release and never modified.
type AreaTable struct {
	Indicator Indicator   `json:"indicator"`
	Purpose   string      `json:"purpose"`
	Level     string      `json:"level"`
	District  string      `json:"district"`
	Name      string      `json:"district_name"`
	Values    []AreaValue `json:"values"`
	Notes     []string    `json:"notes,omitempty"`

	views *Views // nil when the table is not cached
}

// Views keeps what presenters make of the table (its API encoding), once
// per release and district.
func (t *AreaTable) Views() *Views { return t.views }

// areaSlices are an LSOA table's district slices, each made once: the
// table is the same for every view of its release, and slicing and
// encoding it was most of a view's CPU.
type areaSlices struct {
	mu sync.Mutex
	m  map[string]*AreaTable
}

// AreaSource counts an indicator by the small areas of a district. Like
// [Source.Districts] it asks the access gate (through insight) and returns
// only disclosure-controlled counts.
type AreaSource interface {
	Areas(ctx context.Context, u *govern.User, id, purpose, district, level string) (*AreaTable, error)
}

var (
	_ AreaSource = (*NamedIndicators)(nil)
	_ AreaSource = (*DistrictCounts)(nil)
)

// noLSOA is the refusal for an indicator whose records carry no LSOA.
func noLSOA(id string) error {
	return fault.Errorf(fault.Invalid, "indicator %s has no LSOA column; districts only", id)
}

// CheckArea validates the district and level of a drill-down.
func CheckArea(county *geo.County, district, level string) (*geo.LAD, error) {
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
	name, ok := strings.CutPrefix(id, NamedPrefix)
	if !ok {
		ai, ok := n.Counts.(AreaSource)
		if !ok {
			return nil, fault.Errorf(fault.NotFound, "no indicator %q (GET /api/indicators lists them)", id)
		}
		return ai.Areas(ctx, u, id, purpose, district, level)
	}
	ind, err := FindIndicator(name)
	if err != nil {
		return nil, err
	}
	lad, err := CheckArea(n.County, district, level)
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
	lad, err := CheckArea(dc.County, district, level)
	if err != nil {
		return nil, err
	}
	if dc.Insight == nil {
		return nil, fault.Errorf(fault.Internal, "publish: LSOA counts need the insight engine")
	}
	if _, ok := lsoaColumn(d.Schema); !ok {
		return nil, noLSOA(id)
	}
	rel, v, err := dc.prepare(ctx, u, d, purpose, insight.DimLSOA)
	if err != nil {
		return nil, err
	}
	all, err := cachedTable(ctx, &dc.cache, rel, func(rel *insight.Release) (*DistrictTable, error) {
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
			v.Value, v.Display = &f, GroupDigits(c.Count)
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
// [areaSlices]), kept with the table when it is cached.
func sliceArea(all *DistrictTable, county *geo.County, lad *geo.LAD) *AreaTable {
	c := all.areas
	if c == nil {
		return cutArea(all, county, lad)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.m[lad.Code]; ok {
		return t
	}
	t := cutArea(all, county, lad)
	t.views = new(Views)
	c.m[lad.Code] = t
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
