package insight

import (
	"context"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/query"
)

// fillMembers returns the table's FillMembers: it asks the store for every
// cell's complete population digest (per hash bucket) and lays them on
// the table's cells through the same folds as the counts, so a district
// made of LSOAs gets the sum of their digests.
func (e *Engine) fillMembers(spec query.AggregateSpec, plan []dimPlan, t *disclose.Table) func(context.Context) error {
	return func(ctx context.Context) error {
		byKey, err := e.Store.CellBuckets(ctx, spec)
		if err != nil {
			return err
		}
		full := map[int]*disclose.Digest{}
		for k, d := range byKey {
			keys := strings.Split(k, "\x00")
			if len(spec.By) == 0 {
				keys = nil
			}
			levels := make([]string, len(keys))
			for i, key := range keys {
				if plan[i].fold != nil && key != "" {
					key = plan[i].fold(key)
				}
				levels[i] = levelOf(key)
			}
			idx, err := t.Index(levels...)
			if err != nil {
				return err
			}
			if full[idx] == nil {
				full[idx] = disclose.NewDigest()
			}
			full[idx].Add(d)
		}
		for i := range t.Cells {
			t.Cells[i].Members = full[i]
		}
		return nil
	}
}

// memberSpec asks spec for population digests under the auditor's key.
// For a dataset with nothing released yet every cell will need its
// buckets, so they come in the same scan as the counts (store's
// AggregateSpec.Buckets) rather than in a second one.
func (e *Engine) memberSpec(ctx context.Context, spec *query.AggregateSpec, dataset string) error {
	key := e.Auditor.MemberKey()
	spec.Members = &key
	fresh, err := e.Auditor.Fresh(ctx, dataset)
	spec.Buckets = fresh
	return err
}
