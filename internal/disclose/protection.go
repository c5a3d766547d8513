package disclose

import (
	"fmt"
	"strings"
)

// The protection methods a [Protection] names.
const (
	MethodPerturbation = "perturbation"
	MethodSuppression  = "suppression"
	MethodRounding     = "rounding"
	MethodDP           = "dp"
)

// Protection says how a published table was protected. It travels with
// the figures on every path: JSON and CSV carry it, web pages footnote it,
// and exports keep it.
type Protection struct {
	// Methods lists what was done, in order: perturbation or dp, then
	// suppression (counts under the threshold are [Confidential]), then
	// rounding when asked for.
	Methods []string `json:"methods"`
	// Threshold is the smallest published non-zero count.
	Threshold int64 `json:"threshold"`
	// RoundTo is the rounding base, when counts were rounded.
	RoundTo int64 `json:"round_to,omitempty"`
	// PTable names the perturbation table (name and digest), and MaxShift
	// is the most it moves any count either way.
	PTable   string `json:"ptable,omitempty"`
	MaxShift int64  `json:"max_shift,omitempty"`
	// LikelyShift is the most it moves a count in all but its rare draws
	// (each drawn less often than [LikelyP]): the range a reader should
	// expect, where MaxShift is the range that is certain.
	LikelyShift int64 `json:"likely_shift,omitempty"`
	// Epsilon and Delta are what a differentially private table spent.
	Epsilon float64 `json:"epsilon,omitempty"`
	Delta   float64 `json:"delta,omitempty"`
	// Period is the time the figures cover, e.g. "2024-01 to 2024-06".
	Period string `json:"period,omitempty"`
	// Withheld says why the whole table was withheld, when it was.
	Withheld string `json:"withheld,omitempty"`
}

// Method returns the methods joined with "+", as CSV writes them.
func (p Protection) Method() string { return strings.Join(p.Methods, "+") }

// Note returns the protection in one sentence for a footnote.
func (p Protection) Note() string {
	var b strings.Builder
	switch {
	case len(p.Methods) == 0:
		return ""
	case p.Methods[0] == MethodPerturbation:
		fmt.Fprintf(&b, "Counts are perturbed by the cell-key method (perturbation table %s): the same records always give the same figure, but each figure, totals included, may differ from the true count by up to %d, so a table need not add up. ", p.PTable, p.MaxShift)
	case p.Methods[0] == MethodDP:
		fmt.Fprintf(&b, "Counts carry differential-privacy noise (ε=%g", p.Epsilon)
		if p.Delta > 0 {
			fmt.Fprintf(&b, ", δ=%g", p.Delta)
		}
		b.WriteString("); totals are sums of noisy counts. ")
	}
	fmt.Fprintf(&b, "Counts below %d are shown as %s.", p.Threshold, Confidential)
	if p.RoundTo > 1 {
		fmt.Fprintf(&b, " Counts are rounded to the nearest %d.", p.RoundTo)
	}
	if p.Period != "" {
		fmt.Fprintf(&b, " Period: %s.", p.Period)
	}
	if p.Withheld != "" {
		b.WriteString(" " + strings.ToUpper(p.Withheld[:1]) + p.Withheld[1:] + ".")
	}
	return b.String()
}

// protection describes how p protected r.
func (p Policy) protection(o Options, r *Result) Protection {
	pr := Protection{Threshold: p.threshold(), Period: o.Period}
	switch {
	case p.DP != nil:
		pr.Methods = []string{MethodDP, MethodSuppression}
		pr.Epsilon, pr.Delta = p.DP.Epsilon, p.DP.Delta
	case p.Perturb != nil:
		pr.Methods = []string{MethodPerturbation, MethodSuppression}
		pr.PTable, pr.MaxShift = p.Perturb.Label(), p.Perturb.MaxPerturbation()
		pr.LikelyShift = p.Perturb.Likely(LikelyP).MaxPerturbation()
	default:
		pr.Methods = []string{MethodSuppression}
	}
	if p.RoundTo > 1 {
		pr.Methods = append(pr.Methods, MethodRounding)
		pr.RoundTo = p.RoundTo
	}
	if len(r.Cells) > 0 && allWithheld(r, RuleDifferencing) {
		pr.Withheld = "the whole table is withheld: it would differ by a few people from figures already published"
	}
	return pr
}

// allWithheld reports whether every cell of r was withheld by rule.
func allWithheld(r *Result, rule string) bool {
	for _, c := range r.Cells {
		if !c.Status.Suppressed() || !strings.HasPrefix(c.Reason, rule+":") {
			return false
		}
	}
	return true
}

// LikelyP is how often a perturbation must be drawn to count as likely
// ([Protection.LikelyShift]).
const LikelyP = 0.01
