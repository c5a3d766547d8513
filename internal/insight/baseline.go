package insight

import (
	"context"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/govern"
)

// Baseline is how [Engine.Unprotected] controls a table: not at all (the
// truth a red team scores against), or by suppression alone, as the
// engine published before the cell-key method (the "before" of a
// utility or attack comparison).
type Baseline int

// The baselines.
const (
	// Truth publishes true counts.
	Truth Baseline = iota
	// SuppressionOnly suppresses small counts and their complements in
	// each table on its own, without perturbation.
	SuppressionOnly
)

// Unprotected runs q as [Engine.Aggregate] does, governed, but controls
// the table by b instead of the engine's protection. It is for the
// red-team suite and benchmarks, which compare what is published with the
// truth; no user path calls it, and nothing it returns is published or
// recorded as released.
func (e *Engine) Unprotected(ctx context.Context, u *govern.User, q AggregateQuery, b Baseline) (*disclose.Result, error) {
	pr, err := e.prepare(ctx, u, q)
	if err != nil {
		return nil, err
	}
	t, err := e.table(ctx, q, pr, pr.spec)
	if err != nil {
		return nil, err
	}
	p := disclose.Policy{Threshold: 1}
	if b == SuppressionOnly {
		p = disclose.Policy{Threshold: max(int64(pr.dec.Threshold), q.Threshold), RoundTo: q.RoundTo}
	}
	return disclose.Apply(ctx, t, p, disclose.Options{Period: coverage(pr.d.Schema, pr.v, t)})
}

// UnprotectedCohort counts q's cohort as [Engine.CohortTable] does,
// governed, over every index date, but controls the table by b instead
// of the engine's protection: the truth (or suppression alone) a red team
// scores a published cohort table against. No user path calls it.
func (e *Engine) UnprotectedCohort(ctx context.Context, u *govern.User, q CohortQuery, b Baseline) (*disclose.Result, error) {
	c, err := e.prepareCohort(ctx, u, q, govern.Aggregate, OpCohort)
	if err != nil {
		return nil, err
	}
	members, err := e.Store.CohortMembers(ctx, c.spec)
	if err != nil {
		return nil, err
	}
	keys, err := e.unitKeys(ctx)
	if err != nil {
		return nil, err
	}
	t, err := e.memberTable(c.q, members, keys)
	if err != nil {
		return nil, err
	}
	p := disclose.Policy{Threshold: 1}
	if b == SuppressionOnly {
		p = disclose.Policy{Threshold: max(int64(c.dec.Threshold), q.Threshold), RoundTo: q.RoundTo}
	}
	return disclose.Apply(ctx, t, p, disclose.Options{Period: coverage(nil, nil, t)})
}
