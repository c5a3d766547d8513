package insight

import (
	"context"
	"sort"

	"github.com/civiclink/civiclink/internal/govern"
)

// OpSafeguarding is the read operation of safeguarding lists.
const OpSafeguarding = "insight.safeguarding"

// ListedRecord is one of the caller's own partner's records whose person is
// in a cohort.
type ListedRecord struct {
	Dataset  string `json:"dataset"`
	RecordID string `json:"record_id"`
}

// SafeguardingList returns, for a cohort, the records that user u's own
// partner holds about the cohort's members: the partner's own record ids
// and nothing of any other partner's data. Governance must allow
// record-level output for the purpose, which it does only for safeguarding
// purposes, under an agreement that permits it, to caseworkers.
func (e *Engine) SafeguardingList(ctx context.Context, u *govern.User, q CohortQuery) ([]ListedRecord, error) {
	members, _, err := e.cohortMembers(ctx, u, q, govern.RecordLevel, OpSafeguarding)
	if err != nil {
		return nil, err
	}
	run, err := e.linkageRun(ctx, q.Run)
	if err != nil {
		return nil, err
	}
	var own []string
	for _, lv := range run.Datasets {
		d, err := e.Store.Dataset(ctx, lv.DatasetID)
		if err != nil {
			return nil, err
		}
		if d.PartnerID == u.PartnerID {
			own = append(own, d.ID)
		}
	}
	ids := make([]string, len(members))
	for i, m := range members {
		ids[i] = m.EntityID
	}
	sort.Strings(ids)
	recs, err := e.Store.EntityRecords(ctx, run.ID, ids, own)
	if err != nil {
		return nil, err
	}
	out := make([]ListedRecord, len(recs))
	for i, r := range recs {
		out[i] = ListedRecord{Dataset: r[0], RecordID: r[1]}
	}
	return out, nil
}
