package disclose

import (
	"fmt"
)

// control is the working state of disclosure control over a grid.
type control struct {
	g      *grid
	status []Status // per extended cell; "" until decided
	reason []string
	rule   []string
	th     int64
	names  []string     // dimension names, for reasons
	stuck  map[int]bool // withheld cells left determinable: no complement remained
	dirty  []int        // cells suppressed since the last line fixpoint
	keys   []uint64     // cell keys per extended cell (perturbation only)

	withheldWhole bool // the differencing audit withheld every cell

	levelBuf []string // backing store for levels
}

func newControl(g *grid, th int64) *control {
	return &control{g: g, status: make([]Status, g.n), reason: make([]string, g.n), rule: make([]string, g.n), th: th}
}

func (c *control) suppressed(e int) bool { return c.status[e].Suppressed() }

func (c *control) suppress(e int, s Status, rule, why string) {
	c.status[e] = s
	c.rule[e] = rule
	c.reason[e] = why
	c.dirty = append(c.dirty, e)
}

// primary withholds every cell, interior or margin, that is disclosive on
// its own: a count in (0, threshold), a zero when zeros are suppressed, or
// a sum dominated by its largest contributors.
func (c *control) primary(p Policy) {
	for e := 0; e < c.g.n; e++ {
		n := c.g.count[e]
		switch {
		case n > 0 && n < c.th:
			c.suppress(e, SuppressedPrimary, RuleMinCount, fmt.Sprintf("count below the threshold of %d", c.th))
		case n == 0 && p.SuppressZeros:
			c.suppress(e, SuppressedPrimary, RuleZero, "zero, and the policy suppresses zeros")
		case c.g.hasSum && n > 0:
			if why := dominated(c.g.sum[e], c.g.top[e], n, p.Dominance); why != "" {
				c.suppress(e, SuppressedPrimary, RuleDominance, why)
			}
		}
	}
}

// dominated returns why a magnitude cell fails a dominance rule, or "".
// When fewer top contributions are known than a rule needs, the missing
// ones are bounded from above, so an unknown makes the cell fail, not pass.
func dominated(sum float64, top []float64, count int64, d Dominance) string {
	if sum <= 0 {
		return ""
	}
	n, k := d.rule()
	if len(top) == 0 {
		return "sum with no largest-contribution data to check dominance"
	}
	if topSum := topN(sum, top, count, n); topSum > k/100*sum {
		return fmt.Sprintf("dominance (%d, %g%%): the largest %d contributor(s) exceed %g%% of the sum", n, k, n, k)
	}
	if d.P > 0 {
		x1 := top[0]
		x2 := min(x1, sum-x1)
		if len(top) > 1 || count < 2 {
			x2 = 0
			if len(top) > 1 {
				x2 = top[1]
			}
		}
		if sum-x1-x2 < d.P/100*x1 {
			return fmt.Sprintf("p%% rule (p=%g): the second-largest contributor could estimate the largest within %g%%", d.P, d.P)
		}
	}
	return ""
}

// topN bounds the sum of the n largest of count contributions totalling
// sum, given the known largest ones.
func topN(sum float64, top []float64, count int64, n int) float64 {
	s := 0.0
	for i := 0; i < n && i < len(top); i++ {
		s += top[i]
	}
	if known := len(top); known < n && int64(known) < count {
		missing := min(int64(n-known), count-int64(known))
		s += min(sum-s, float64(missing)*top[known-1])
	}
	return min(s, sum)
}
