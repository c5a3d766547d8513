// Package disclose makes aggregate tables safe to publish. Every table the
// insight engine produces passes through [Apply] before it reaches a user by
// any route (CLI, API, web, export): small counts are suppressed, cells that
// would let a suppressed one be worked out from totals are suppressed too,
// counts are rounded, or differential-privacy noise is added against a
// per-dataset privacy budget, and an output checker gets a [Report] of what
// was done and why.
//
// The package is pure Go: it knows nothing of SQL or HTTP. Budgets persist
// through the [Ledger] interface, which the store implements.
package disclose

import (
	"context"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// TotalLevel is the level name margins carry in written tables.
const TotalLevel = "Total"

// Dim is one grouping dimension of a table, e.g. district or month, with
// its levels in display order.
type Dim struct {
	Name   string
	Levels []string
	// Groups, when set, names the group of each level (one entry per
	// level), e.g. the district of each LSOA. The table then also
	// publishes a subtotal per group, and suppression protects the levels
	// against those subtotals as well, so a small-area table and its
	// district figures come out of one consistent control.
	Groups []string
}

// groupNames returns the distinct groups in order of first appearance.
func (d Dim) groupNames() []string {
	var out []string
	seen := map[string]bool{}
	for _, g := range d.Groups {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// Cell is one interior cell of an aggregate table before disclosure control.
type Cell struct {
	// Count is the number of statistical units (people, records) in the
	// cell.
	Count int64
	// Sum is the cell's total of a magnitude (days, pounds) when the table
	// has one ([Table.SumName] set).
	Sum float64
	// Top holds the largest single contributions to Sum, largest first;
	// dominance rules need at least the top one (top two for the p% rule).
	Top []float64
	// IDs are the record (or entity) ids that contribute to the cell. When
	// given, an [Auditor] can catch differencing between released tables.
	IDs []string
	// Members, instead of IDs, is the digest of the ids (see [Digest]),
	// computed where the records are so that millions of ids need not be
	// moved; it must be made with the [Auditor]'s [MemberKey]. It may come
	// without buckets if the table has FillMembers.
	Members *Digest
	// Base, optional, holds the ids of every unit the query ranged over
	// for this cell before the counted condition: for "flagged people in
	// district A aged under 65", everyone in district A aged under 65.
	// Bases do not depend on the sensitive condition, so comparing them
	// lets the [Auditor] refuse a differencing pair whether or not the
	// isolated person has the attribute, and the refusal itself then
	// reveals nothing.
	Base []string
	// Key is the sum of the cell's records' keys (each a fixed random
	// number given at ingest, as a 32-bit one; see [KeySpace]), wrapping
	// modulo 2⁶⁴. With a [Policy.Perturb] table it picks the cell's
	// perturbation, so the same records always publish the same value.
	Key uint64
}

// Table is an aggregate table: an interior of cells, one per combination
// of levels of its dimensions, stored row-major (the last dimension varies
// fastest). Margins (totals over each dimension and the grand total) are
// derived by summing cells, so a table must be additive: each unit counts
// in exactly one interior cell.
type Table struct {
	Dims  []Dim
	Cells []Cell
	// Measure names the count column in written output; "count" if empty.
	Measure string
	// SumName, when set, names a magnitude summed per cell; the table then
	// publishes the sum and mean beside the count.
	SumName string
	// FillMembers, when set, replaces the cells' bucketless Members with
	// complete digests. [Apply] calls it at most once, and only when a
	// cell's population must be compared with a released one of nearly its
	// size or recorded as newly released; a repeated table needs neither.
	FillMembers func(ctx context.Context) error

	index []map[string]int
}

// NewTable returns a table with the given dimensions and all counts zero.
func NewTable(measure string, dims ...Dim) *Table {
	n := 1
	for _, d := range dims {
		n *= len(d.Levels)
	}
	return &Table{Dims: dims, Cells: make([]Cell, n), Measure: measure}
}

// Size returns the number of interior cells the dimensions define.
func (t *Table) Size() int {
	n := 1
	for _, d := range t.Dims {
		n *= len(d.Levels)
	}
	return n
}

// Index returns the position in Cells of the cell with the given levels,
// one per dimension.
func (t *Table) Index(levels ...string) (int, error) {
	if len(levels) != len(t.Dims) {
		return 0, fault.Errorf(fault.Invalid, "a cell of this table needs %d levels (%s), got %d", len(t.Dims), t.dimNames(), len(levels))
	}
	if t.index == nil {
		t.buildIndex()
	}
	pos := 0
	for i, l := range levels {
		k, ok := t.index[i][l]
		if !ok {
			return 0, fault.Errorf(fault.Invalid, "%q is not a level of dimension %s", l, t.Dims[i].Name)
		}
		pos = pos*len(t.Dims[i].Levels) + k
	}
	return pos, nil
}

// Set stores c as the cell with the given levels.
func (t *Table) Set(c Cell, levels ...string) error {
	i, err := t.Index(levels...)
	if err != nil {
		return err
	}
	t.Cells[i] = c
	return nil
}

func (t *Table) buildIndex() {
	t.index = make([]map[string]int, len(t.Dims))
	for i, d := range t.Dims {
		t.index[i] = make(map[string]int, len(d.Levels))
		for k, l := range d.Levels {
			t.index[i][l] = k
		}
	}
}

func (t *Table) dimNames() string {
	names := make([]string, len(t.Dims))
	for i, d := range t.Dims {
		names[i] = d.Name
	}
	return strings.Join(names, " × ")
}

func (t *Table) measure() string {
	if t.Measure == "" {
		return "count"
	}
	return t.Measure
}

// validate checks the table's shape and values.
func (t *Table) validate() error {
	if len(t.Dims) == 0 {
		return fault.Errorf(fault.Invalid, "a table needs at least one dimension")
	}
	seen := map[string]bool{}
	for _, d := range t.Dims {
		if d.Name == "" || seen[d.Name] {
			return fault.Errorf(fault.Invalid, "dimension names must be non-empty and distinct (got %q)", d.Name)
		}
		seen[d.Name] = true
		if len(d.Levels) == 0 {
			return fault.Errorf(fault.Invalid, "dimension %s has no levels", d.Name)
		}
		lv := map[string]bool{}
		for _, l := range d.Levels {
			if lv[l] || l == TotalLevel {
				return fault.Errorf(fault.Invalid, "dimension %s: level %q is repeated or reserved", d.Name, l)
			}
			lv[l] = true
		}
		if d.Groups != nil && len(d.Groups) != len(d.Levels) {
			return fault.Errorf(fault.Invalid, "dimension %s has %d groups for %d levels; give one group per level", d.Name, len(d.Groups), len(d.Levels))
		}
		for _, g := range d.groupNames() {
			if lv[g] || g == TotalLevel {
				return fault.Errorf(fault.Invalid, "dimension %s: group %q is also a level or reserved", d.Name, g)
			}
		}
	}
	if len(t.Cells) != t.Size() {
		return fault.Errorf(fault.Invalid, "table %s has %d cells, want %d", t.dimNames(), len(t.Cells), t.Size())
	}
	for i, c := range t.Cells {
		if c.Count < 0 {
			return fault.Errorf(fault.Invalid, "cell %d has a negative count", i)
		}
		if c.IDs != nil && int64(len(c.IDs)) != c.Count {
			return fault.Errorf(fault.Invalid, "cell %d has %d ids for a count of %d; pass one id per counted unit", i, len(c.IDs), c.Count)
		}
	}
	return nil
}
