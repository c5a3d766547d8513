package store

import (
	"context"

	"github.com/civiclink/civiclink/internal/linkrun"
)

// LinkagePairStats summarises the pairs kept with a run (its matched
// pairs): counts per pair of datasets and per whole unit of match weight.
// It reads no record ids; callers ask governance first.
func (s *Store) LinkagePairStats(ctx context.Context, runID int64) ([]linkrun.LinkagePairCount, []linkrun.LinkageWeightCount, error) {
	var byPair []linkrun.LinkagePairCount
	rows, err := s.db.QueryContext(ctx, `SELECT least(dataset_l, dataset_r), greatest(dataset_l, dataset_r), count(*)
		FROM linkage_pairs WHERE run_id = ? GROUP BY ALL ORDER BY 1, 2`, runID)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var c linkrun.LinkagePairCount
		if err := rows.Scan(&c.DatasetL, &c.DatasetR, &c.Pairs); err != nil {
			rows.Close()
			return nil, nil, err
		}
		byPair = append(byPair, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	var byWeight []linkrun.LinkageWeightCount
	rows, err = s.db.QueryContext(ctx, `SELECT floor(match_weight), count(*) FROM linkage_pairs WHERE run_id = ? GROUP BY ALL ORDER BY 1`, runID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c linkrun.LinkageWeightCount
		if err := rows.Scan(&c.From, &c.Pairs); err != nil {
			return nil, nil, err
		}
		byWeight = append(byWeight, c)
	}
	return byPair, byWeight, rows.Err()
}
