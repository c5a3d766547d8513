package web

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
	"github.com/civiclink/civiclink/internal/query"
)

// OpDistrictCounts is the read operation behind the district map and
// tables: counts of a dataset's records by district.
const OpDistrictCounts = "web.district-counts"

func init() {
	govern.Register(govern.Operation{
		Name:        OpDistrictCounts,
		Description: "web map and tables: records of a dataset's latest version counted by district, disclosure-controlled",
		Output:      govern.Aggregate,
		Probe:       probeDistrictCounts,
	})
}

// Aggregator is the store as the indicator source reads it.
type Aggregator interface {
	Datasets(ctx context.Context) ([]*catalog.Dataset, error)
	Dataset(ctx context.Context, id string) (*catalog.Dataset, error)
	Version(ctx context.Context, datasetID string, number int) (*catalog.Version, error)
	RawAggregate(ctx context.Context, spec query.AggregateSpec) ([]query.AggregateRow, error)
}

// DistrictCounts is an [Indicators] source over the catalogue: for every
// dataset with a district (lad-code) or LSOA (lsoa-code) column, the number
// of records of its latest version in each of the county's districts.
//
// The counting is the insight engine's (Aggregate --by district): it asks
// govern for the read, leaves out opted-out records, folds LSOAs into
// their districts and applies disclosure control with its differencing
// auditor. Before that, every request is decided (and recorded) as the
// web's own read, [OpDistrictCounts], which also keys a cache of tables
// already published, so a repeat view costs no aggregate.
type DistrictCounts struct {
	Store  Aggregator
	County *geo.County
	Govern Governance
	// Insight counts; required. Without a geography of its own it is given
	// County's, to place LSOAs.
	Insight *insight.Engine
	// Policy is extra disclosure control (a higher threshold, rounding);
	// the agreement's threshold always applies.
	Policy disclose.Policy

	cache tableCache
}

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
		return nil, fault.Errorf(fault.Internal, "web: district counts need the insight engine")
	}
	d, err := dc.Store.Dataset(ctx, dsID)
	if err != nil {
		return nil, err
	}
	col, ok := placeColumn(d.Schema)
	if !ok {
		return nil, fault.Errorf(fault.NotFound, "dataset %q has no district or LSOA column to map", d.ID)
	}
	key, v, p, err := dc.decide(ctx, u, d, col.Name, id, purpose)
	if err != nil {
		return nil, err
	}
	return dc.cache.do(key, func() (*DistrictTable, error) { return dc.count(ctx, u, d, v, p, id, purpose) })
}

// decide asks governance for u's read of d's column for purpose (recording
// the decision) and returns the release it allows: its cache key (what,
// the latest version, the threshold, the opted-out records), the version
// and the disclosure policy at the decided threshold.
func (dc *DistrictCounts) decide(ctx context.Context, u *govern.User, d *catalog.Dataset, column, what, purpose string) (string, *catalog.Version, disclose.Policy, error) {
	p := dc.Policy
	dec, err := dc.Govern.Authorize(ctx, u, govern.Request{Operation: OpDistrictCounts, Purpose: purpose, Output: govern.Aggregate,
		Reads: []govern.Read{{Dataset: d.ID, Columns: []string{column}}}})
	if err != nil {
		return "", nil, p, err
	}
	v, err := dc.Store.Version(ctx, d.ID, 0)
	if err != nil {
		return "", nil, p, err
	}
	ex, err := dc.Govern.Excluded(ctx, d.ID, purpose)
	if err != nil {
		return "", nil, p, err
	}
	p.Threshold = max(p.Threshold, int64(dec.Threshold))
	return releaseKey(what, purpose, v.ID, p.Threshold, ex), v, p, nil
}

// aggregate asks the insight engine for the version's records by one
// dimension (district or LSOA) under policy p.
func (dc *DistrictCounts) aggregate(ctx context.Context, u *govern.User, d *catalog.Dataset, v *catalog.Version, p disclose.Policy, purpose, by string) (*disclose.Result, error) {
	e := *dc.Insight
	if e.Geo == nil {
		e.Geo = dc.County
	}
	return e.Aggregate(ctx, u, insight.AggregateQuery{Dataset: d.ID, Version: v.Number, By: []string{by},
		Purpose: purpose, Threshold: p.Threshold, RoundTo: p.RoundTo})
}

// count asks the insight engine for the version's records by district.
func (dc *DistrictCounts) count(ctx context.Context, u *govern.User, d *catalog.Dataset, v *catalog.Version, p disclose.Policy, id, purpose string) (*DistrictTable, error) {
	res, err := dc.aggregate(ctx, u, d, v, p, purpose, insight.DimDistrict)
	if err != nil {
		return nil, err
	}
	out := dc.publish(res, Indicator{ID: id, Name: d.Name, DatasetID: d.ID, Unit: "records"}, purpose)
	out.Notes = append(out.Notes, fmt.Sprintf("Version %d. %s", v.Number, res.Protection.Note()))
	out.Protection = disclose.ProtectionJSON(res.Protection)
	if len(res.Dims) > 0 && slices.ContainsFunc(res.Dims[0].Levels, func(l string) bool { _, in := dc.County.LAD(l); return !in }) {
		out.Notes = append(out.Notes, "Some records have no place in the county's districts (blank or outside the county): they are in the total but on no district.")
	}
	return out, nil
}

// publish turns a disclosure-controlled result into the web's table.
func (dc *DistrictCounts) publish(res *disclose.Result, in Indicator, purpose string) *DistrictTable {
	out := &DistrictTable{Indicator: in, Purpose: purpose}
	for _, code := range dc.County.LADCodes() {
		lad, _ := dc.County.LAD(code)
		c, _ := res.Cell(code)
		v := DistrictValue{Code: code, Name: lad.Name, Display: c.Display(), Suppressed: c.Status.Suppressed()}
		if !v.Suppressed {
			f := float64(c.Count)
			v.Value, v.Display = &f, groupDigits(c.Count)
		}
		out.Values = append(out.Values, v)
	}
	if c, ok := res.Cell(disclose.TotalLevel); ok {
		out.Total = c.Display()
		if !c.Status.Suppressed() {
			out.Total = groupDigits(c.Count)
		}
	}
	return out
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// probeDistrictCounts is the operation's gate-test probe: it asks az, then
// counts p.Dataset's records by its place column, as Districts does.
func probeDistrictCounts(ctx context.Context, az govern.Authorizer, p govern.Probe) error {
	if _, err := az.Authorize(ctx, p.User, govern.Request{Operation: OpDistrictCounts, Purpose: p.Purpose, Output: govern.Aggregate,
		Reads: []govern.Read{{Dataset: p.Dataset, Columns: p.Columns}}}); err != nil {
		return err
	}
	st, ok := p.Store.(Aggregator)
	if !ok {
		return fault.Errorf(fault.Internal, "probe: the fixture store cannot aggregate")
	}
	d, err := st.Dataset(ctx, p.Dataset)
	if err != nil {
		return err
	}
	v, err := st.Version(ctx, d.ID, 0)
	if err != nil {
		return err
	}
	col, ok := placeColumn(d.Schema)
	if !ok {
		return fault.Errorf(fault.Invalid, "probe: dataset %q has no place column", d.ID)
	}
	_, err = st.RawAggregate(ctx, query.AggregateSpec{Version: v, Schema: d.Schema, By: []query.GroupKey{{Column: col.Name}}})
	return err
}
