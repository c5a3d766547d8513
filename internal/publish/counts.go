package publish

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// Catalog is the catalogue as the record counts read it.
type Catalog interface {
	Datasets(ctx context.Context) ([]*catalog.Dataset, error)
	Dataset(ctx context.Context, id string) (*catalog.Dataset, error)
	Version(ctx context.Context, datasetID string, number int) (*catalog.Version, error)
}

// DistrictCounts is a [Source] over the catalogue: for every dataset with
// a district (lad-code) or LSOA (lsoa-code) column, the number of records
// of its latest version in each of the county's districts.
//
// The counting is the insight engine's (an aggregate by district): it
// prepares the release (one access decision, recorded; opted-out records
// left out), and the release's key keys a cache of tables already
// published, so a repeat view costs no aggregate; a first view computes
// the release (LSOAs folded into districts, disclosure control with the
// differencing auditor) without deciding again.
type DistrictCounts struct {
	Store  Catalog
	County *geo.County
	// Insight counts; required. Without a geography of its own it is given
	// County's, to place LSOAs.
	Insight *insight.Engine
	// Policy is extra disclosure control (a higher threshold, rounding);
	// the agreement's threshold always applies.
	Policy disclose.Policy

	cache Cache
}

var _ Source = (*DistrictCounts)(nil)

const countPrefix = "records-"

// Indicators lists one count indicator per placeable dataset.
func (dc *DistrictCounts) Indicators(ctx context.Context) ([]Indicator, error) {
	ds, err := dc.Store.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	var out []Indicator
	for _, d := range ds {
		if _, ok := placeColumn(d.Schema); !ok {
			continue
		}
		name := d.Name
		if name == "" {
			name = d.ID
		}
		out = append(out, Indicator{ID: countPrefix + d.ID, Name: name, DatasetID: d.ID, Unit: "records",
			Description: "Records in the latest version, by the district they fall in"})
	}
	return out, nil
}

// placeColumn returns the column that places a record in a district.
func placeColumn(sc *catalog.Schema) (*catalog.Column, bool) {
	for _, t := range []catalog.Type{catalog.TypeDistrict, catalog.TypeLSOA} {
		for i := range sc.Columns {
			if sc.Columns[i].Type == t {
				return &sc.Columns[i], true
			}
		}
	}
	return nil, false
}

// Districts computes one indicator for purpose, as u.
func (dc *DistrictCounts) Districts(ctx context.Context, u *govern.User, id, purpose string) (*DistrictTable, error) {
	dsID, ok := strings.CutPrefix(id, countPrefix)
	if !ok {
		return nil, fault.Errorf(fault.NotFound, "no indicator %q (GET /api/indicators lists them)", id)
	}
	if dc.Insight == nil {
		return nil, fault.Errorf(fault.Internal, "publish: district counts need the insight engine")
	}
	d, err := dc.Store.Dataset(ctx, dsID)
	if err != nil {
		return nil, err
	}
	if _, ok := placeColumn(d.Schema); !ok {
		return nil, fault.Errorf(fault.NotFound, "dataset %q has no district or LSOA column to map", d.ID)
	}
	rel, v, err := dc.prepare(ctx, u, d, purpose, insight.DimDistrict)
	if err != nil {
		return nil, err
	}
	return cachedTable(ctx, &dc.cache, rel, func(rel *insight.Release) (*DistrictTable, error) { return dc.count(ctx, rel, d, v, id, purpose) })
}

// prepare has insight prepare the count of d's latest version by one
// dimension (district or LSOA) for purpose as u: one access decision,
// recorded, and the release's key. It returns the version counted.
func (dc *DistrictCounts) prepare(ctx context.Context, u *govern.User, d *catalog.Dataset, purpose, by string) (*insight.Release, *catalog.Version, error) {
	v, err := dc.Store.Version(ctx, d.ID, 0)
	if err != nil {
		return nil, nil, err
	}
	rel, err := dc.placing().PrepareAggregate(ctx, u, insight.AggregateQuery{Dataset: d.ID, Version: v.Number, By: []string{by},
		Purpose: purpose, Threshold: dc.Policy.Threshold, RoundTo: dc.Policy.RoundTo})
	return rel, v, err
}

// placing is the insight engine, placing LSOAs with County when it has no
// geography of its own.
func (dc *DistrictCounts) placing() *insight.Engine {
	if dc.Insight.Geo != nil {
		return dc.Insight
	}
	e := *dc.Insight
	e.Geo = dc.County
	return &e
}

// count computes a release of the version's records by district.
func (dc *DistrictCounts) count(ctx context.Context, rel *insight.Release, d *catalog.Dataset, v *catalog.Version, id, purpose string) (*DistrictTable, error) {
	res, err := dc.placing().ComputeAggregate(ctx, rel)
	if err != nil {
		return nil, err
	}
	out := dc.publish(res, Indicator{ID: id, Name: d.Name, DatasetID: d.ID, Unit: "records"}, purpose)
	out.Period = recordsPeriod(d, v)
	span := ""
	if out.Period != "" {
		span = " Records dated " + out.Period + "."
	}
	out.Notes = append(out.Notes, fmt.Sprintf("Version %d.%s %s", v.Number, span, res.Protection.Note()))
	out.Protection = disclose.ProtectionJSON(res.Protection)
	if len(res.Dims) > 0 && slices.ContainsFunc(res.Dims[0].Levels, func(l string) bool { _, in := dc.County.LAD(l); return !in }) {
		out.Notes = append(out.Notes, "Some records have no place in the county's districts (blank or outside the county): they are in the total but on no district.")
	}
	return out, nil
}

// publish turns a disclosure-controlled result into a district table.
func (dc *DistrictCounts) publish(res *disclose.Result, in Indicator, purpose string) *DistrictTable {
	out := &DistrictTable{Indicator: in, Purpose: purpose}
	for _, code := range dc.County.LADCodes() {
		lad, _ := dc.County.LAD(code)
		c, _ := res.Cell(code)
		v := DistrictValue{Code: code, Name: lad.Name, Display: c.Display(), Suppressed: c.Status.Suppressed()}
		if !v.Suppressed {
			f := float64(c.Count)
			v.Value, v.Display = &f, GroupDigits(c.Count)
		}
		out.Values = append(out.Values, v)
	}
	if c, ok := res.Cell(disclose.TotalLevel); ok {
		out.Total = c.Display()
		if !c.Status.Suppressed() {
			out.Total = GroupDigits(c.Count)
		}
	}
	return out
}

// recordsPeriod is the span of a version's event dates ("2019-01-03 to
// 2023-12-30"), from its quality report; "" when it has no event date.
func recordsPeriod(d *catalog.Dataset, v *catalog.Version) string {
	if d.Schema == nil || v.Quality == nil {
		return ""
	}
	for _, c := range d.Schema.Columns {
		if c.Role != catalog.RoleEventDate {
			continue
		}
		for _, q := range v.Quality.Columns {
			if q.Name == c.Name && q.Min != "" && q.Max != "" {
				return day(q.Min) + " to " + day(q.Max)
			}
		}
	}
	return ""
}

// day is a date or datetime's day.
func day(s string) string {
	if len(s) > 10 {
		return s[:10]
	}
	return s
}
