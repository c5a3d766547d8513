package publish

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// NamedIndicators offers the partnership's named indicators (package
// insight: rates per 1,000 residents by district) first, then every
// dataset's record counts from Counts.
type NamedIndicators struct {
	Insight *insight.Engine
	County  *geo.County
	Counts  Source

	// cache keeps published tables (see [NamedIndicators.cachedBy]).
	cache Cache
}

var _ Source = (*NamedIndicators)(nil)

// Engine is the insight engine behind the named indicators (the theme
// pages and trends use it too).
func (n *NamedIndicators) Engine() *insight.Engine { return n.Insight }

// Indicators lists the named indicators, then the record counts.
func (n *NamedIndicators) Indicators(ctx context.Context) ([]Indicator, error) {
	all, err := shippedIndicators()
	if err != nil {
		return nil, err
	}
	var names []string
	for name := range all {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []Indicator
	for _, name := range names {
		ind := all[name]
		if ind.VersionPeriod != "" {
			continue // a county figure per version (DfT STATS19): nothing to map; its theme page has the trend
		}
		out = append(out, Indicator{ID: NamedPrefix + name, Name: ind.Title, Description: ind.Description, Unit: UnitOf(ind), DatasetID: ind.Dataset})
	}
	more, err := n.Counts.Indicators(ctx)
	if err != nil {
		return nil, err
	}
	return append(out, more...), nil
}

// Districts computes one indicator for every district. A named indicator
// is computed for its own purpose; its rates come only from published
// counts, so a suppressed district shows [c].
func (n *NamedIndicators) Districts(ctx context.Context, u *govern.User, id, purpose string) (*DistrictTable, error) {
	name, ok := strings.CutPrefix(id, NamedPrefix)
	if !ok {
		return n.Counts.Districts(ctx, u, id, purpose)
	}
	ind, err := FindIndicator(name)
	if err != nil {
		return nil, err
	}
	return n.cachedBy(ctx, u, ind, []string{insight.DimDistrict}, func(rel *insight.Release) (*DistrictTable, error) { return n.districts(ctx, rel, id, ind) })
}

// cachedBy answers a named indicator by the given dimensions: insight
// prepares its release (one access decision, recorded once per view) and
// the table published for that release is reused; only the first view of
// a release computes it, from the release, with no second decision.
func (n *NamedIndicators) cachedBy(ctx context.Context, u *govern.User, ind *insight.Indicator, by []string, compute func(*insight.Release) (*DistrictTable, error)) (*DistrictTable, error) {
	rel, err := n.Insight.PrepareIndicator(ctx, u, ind, by)
	if err != nil {
		return nil, err
	}
	return cachedTable(ctx, &n.cache, rel, compute)
}

// districts computes a named indicator's release through the insight engine.
func (n *NamedIndicators) districts(ctx context.Context, rel *insight.Release, id string, ind *insight.Indicator) (*DistrictTable, error) {
	t, err := n.Insight.ComputeIndicator(ctx, rel)
	if err != nil {
		return nil, err
	}
	dt := &DistrictTable{
		Indicator:  Indicator{ID: id, Name: ind.Title, Description: ind.Description, Unit: t.Unit, DatasetID: ind.Dataset},
		Purpose:    ind.Purpose,
		Period:     t.Period,
		Notes:      []string{RatesNote(n.Insight, ind, t), t.Result.Protection.Note()},
		Protection: t.Protection,
	}
	byCode := map[string]insight.RateCell{}
	for _, c := range t.Cells {
		byCode[c.Levels[0]] = c
	}
	for _, lad := range n.County.LADs {
		c := byCode[lad.Code]
		dt.Values = append(dt.Values, districtValue(lad.Code, lad.Name, c))
	}
	if total, ok := byCode[disclose.TotalLevel]; ok {
		dt.Total = districtValue("", "", total).Display
	}
	return dt, nil
}

func districtValue(code, name string, c insight.RateCell) DistrictValue {
	v := DistrictValue{Code: code, Name: name}
	switch {
	case c.Count == disclose.Confidential:
		v.Suppressed, v.Display = true, disclose.Confidential
	case c.Rate != nil:
		r := c.Rate.Value
		v.Value = &r
		v.Display = fmt.Sprintf("%.1f (%s)", r, c.Count)
	default:
		v.Display = c.Count
	}
	return v
}
