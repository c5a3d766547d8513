package store

import (
	"github.com/civiclink/civiclink/internal/linkrun"
)

// The adoption, approval and label tables have the same columns in both
// backends, so one scanner per table reads database/sql's rows and pgx's
// alike ([Rows]). Times come back in UTC.

// ScanAdoptions reads rows of (seq, run_id, action, by_user, at_time,
// note).
func ScanAdoptions(rows Rows) ([]linkrun.Adoption, error) {
	var out []linkrun.Adoption
	for rows.Next() {
		var a linkrun.Adoption
		if err := rows.Scan(&a.Seq, &a.RunID, &a.Action, &a.By, &a.At, &a.Note); err != nil {
			return nil, err
		}
		a.At = a.At.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// ApprovalColumns are the columns [ScanApprovals] reads.
const ApprovalColumns = `run_id, partner_id, base, by_user, at_time, note`

// ScanApprovals reads rows of [ApprovalColumns].
func ScanApprovals(rows Rows) ([]linkrun.Approval, error) {
	var out []linkrun.Approval
	for rows.Next() {
		var a linkrun.Approval
		if err := rows.Scan(&a.RunID, &a.PartnerID, &a.Base, &a.By, &a.At, &a.Note); err != nil {
			return nil, err
		}
		a.At = a.At.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// LabelColumns are the columns [ScanLabels] reads.
const LabelColumns = `id, run_id, pair, dataset_l, record_l, dataset_r, record_r, decision, note, decided_by, decided_at`

// ScanLabels reads rows of [LabelColumns].
func ScanLabels(rows Rows) ([]linkrun.Label, error) {
	var out []linkrun.Label
	for rows.Next() {
		var l linkrun.Label
		if err := rows.Scan(&l.ID, &l.RunID, &l.Pair, &l.DatasetL, &l.RecordL, &l.DatasetR, &l.RecordR, &l.Decision, &l.Note, &l.By, &l.At); err != nil {
			return nil, err
		}
		l.At = l.At.UTC()
		out = append(out, l)
	}
	return out, rows.Err()
}
