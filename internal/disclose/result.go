package disclose

import (
	"strconv"
	"strings"
)

// Confidential is the symbol a suppressed value is written as: the UK
// Government Statistical Service's "[c]". A suppressed value is never
// written as 0 or left blank.
const Confidential = "[c]"

// Status says what disclosure control did to a published cell.
type Status string

// The statuses a cell can have.
const (
	// Shown is a cell published as counted.
	Shown Status = "shown"
	// SuppressedPrimary is a cell withheld for its own sake: a small
	// count, a dominated sum, or a difference from an earlier release.
	SuppressedPrimary Status = "suppressed-primary"
	// SuppressedSecondary is a cell withheld so a primary one cannot be
	// worked out from totals.
	SuppressedSecondary Status = "suppressed-secondary"
	// Rounded is a cell published rounded to the policy's base.
	Rounded Status = "rounded"
	// Perturbed is a cell published after cell-key perturbation (and
	// rounded, if the policy says so).
	Perturbed Status = "perturbed"
	// Noised is a cell published with differential privacy noise (and
	// rounded, if the policy says so).
	Noised Status = "noised"
)

// Suppressed reports whether s withholds the value.
func (s Status) Suppressed() bool { return s == SuppressedPrimary || s == SuppressedSecondary }

// OutCell is one published cell: interior or margin.
type OutCell struct {
	// Levels holds the cell's level per dimension; a margin has
	// [TotalLevel] in the dimensions it totals over.
	Levels []string
	// Margin is true for a row, column or grand total.
	Margin bool
	// Count is the published count; meaningless when suppressed.
	Count int64
	// Sum and Mean are the published magnitude and its mean per unit, for
	// tables with a sum; meaningless when suppressed or Count is 0.
	Sum, Mean float64
	Status    Status
	// Reason says which rule set the status, in words for an output
	// checker; it never contains an unpublished value.
	Reason string
}

// Display returns the count as it is written: the number, or [Confidential]
// when suppressed.
func (c OutCell) Display() string {
	if c.Status.Suppressed() {
		return Confidential
	}
	return strconv.FormatInt(c.Count, 10)
}

// DisplaySum returns the sum as written, or [Confidential].
func (c OutCell) DisplaySum() string {
	if c.Status.Suppressed() {
		return Confidential
	}
	return strconv.FormatFloat(c.Sum, 'f', -1, 64)
}

// DisplayMean returns the mean to one decimal place, [Confidential], or ""
// for an empty cell (no mean exists).
func (c OutCell) DisplayMean() string {
	switch {
	case c.Status.Suppressed():
		return Confidential
	case c.Count == 0:
		return ""
	}
	return strconv.FormatFloat(c.Mean, 'f', 1, 64)
}

// Result is a table after disclosure control: safe to publish.
type Result struct {
	Dims    []Dim
	Measure string
	SumName string
	// Cells holds the interior and (unless the policy omits them) the
	// margins, in row-major order over each dimension's levels extended by
	// its group subtotals and Total: a row's cells are followed by its
	// subtotals and total, and the subtotal and total rows come last.
	Cells []OutCell
	// Report is what the automatic checks found, for an output checker.
	Report Report
	// Spent is the privacy budget the table spent (zero without DP).
	Spent Budget
	// Protection says how the figures were protected; it is published
	// with them.
	Protection Protection

	byKey map[string]int
}

// Cell returns the published cell with the given levels (use [TotalLevel]
// for margins), or false if there is none.
func (r *Result) Cell(levels ...string) (OutCell, bool) {
	if r.byKey == nil {
		r.byKey = make(map[string]int, len(r.Cells))
		for i, c := range r.Cells {
			r.byKey[strings.Join(c.Levels, "\x00")] = i
		}
	}
	i, ok := r.byKey[strings.Join(levels, "\x00")]
	if !ok {
		return OutCell{}, false
	}
	return r.Cells[i], true
}
