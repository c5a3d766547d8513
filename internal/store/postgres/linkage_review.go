package postgres

import (
	"context"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/store"
)

// Review, adoption and approval of linkage runs: small state every
// process shares, kept here only.

// ReviewRows returns up to limit (0: all) of a run's review pairs in
// order, each with the decision in force on it.
func (s *Store) ReviewRows(ctx context.Context, runID int64, limit int) ([]linkrun.ReviewRow, error) {
	if err := s.ensureRun(ctx, runID); err != nil {
		return nil, err
	}
	rows, err := s.Store.ReviewRows(ctx, runID, limit)
	if err != nil {
		return nil, err
	}
	return rows, s.decide(ctx, rows)
}

// ReviewPair returns one review pair of a run with the decision in force.
func (s *Store) ReviewPair(ctx context.Context, runID int64, pair int) (*linkrun.ReviewRow, error) {
	if err := s.ensureRun(ctx, runID); err != nil {
		return nil, err
	}
	r, err := s.Store.ReviewPair(ctx, runID, pair)
	if err != nil {
		return nil, err
	}
	one := []linkrun.ReviewRow{*r}
	if err := s.decide(ctx, one); err != nil {
		return nil, err
	}
	return &one[0], nil
}

// decide sets each review row's decision to the one in force here (the
// latest on its pair of records, from any run).
func (s *Store) decide(ctx context.Context, rows []linkrun.ReviewRow) error {
	if len(rows) == 0 {
		return nil
	}
	keys := make([][]string, 4)
	for _, r := range rows {
		keys[0], keys[1] = append(keys[0], r.DatasetL), append(keys[1], r.RecordL)
		keys[2], keys[3] = append(keys[2], r.DatasetR), append(keys[3], r.RecordR)
	}
	res, err := s.pool.Query(ctx, `SELECT DISTINCT ON (dataset_l, record_l, dataset_r, record_r) `+store.LabelColumns+`
		FROM linkage_labels
		WHERE (dataset_l, record_l, dataset_r, record_r) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]))
		ORDER BY dataset_l, record_l, dataset_r, record_r, id DESC`, keys[0], keys[1], keys[2], keys[3])
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot read the clerical decisions on linkage pairs")
	}
	defer res.Close()
	labels, err := store.ScanLabels(res)
	if err != nil {
		return err
	}
	type pairKey struct{ dl, rl, dr, rr string }
	in := map[pairKey]linkrun.Label{}
	for _, l := range labels {
		in[pairKey{l.DatasetL, l.RecordL, l.DatasetR, l.RecordR}] = l
	}
	for i := range rows {
		rows[i].Decision = nil
		if l, ok := in[pairKey{rows[i].DatasetL, rows[i].RecordL, rows[i].DatasetR, rows[i].RecordR}]; ok {
			rows[i].Decision = &l
		}
	}
	return nil
}

// SaveLabel records a clerical decision, setting its ID and At.
func (s *Store) SaveLabel(ctx context.Context, l *linkrun.Label) error {
	l.At = s.now()
	return s.pool.QueryRow(ctx, `INSERT INTO linkage_labels (run_id, pair, dataset_l, record_l, dataset_r, record_r, decision, note, decided_by, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		l.RunID, l.Pair, l.DatasetL, l.RecordL, l.DatasetR, l.RecordR, l.Decision, l.Note, l.By, l.At).Scan(&l.ID)
}

// Labels returns the decision in force on each pair of records whose
// datasets are both among datasets, oldest first.
func (s *Store) Labels(ctx context.Context, datasets []string) ([]linkrun.Label, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+store.LabelColumns+` FROM (
		SELECT DISTINCT ON (dataset_l, record_l, dataset_r, record_r) `+store.LabelColumns+` FROM linkage_labels
		WHERE dataset_l = ANY($1) AND dataset_r = ANY($1)
		ORDER BY dataset_l, record_l, dataset_r, record_r, id DESC) l ORDER BY id`, datasets)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return store.ScanLabels(rows)
}

// Adoptions returns the adoption history, oldest first.
func (s *Store) Adoptions(ctx context.Context) ([]linkrun.Adoption, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, run_id, action, by_user, at_time, note FROM linkage_adoptions ORDER BY seq`)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the adoptions of linkage runs")
	}
	defer rows.Close()
	out, err := store.ScanAdoptions(rows)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the adoptions of linkage runs")
	}
	return out, nil
}

// AddAdoption records that a run became current as adoption a.Seq, which
// must be the next one: another adoption landing first, through any
// process, is a Conflict. Every process is told, so figures reading the
// current run are computed again.
func (s *Store) AddAdoption(ctx context.Context, a *linkrun.Adoption) error {
	tag, err := s.pool.Exec(ctx, `INSERT INTO linkage_adoptions (seq, run_id, action, by_user, at_time, note)
		SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT coalesce(max(seq), 0) FROM linkage_adoptions) = $7
		ON CONFLICT (seq) DO NOTHING`, a.Seq, a.RunID, a.Action, a.By, a.At.UTC(), a.Note, a.Seq-1)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot record the adoption of linkage run %d", a.RunID)
	}
	if tag.RowsAffected() != 1 {
		return fault.Errorf(fault.Conflict, "the partnership's current linkage run changed while run %d was being adopted: look at the current run and compare again", a.RunID)
	}
	s.changed()
	s.notify(noticeLinkage)
	return nil
}

// AddApproval records a partner's approval of a draft run against the
// adoption history at a.Base; a second by the same partner against the
// same history is a Conflict.
func (s *Store) AddApproval(ctx context.Context, a *linkrun.Approval) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO linkage_approvals (run_id, partner_id, base, by_user, at_time, note) VALUES ($1, $2, $3, $4, $5, $6)`,
		a.RunID, a.PartnerID, a.Base, a.By, a.At.UTC(), a.Note)
	if isUnique(err) {
		return fault.Errorf(fault.Conflict, "a data owner of %s has already approved linkage run %d against the current run: nothing to add", a.PartnerID, a.RunID)
	}
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot record %s's approval of linkage run %d", a.PartnerID, a.RunID)
	}
	return nil
}

// Approvals returns the approvals of run runID given against the adoption
// history at base, by partner.
func (s *Store) Approvals(ctx context.Context, runID, base int64) ([]linkrun.Approval, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+store.ApprovalColumns+` FROM linkage_approvals
		WHERE run_id = $1 AND base = $2 ORDER BY partner_id`, runID, base)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the approvals of linkage run %d", runID)
	}
	defer rows.Close()
	out, err := store.ScanApprovals(rows)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the approvals of linkage run %d", runID)
	}
	return out, nil
}
