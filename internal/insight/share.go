package insight

import (
	"slices"

	"github.com/civiclink/civiclink/internal/disclose"
)

// shareTable is a share indicator's table without its share dimension:
// the cells of the value counted (e.g. not reaching a good level of
// development), as published, with the full table's protection.
func shareTable(full *disclose.Result, sh *Share) *disclose.Result {
	sd := slices.IndexFunc(full.Dims, func(d disclose.Dim) bool { return d.Name == sh.Column })
	if sd < 0 {
		return full
	}
	out := &disclose.Result{Measure: full.Measure, SumName: full.SumName, Report: full.Report, Spent: full.Spent, Protection: full.Protection}
	out.Dims = slices.Delete(slices.Clone(full.Dims), sd, sd+1)
	for _, c := range full.Cells {
		if c.Levels[sd] != sh.Value {
			continue
		}
		c.Levels = slices.Delete(slices.Clone(c.Levels), sd, sd+1)
		c.Margin = slices.Contains(c.Levels, disclose.TotalLevel)
		out.Cells = append(out.Cells, c)
	}
	return out
}

// shareRates gives each published cell of a share's table its percentage
// of the eligible (the margin over the share dimension of the full table)
// with a Wilson 95% interval; from published counts only, so a suppressed
// count or eligible count has no percentage.
func shareRates(full, table *disclose.Result, sh *Share) []RateCell {
	sd := slices.IndexFunc(full.Dims, func(d disclose.Dim) bool { return d.Name == sh.Column })
	var out []RateCell
	for _, c := range table.Cells {
		rc := RateCell{Levels: c.Levels, Count: c.Display()}
		if sd >= 0 {
			levels := slices.Insert(slices.Clone(c.Levels), sd, disclose.TotalLevel)
			if den, ok := full.Cell(levels...); ok {
				rc.Denominator = den.Display()
				if r, ok := sharePercent(c, den); ok {
					rc.Rate = &r
				}
			}
		}
		out = append(out, rc)
	}
	d := slices.IndexFunc(table.Dims, func(x disclose.Dim) bool { return x.Name == DimDistrict })
	compareWithCounty(out, d)
	return out
}

// sharePercent is num's percentage of den with a Wilson 95% interval,
// when both are published and den is not 0. Perturbation can publish a
// count above its eligible count; the share is then capped at 100%.
func sharePercent(num, den disclose.OutCell) (Rate, bool) {
	if num.Status.Suppressed() || den.Status.Suppressed() || den.Count <= 0 {
		return Rate{}, false
	}
	k := min(num.Count, den.Count)
	lo, hi := WilsonInterval(k, den.Count, Z95)
	return Rate{Count: num.Count, Population: float64(den.Count), Per: 100, Value: float64(k) / float64(den.Count) * 100, Lower: lo * 100, Upper: hi * 100}, true
}
