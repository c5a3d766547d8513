package disclose

import (
	"slices"

	"github.com/civiclink/civiclink/internal/fault"
)

// Row is one grouped result as a query returns it: a level per dimension
// and the cell.
type Row struct {
	Levels []string
	Cell   Cell
}

// Build makes a table from query rows. A dimension given with Levels keeps
// them (so every district or month appears, even with no rows); one given
// with none takes the distinct levels of the rows, sorted. Combinations
// with no row are cells of count zero, as a GROUP BY leaves them out. A
// repeated combination, or a level outside a given list, is an error.
func Build(measure string, dims []Dim, rows []Row) (*Table, error) {
	dims = slices.Clone(dims)
	for d := range dims {
		if dims[d].Levels != nil {
			continue
		}
		var lv []string
		for _, r := range rows {
			if d < len(r.Levels) && !slices.Contains(lv, r.Levels[d]) {
				lv = append(lv, r.Levels[d])
			}
		}
		slices.Sort(lv)
		dims[d].Levels = lv
	}
	t := NewTable(measure, dims...)
	seen := make([]bool, len(t.Cells))
	for _, r := range rows {
		i, err := t.Index(r.Levels...)
		if err != nil {
			return nil, err
		}
		if seen[i] {
			return nil, fault.Errorf(fault.Invalid, "two rows for the cell %v; group the query by every dimension", r.Levels)
		}
		seen[i] = true
		t.Cells[i] = r.Cell
	}
	return t, nil
}
