package disclose

import (
	"github.com/civiclink/civiclink/internal/disclose/noise"
	"github.com/civiclink/civiclink/internal/fault"
)

// DefaultThreshold is the smallest count published when an agreement names
// none.
const DefaultThreshold = 10

// Policy is the disclosure control an agreement asks of a table. The zero
// value is usable: threshold 10, true zeros shown, no rounding, margins
// published, dominance rule (1, 50%).
type Policy struct {
	// Threshold is the smallest non-zero count published: counts in
	// (0, Threshold) are suppressed. Zero means [DefaultThreshold].
	Threshold int64
	// SuppressZeros suppresses true zeros too (for tables where a zero is
	// itself disclosive); by default zeros are shown, as GSS practice does
	// for zeros that are not structural.
	SuppressZeros bool
	// RoundTo rounds every published count to the nearest multiple (e.g.
	// 5); 0 or 1 means no rounding.
	RoundTo int64
	// OmitMargins leaves row, column and grand totals out of the result.
	// Suppression still protects against totals, which may be public
	// elsewhere.
	OmitMargins bool
	// Dominance sets the rules for magnitude (sum) cells.
	Dominance Dominance
	// Perturb, when set, protects counts by the cell-key method instead of
	// suppression patterns: every count, margins included, moves by the
	// perturbation this table gives for its count and its cell key, and
	// counts under the threshold after perturbation are withheld. The
	// insight engine always sets it (to [DefaultPTable] unless configured).
	Perturb *PTable
	// DP, when set, replaces suppression patterns with differential
	// privacy: noise on every count, charged to the dataset's budget.
	DP *DPConfig
}

// Dominance sets the concentration rules that protect a magnitude cell from
// its largest contributors.
type Dominance struct {
	// N and K form the (n, k) rule: a cell is sensitive when its N largest
	// contributions exceed K% of its sum. Zero means N=1, K=50.
	N int
	K float64
	// P, when positive, adds the p% rule: a cell is sensitive when the
	// second-largest contributor could estimate the largest to within P%,
	// i.e. sum − x1 − x2 < P/100 · x1.
	P float64
}

// Mechanism names a differential privacy noise distribution.
type Mechanism string

// The mechanisms [DPConfig] offers.
const (
	// Laplace is the discrete Laplace (two-sided geometric) mechanism:
	// pure ε-differential privacy.
	Laplace Mechanism = "laplace"
	// Gaussian is the discrete Gaussian mechanism: ρ-zCDP, charged as
	// (ε, δ)-differential privacy.
	Gaussian Mechanism = "gaussian"
)

// DPConfig asks for differentially private counts.
type DPConfig struct {
	Mechanism Mechanism
	// Epsilon is the privacy loss this table spends.
	Epsilon float64
	// Delta is the failure probability this table spends (Gaussian only).
	Delta float64
	// Contributions bounds how many interior cells one unit can count in
	// (1 when each person is in one cell); it sets the sensitivity.
	// Zero means 1.
	Contributions int
}

func (p Policy) threshold() int64 {
	if p.Threshold == 0 {
		return DefaultThreshold
	}
	return p.Threshold
}

func (d Dominance) rule() (n int, k float64) {
	if d.N == 0 {
		return 1, 50
	}
	return d.N, d.K
}

func (p Policy) validate(t *Table) error {
	if p.Perturb != nil && p.DP != nil {
		return fault.Errorf(fault.Invalid, "a table is protected either by cell-key perturbation or by differential privacy, not both")
	}
	if p.Threshold < 0 || p.RoundTo < 0 {
		return fault.Errorf(fault.Invalid, "threshold and rounding base must not be negative")
	}
	if n, k := p.Dominance.rule(); n < 1 || k <= 0 || k > 100 || p.Dominance.P < 0 {
		return fault.Errorf(fault.Invalid, "dominance rule (n=%d, k=%v, p=%v) is out of range: n ≥ 1, 0 < k ≤ 100, p ≥ 0", n, k, p.Dominance.P)
	}
	if p.DP != nil {
		return p.DP.validate(t)
	}
	return nil
}

func (c *DPConfig) contributions() int {
	if c.Contributions == 0 {
		return 1
	}
	return c.Contributions
}

func (c *DPConfig) validate(t *Table) error {
	if t.SumName != "" {
		return fault.Errorf(fault.Invalid, "differential privacy covers counts only; publish the sum of %s with suppression instead", t.SumName)
	}
	if c.Contributions < 0 || c.Contributions > 1000 {
		return fault.Errorf(fault.Invalid, "contributions per unit must be between 1 and 1000 (got %d)", c.Contributions)
	}
	if _, err := noise.RatFromDecimal(c.Epsilon); err != nil {
		return fault.Errorf(fault.Invalid, "epsilon %v must be a positive decimal with at most 12 places", c.Epsilon)
	}
	switch c.Mechanism {
	case Laplace:
		if c.Delta != 0 {
			return fault.Errorf(fault.Invalid, "the Laplace mechanism spends no delta; leave it 0")
		}
	case Gaussian:
		if !(c.Delta > 0 && c.Delta < 1) {
			return fault.Errorf(fault.Invalid, "the Gaussian mechanism needs 0 < delta < 1 (e.g. 1e-6)")
		}
	default:
		return fault.Errorf(fault.Invalid, "mechanism %q is unknown: use %q or %q", c.Mechanism, Laplace, Gaussian)
	}
	return nil
}
