package disclose

import (
	"fmt"
	"math"
)

// The rules a [Finding] can name.
const (
	RuleMinCount     = "min-count"     // count in (0, threshold)
	RuleZero         = "zero"          // zero, withheld by policy
	RuleDominance    = "dominance"     // sum dominated by few contributors
	RuleDifferencing = "differencing"  // differs from an earlier release by a few units
	RuleSecondary    = "secondary"     // complement protecting another cell
	RuleResidual     = "residual-risk" // a withheld cell narrowly bounded by published figures
	RuleUnchecked    = "exact-check-skipped"
	RuleNoAudit      = "no-population-ids" // differencing audit wanted but ids missing
	RuleNoise        = "noise"             // differential privacy applied
	RulePerturbation = "perturbation"      // cell-key perturbation applied
)

// Finding is one thing an output checker should know about a table.
type Finding struct {
	Levels []string `json:"levels,omitempty"`
	Rule   string   `json:"rule"`
	Detail string   `json:"detail"`
	// Low and High bound a withheld cell's value as anyone can work it out
	// from the published figures (residual-risk findings only; High is -1
	// when unbounded).
	Low  int64 `json:"low,omitempty"`
	High int64 `json:"high,omitempty"`
}

// Report is the automatic output check of one table, for an output checker:
// what was withheld and why, and what risk remains. It holds no withheld
// value, but it does say which withheld cells are small (primary), so it
// must not be published with the table.
type Report struct {
	Cells      int       `json:"cells"`   // interior cells
	Margins    int       `json:"margins"` // margin cells
	Threshold  int64     `json:"threshold"`
	RoundTo    int64     `json:"round_to,omitempty"`
	Primary    int       `json:"primary"`   // cells withheld for their own sake
	Secondary  int       `json:"secondary"` // complements
	MinShown   int64     `json:"min_shown"` // smallest published non-zero count, 0 if none
	Exact      bool      `json:"exact_check"`
	Mechanism  string    `json:"mechanism,omitempty"`
	Spent      *Budget   `json:"spent,omitempty"`
	BudgetLeft *Budget   `json:"budget_left,omitempty"`
	Findings   []Finding `json:"findings"`
}

type reportNotes struct {
	exactChecked bool
	audited      bool
	auditWanted  bool
	dp           bool
	left         Budget
}

// report builds the output check for a controlled grid and its result.
func (c *control) report(t *Table, p Policy, r *Result, n reportNotes) Report {
	rep := Report{Cells: len(t.Cells), Margins: c.g.n - len(t.Cells), Threshold: c.th, RoundTo: p.RoundTo, Exact: n.exactChecked}
	for e := 0; e < c.g.n; e++ {
		switch c.status[e] {
		case SuppressedPrimary:
			rep.Primary++
		case SuppressedSecondary:
			rep.Secondary++
		}
		if c.suppressed(e) {
			rep.Findings = append(rep.Findings, Finding{Levels: c.levels(t, e), Rule: c.rule[e], Detail: c.reason[e]})
		}
	}
	for _, oc := range r.Cells {
		if !oc.Status.Suppressed() && oc.Count > 0 && (rep.MinShown == 0 || oc.Count < rep.MinShown) {
			rep.MinShown = oc.Count
		}
	}
	if !n.exactChecked {
		rep.Findings = append(rep.Findings, Finding{Rule: RuleUnchecked, Detail: "the table was too large for the exact check that no withheld cell can be solved for; only the line heuristic ran"})
	}
	if n.auditWanted && !n.audited {
		rep.Findings = append(rep.Findings, Finding{Rule: RuleNoAudit, Detail: "cells carried no record ids, so the differencing audit against earlier releases did not run"})
	}
	if n.dp {
		rep.Mechanism = string(p.DP.Mechanism)
		spent, left := r.Spent, n.left
		rep.Spent, rep.BudgetLeft = &spent, &left
		rep.Findings = append(rep.Findings, Finding{Rule: RuleNoise, Detail: fmt.Sprintf("%s noise on every interior cell (%s, unit in at most %d cells); margins are sums of noisy cells", p.DP.Mechanism, spent, p.DP.contributions())})
		return rep
	}
	if p.Perturb != nil {
		// Published counts are not true counts, so bounds worked out from
		// them as if they were exact say nothing; the red team measures
		// what an attacker can do instead.
		rep.Mechanism = "cell-key"
		rep.Findings = append(rep.Findings, Finding{Rule: RulePerturbation, Detail: fmt.Sprintf("every count perturbed by the cell-key method (table %s, at most %d either way); counts under %d after perturbation withheld", p.Perturb.Label(), p.Perturb.MaxPerturbation(), c.th)})
		return rep
	}
	rep.Findings = append(rep.Findings, c.residual(t, p.RoundTo)...)
	return rep
}

