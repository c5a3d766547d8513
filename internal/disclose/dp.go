package disclose

import (
	"context"
	"fmt"
	"math"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/disclose/noise"
	"github.com/civiclink/civiclink/internal/fault"
)

// applyDP publishes noisy counts. It charges the ledger first, so a refused
// budget draws no noise; then it adds independent noise to every interior
// cell, derives margins by summing the noisy cells, and, as
// post-processing that costs no budget, shows negative values as 0,
// withholds noisy counts in (0, threshold) and rounds. No secondary
// suppression is needed: nothing published depends on a true count except
// through the noise.
func applyDP(ctx context.Context, t *Table, p Policy, o Options) (*Result, error) {
	if o.Ledger == nil {
		return nil, fault.Errorf(fault.Invalid, "a differentially private table needs a budget ledger to charge")
	}
	draw, cost, err := mechanism(p.DP)
	if err != nil {
		return nil, err
	}
	clk := o.Clock
	if clk == nil {
		clk = clock.System{}
	}
	bal, err := o.Ledger.Spend(ctx, Spend{Dataset: o.Dataset, Query: o.Query, By: o.By, Cost: cost, At: clk.Now()})
	if err != nil {
		return nil, err
	}
	src := o.Random
	if src == nil {
		src = noise.Crypto()
	}
	noisy := &Table{Dims: t.Dims, Cells: make([]Cell, len(t.Cells)), Measure: t.Measure}
	g := newGrid(noisy)
	for i, cell := range t.Cells {
		g.count[g.extOf(i)] = cell.Count + draw(src)
	}
	g.fillMargins()
	c := newControl(g, p.threshold())
	c.names = dimNames(t)
	for e := range g.count {
		g.count[e] = max(0, g.count[e])
		if n := g.count[e]; n > 0 && n < c.th {
			c.suppress(e, SuppressedPrimary, RuleMinCount, fmt.Sprintf("noisy count below the threshold of %d", c.th))
		}
	}
	r := c.result(t, p, Noised)
	why := fmt.Sprintf("%s noise, %s", p.DP.Mechanism, cost)
	for i := range r.Cells {
		if r.Cells[i].Status == Noised {
			r.Cells[i].Reason = why
		}
	}
	r.Spent = cost
	r.Report = c.report(t, p, r, reportNotes{exactChecked: true, dp: true, left: bal.Left()})
	return r, nil
}

// mechanism returns the noise draw and the budget cost for cfg.
//
// Sensitivity: a unit counted in at most k cells changes the count vector
// by at most k in L1 norm and √k in L2 norm. The discrete Laplace with
// scale k/ε is ε-DP. The discrete Gaussian with variance σ² is ρ-zCDP for
// ρ = k/(2σ²) (Canonne–Kamath–Steinke 2020, Theorem 4); ρ is chosen as the
// largest with ρ + 2√(ρ ln(1/δ)) ≤ ε, and σ² is rounded up.
func mechanism(cfg *DPConfig) (func(noise.Source) int64, Budget, error) {
	k := uint64(cfg.contributions())
	eps, err := noise.RatFromDecimal(cfg.Epsilon)
	if err != nil {
		return nil, Budget{}, err
	}
	cost := Budget{Epsilon: cfg.Epsilon, Delta: cfg.Delta}
	if cfg.Mechanism == Laplace {
		scale := noise.Rat{Num: k * eps.Den, Den: eps.Num}
		return func(s noise.Source) int64 { return noise.DiscreteLaplace(s, scale) }, cost, nil
	}
	sigma2, err := noise.RatCeil(GaussianSigma2(*cfg))
	if err != nil {
		return nil, Budget{}, err
	}
	g := noise.NewGaussian(sigma2)
	return g.Draw, cost, nil
}

// GaussianSigma2 returns the variance the Gaussian mechanism uses for
// cfg, for documentation and for analysts planning a budget.
func GaussianSigma2(cfg DPConfig) float64 {
	l := math.Log(1 / cfg.Delta)
	rho := math.Pow(math.Sqrt(l+cfg.Epsilon)-math.Sqrt(l), 2)
	return float64(cfg.contributions()) / (2 * rho)
}
