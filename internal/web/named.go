package web

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

// namedPrefix marks the ids of the partnership's named indicators.
const namedPrefix = "ind:"

// NamedIndicators offers the partnership's named indicators (package
// insight: rates per 1,000 residents by district) first, then every
// dataset's record counts from Counts.
type NamedIndicators struct {
	Insight *insight.Engine
	County  *geo.County
	Counts  Indicators

	// cache keeps published tables (see [NamedIndicators.cached]).
	cache tableCache
}

var _ Indicators = (*NamedIndicators)(nil)

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
		out = append(out, Indicator{ID: namedPrefix + name, Name: ind.Title, Description: ind.Description, Unit: "per 1,000 residents", DatasetID: ind.Dataset})
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
	name, ok := strings.CutPrefix(id, namedPrefix)
	if !ok {
		return n.Counts.Districts(ctx, u, id, purpose)
	}
	ind, err := findIndicator(name)
	if err != nil {
		return nil, err
	}
	return n.cached(ctx, u, ind, func(rel *insight.Release) (*DistrictTable, error) { return n.districts(ctx, rel, id, ind) })
}

// districts computes a named indicator's release through the insight engine.
func (n *NamedIndicators) districts(ctx context.Context, rel *insight.Release, id string, ind *insight.Indicator) (*DistrictTable, error) {
	t, err := n.Insight.ComputeIndicator(ctx, rel)
	if err != nil {
		return nil, err
	}
	dt := &DistrictTable{
		Indicator:  Indicator{ID: id, Name: ind.Title, Description: ind.Description, Unit: "per 1,000 residents", DatasetID: ind.Dataset},
		Purpose:    ind.Purpose,
		Notes:      []string{"Rates per 1,000 residents (ONS mid-2022 estimates) with the count behind each; [c] marks a suppressed count.", t.Result.Protection.Note()},
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