// residual bounds every withheld cell from the published figures the way an
// attacker without a solver would (see [Bounds]) and reports those pinned
// within a range narrower than the threshold.
func (c *control) residual(t *Table, base int64) []Finding {
	known := make([]bool, c.g.n)
	val := make([]int64, c.g.n)
	for e := 0; e < c.g.n; e++ {
		if !c.suppressed(e) {
			known[e] = true
			val[e] = roundTo(c.g.count[e], base)
		}
	}
	// Rounding halves up to v means a true value in [v − ⌊b/2⌋, v + ⌊(b−1)/2⌋].
	down, up := int64(0), int64(0)
	if base > 1 {
		down, up = base/2, (base-1)/2
	}
	lo, hi := c.g.bounds(known, val, down, up)
	var out []Finding
	for e := range c.stuck {
		out = append(out, Finding{Levels: c.levels(t, e), Rule: RuleResidual, Detail: "this withheld cell can still be solved for from the published figures: no cell was left to withhold with it; do not publish the table as it stands"})
	}
	for e := 0; e < c.g.n; e++ {
		// A complement bounded narrowly discloses nothing small; a primary
		// cell narrowly bounded, or any cell pinned exactly, is a risk.
		if known[e] || c.stuck[e] || hi[e]-lo[e] >= c.th || (c.status[e] != SuppressedPrimary && hi[e] > lo[e]) {
			continue
		}
		f := Finding{Levels: c.levels(t, e), Rule: RuleResidual, Low: lo[e], High: hi[e],
			Detail: fmt.Sprintf("published figures pin this withheld cell to [%d, %d], narrower than the threshold", lo[e], hi[e])}
		out = append(out, f)
	}
	return out
}

// unbounded stands for no upper bound.
const unbounded = math.MaxInt64 / 4

// bounds propagates interval bounds through the lines: a known cell lies in
// [v−down, v+up] (the rounding error), a withheld one in [0, ∞);
// a line's total lies between the sums of its members' bounds, and each
// member between the total's bounds less the other members'. It stops at a
// fixpoint or after a bounded number of passes.
func (g *grid) bounds(known []bool, val []int64, down, up int64) (lo, hi []int64) {
	lo, hi = make([]int64, g.n), make([]int64, g.n)
	for e := range lo {
		if known[e] {
			lo[e], hi[e] = max(0, val[e]-down), val[e]+up
		} else {
			hi[e] = unbounded
		}
	}
	lines := g.lines()
	var buf []int
	for pass := 0; pass < 50; pass++ {
		changed := false
		for _, l := range lines {
			buf = g.members(l, buf)
			if tightenLine(buf, lo, hi) {
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	return lo, hi
}

// tightenLine applies one line's constraint (members sum to the last) to
// the bounds and reports whether any moved.
func tightenLine(mem []int, lo, hi []int64) bool {
	tot := mem[len(mem)-1]
	parts := mem[:len(mem)-1]
	var sumLo, finiteHi int64
	open := 0 // members with no upper bound
	for _, e := range parts {
		sumLo += lo[e]
		if hi[e] >= unbounded {
			open++
		} else {
			finiteHi += hi[e]
		}
	}
	totHi := int64(unbounded)
	if open == 0 {
		totHi = finiteHi
	}
	changed := narrow(tot, sumLo, totHi, lo, hi)
	for _, e := range parts {
		newLo, newHi := int64(0), int64(unbounded)
		if hi[tot] < unbounded {
			newHi = hi[tot] - (sumLo - lo[e])
		}
		othersOpen, othersHi := open, finiteHi
		if hi[e] >= unbounded {
			othersOpen--
		} else {
			othersHi -= hi[e]
		}
		if othersOpen == 0 {
			newLo = lo[tot] - othersHi
		}
		if narrow(e, newLo, newHi, lo, hi) {
			changed = true
		}
	}
	return changed
}

func narrow(e int, l, h int64, lo, hi []int64) bool {
	changed := false
	if l > lo[e] {
		lo[e], changed = l, true
	}
	if h < hi[e] {
		hi[e], changed = h, true
	}
	return changed
}
