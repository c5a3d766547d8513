package store

import (
	"context"
	"encoding/json"

	"github.com/civiclink/civiclink/internal/programme"
)

// SaveAssessment stores a self-assessment as a new row: earlier ones stay,
// so history is kept.
func (s *Store) SaveAssessment(ctx context.Context, a *programme.Assessment) error {
	ans, err := json.Marshal(a.Answers)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT nextval('programme_assessment_ids')`).Scan(&a.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO programme_assessments (id, partner, round, answers_json, answered_by, answered_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ID, a.Partner, a.Round, string(ans), a.By, a.At.UTC()); err != nil {
		return err
	}
	return tx.Commit()
}

// Assessments returns every self-assessment, oldest first.
func (s *Store) Assessments(ctx context.Context) ([]*programme.Assessment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, partner, round, answers_json, answered_by, answered_at FROM programme_assessments ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return ScanAssessments(rows)
}
