package insight

import (
	"context"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// IndicatorRequest is the access request [Engine.Indicator] makes for ind
// by the given dimensions: its operation, the indicator's purpose and
// exactly the datasets and columns it reads. A cache of published figures
// asks governance with it on every view, hit or miss.
func (e *Engine) IndicatorRequest(ctx context.Context, ind *Indicator, by []string) (govern.Request, error) {
	reads, err := e.IndicatorReads(ctx, ind, by)
	if err != nil {
		return govern.Request{}, err
	}
	op := OpAggregate
	if ind.Cohort != "" {
		op = OpCohort
	}
	return govern.Request{Operation: op, Purpose: ind.Purpose, Output: govern.Aggregate, Reads: reads}, nil
}

// TrendRequest is the access request [Engine.Trend] makes for q, with the
// period it resolves to. It fails as Trend would before its decision (an
// unknown period, a dataset with no version, no district to group by).
func (e *Engine) TrendRequest(ctx context.Context, q TrendQuery) (govern.Request, string, error) {
	ind := q.Indicator
	if ind == nil {
		return govern.Request{}, "", fault.Errorf(fault.Invalid, "no indicator given")
	}
	period, err := trendPeriod(ind, q.Period)
	if err != nil {
		return govern.Request{}, "", err
	}
	if ind.VersionPeriod != "" {
		d, _, spec, _, err := e.versionSpec(ctx, ind, q.ByDistrict)
		if err != nil {
			return govern.Request{}, "", err
		}
		return govern.Request{Operation: OpAggregate, Purpose: ind.Purpose, Output: govern.Aggregate,
			Reads: []govern.Read{{Dataset: d.ID, Columns: specColumns(spec)}}}, period, nil
	}
	var by []string
	if q.ByDistrict {
		by = append(by, DimDistrict)
	}
	req, err := e.IndicatorRequest(ctx, ind, append(by, period))
	return req, period, err
}
