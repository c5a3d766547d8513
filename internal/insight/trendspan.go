package insight

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/query"
)

// periodStart reads the year and first month of a period label (2019,
// 2019-Q2, 2019-03) or of a date (2019-03-15, with or without a time).
func periodStart(s string) (y, m int, ok bool) {
	if len(s) < 4 {
		return 0, 0, false
	}
	y, err := strconv.Atoi(s[:4])
	if err != nil {
		return 0, 0, false
	}
	switch rest := s[4:]; {
	case rest == "":
		return y, 1, true
	case len(rest) >= 3 && rest[:2] == "-Q":
		q, err := strconv.Atoi(rest[2:3])
		if err != nil || q < 1 || q > 4 || len(rest) > 3 {
			return 0, 0, false
		}
		return y, 3*(q-1) + 1, true
	case len(rest) >= 3 && rest[0] == '-':
		m, err := strconv.Atoi(rest[1:3])
		if err != nil || m < 1 || m > 12 {
			return 0, 0, false
		}
		return y, m, true
	}
	return 0, 0, false
}

// periodLabel is the label of the period holding month m of year y, as the
// store writes it.
func periodLabel(period string, y, m int) string {
	switch period {
	case "year":
		return strconv.Itoa(y)
	case "quarter":
		return fmt.Sprintf("%d-Q%d", y, (m-1)/3+1)
	}
	return fmt.Sprintf("%d-%02d", y, m)
}

// spanLevels makes a period dimension's levels contiguous: every period
// from the earliest to the latest of levels and bounds (dates or labels),
// so that a period without records is a zero cell, not a missing one.
// Levels that are not periods (records without a date) stay, at the end.
func spanLevels(period string, levels, bounds []string) []string {
	lo, hi, any := 0, 0, false
	var other []string
	for _, s := range append(slices.Clone(levels), bounds...) {
		y, m, ok := periodStart(s)
		if !ok {
			if slices.Contains(levels, s) {
				other = append(other, s)
			}
			continue
		}
		k := y*12 + m - 1
		if !any || k < lo {
			lo = k
		}
		if !any || k > hi {
			hi = k
		}
		any = true
	}
	if !any {
		return levels
	}
	var out []string
	for k := lo; k <= hi; k++ {
		if l := periodLabel(period, k/12, k%12+1); len(out) == 0 || out[len(out)-1] != l {
			out = append(out, l)
		}
	}
	return append(out, other...)
}

// spanPlan fixes each period dimension of an aggregate to the whole span
// of the versions read: from the first to the last event date in their
// quality reports, widened to any period found.
func spanPlan(spec query.AggregateSpec, plan []dimPlan, rows []query.AggregateRow) {
	for i, g := range spec.By {
		if g.Period == "" || plan[i].levels != nil {
			continue
		}
		var found []string
		for _, r := range rows {
			if l := levelOf(r.Keys[i]); !slices.Contains(found, l) {
				found = append(found, l)
			}
		}
		plan[i].levels = spanLevels(g.Period, found, periodBounds(spec, g.Column))
	}
}

// periodBounds are the first and last values of date column in each of the
// spec's versions, as loaded: the range of the whole dataset, whatever a
// filter keeps.
func periodBounds(spec query.AggregateSpec, column string) []string {
	versions := spec.Versions
	if len(versions) == 0 {
		versions = []*catalog.Version{spec.Version}
	}
	var bounds []string
	for _, v := range versions {
		if v == nil || v.Quality == nil {
			continue
		}
		for _, c := range v.Quality.Columns {
			if c.Name == column && c.Min != "" && c.Max != "" {
				bounds = append(bounds, c.Min, c.Max)
			}
		}
	}
	return bounds
}
