package insight

import (
	"slices"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/query"
)

// Differentially private tables have the same shape whatever the data.
// A level that appears only when it has records, or a filter that matching
// nothing fails, tells exactly what noise was meant to hide. So every
// dimension of a noisy table takes its declared levels: a category's
// codes, every district of the county, every LSOA of the county, every
// period from the dataset's first to its last date as loaded (not as
// filtered), and one "(missing)" level, always present, for values
// outside them. A dimension with no declared levels is refused.

// declarePlan fixes the levels of every dimension of a differentially
// private table, or says which dimension has none declared.
func (e *Engine) declarePlan(sc *catalog.Schema, spec query.AggregateSpec, plan []dimPlan) error {
	for i, g := range spec.By {
		if plan[i].levels != nil {
			continue
		}
		c, _ := sc.Column(g.Column)
		switch {
		case g.Period != "":
			plan[i].levels = spanLevels(g.Period, nil, periodBounds(spec, g.Column))
		case c.Type == catalog.TypeCategory:
			for _, code := range c.Codes {
				plan[i].levels = append(plan[i].levels, code.Value)
			}
		case c.Type == catalog.TypeDistrict && e.Geo != nil:
			plan[i].levels = e.Geo.LADCodes()
		case c.Type == catalog.TypeLSOA && e.Geo != nil:
			for _, l := range e.Geo.LSOAs {
				plan[i].levels = append(plan[i].levels, l.Code)
			}
		}
		if len(plan[i].levels) == 0 {
			return fault.Errorf(fault.Disclosure, "a differentially private table groups only by dimensions with declared levels (categories, districts, LSOAs, periods of the event date): %s has none", plan[i].name)
		}
	}
	for i := range plan {
		if !slices.Contains(plan[i].levels, Missing) {
			plan[i].levels = append(slices.Clip(plan[i].levels), Missing)
		}
	}
	return nil
}

// clampRows moves rows whose key is not a declared level to the
// "(missing)" level, merging them, so no undeclared level appears.
func clampRows(rows []query.AggregateRow, plan []dimPlan) []query.AggregateRow {
	declared := make([]map[string]bool, len(plan))
	for i, p := range plan {
		declared[i] = map[string]bool{}
		for _, l := range p.levels {
			declared[i][l] = true
		}
	}
	var out []query.AggregateRow
	index := map[string]int{}
	for _, r := range rows {
		keys := slices.Clone(r.Keys)
		id := ""
		for i, k := range keys {
			if !declared[i][levelOf(k)] {
				keys[i] = ""
			}
			id += keys[i] + "\x00"
		}
		if j, ok := index[id]; ok {
			out[j].Count += r.Count
			out[j].Sum += r.Sum
			out[j].IDs = append(out[j].IDs, r.IDs...)
			continue
		}
		index[id] = len(out)
		r.Keys = keys
		out = append(out, r)
	}
	return out
}
