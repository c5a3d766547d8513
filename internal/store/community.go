package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
)

var _ community.Store = (*Store)(nil)

// AddCommunitySubmissions stores submissions in one transaction; a
// published one adds its service's next version.
func (s *Store) AddCommunitySubmissions(ctx context.Context, subs []*community.Submission) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, sub := range subs {
		if err := tx.QueryRowContext(ctx, `SELECT nextval('community_submission_ids')`).Scan(&sub.ID); err != nil {
			return err
		}
		if sub.Status == community.Published {
			if err := addCommunityVersion(ctx, tx, sub); err != nil {
				return err
			}
		}
		if err := insertCommunitySubmission(ctx, tx, sub); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func insertCommunitySubmission(ctx context.Context, tx *sql.Tx, sub *community.Submission) error {
	doc, err := json.Marshal(sub.Service)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO community_submissions
		(id, service_id, correction, doc, note, submitted_by, submitted_at, status, reason, decided_by, decided_at, version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sub.ID, sub.Service.ID, sub.Correction, string(doc), sub.Note, sub.SubmittedBy, sub.SubmittedAt.UTC(),
		string(sub.Status), sub.Reason, sub.DecidedBy, nullTime(sub.DecidedAt), sub.Version)
	return err
}

// addCommunityVersion adds sub's service as its next version, setting
// sub.Version.
func addCommunityVersion(ctx context.Context, tx *sql.Tx, sub *community.Submission) error {
	doc, err := json.Marshal(sub.Service)
	if err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) + 1 FROM community_versions WHERE service_id = ?`, sub.Service.ID).Scan(&sub.Version); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO community_versions (service_id, version, doc, submission, published_by, published_at) VALUES (?, ?, ?, ?, ?, ?)`,
		sub.Service.ID, sub.Version, string(doc), sub.ID, sub.DecidedBy, sub.DecidedAt.UTC())
	return err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// DecideCommunitySubmission records a pending submission's decision.
func (s *Store) DecideCommunitySubmission(ctx context.Context, sub *community.Submission) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var status string
	err = tx.QueryRowContext(ctx, `SELECT status FROM community_submissions WHERE id = ?`, sub.ID).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return fault.Errorf(fault.NotFound, "no submission %d", sub.ID)
	} else if err != nil {
		return err
	}
	if status != string(community.Pending) {
		return fault.Errorf(fault.Conflict, "submission %d is already %s", sub.ID, status)
	}
	if sub.Status == community.Published {
		if err := addCommunityVersion(ctx, tx, sub); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE community_submissions SET status = ?, reason = ?, decided_by = ?, decided_at = ?, version = ? WHERE id = ?`,
		string(sub.Status), sub.Reason, sub.DecidedBy, sub.DecidedAt.UTC(), sub.Version, sub.ID); err != nil {
		return err
	}
	return tx.Commit()
}

const communitySubmissionColumns = `id, correction, doc, note, submitted_by, submitted_at, status, reason, decided_by, decided_at, version`

func scanCommunitySubmission(row interface{ Scan(...any) error }) (*community.Submission, error) {
	var sub community.Submission
	var doc, status string
	var decided sql.NullTime
	if err := row.Scan(&sub.ID, &sub.Correction, &doc, &sub.Note, &sub.SubmittedBy, &sub.SubmittedAt, &status, &sub.Reason, &sub.DecidedBy, &decided, &sub.Version); err != nil {
		return nil, err
	}
	sub.Status = community.Status(status)
	if decided.Valid {
		sub.DecidedAt = decided.Time
	}
	return &sub, json.Unmarshal([]byte(doc), &sub.Service)
}

// CommunitySubmission returns a submission by id.
func (s *Store) CommunitySubmission(ctx context.Context, id int64) (*community.Submission, error) {
	sub, err := scanCommunitySubmission(s.db.QueryRowContext(ctx, `SELECT `+communitySubmissionColumns+` FROM community_submissions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no submission %d", id)
	}
	return sub, err
}

// CommunitySubmissions lists submissions in a state ("" all), oldest first.
func (s *Store) CommunitySubmissions(ctx context.Context, status community.Status) ([]community.Submission, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+communitySubmissionColumns+` FROM community_submissions WHERE ? = '' OR status = ? ORDER BY id`, string(status), string(status))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []community.Submission{}
	for rows.Next() {
		sub, err := scanCommunitySubmission(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *sub)
	}
	return out, rows.Err()
}

// CommunityCurrent returns every service's latest published version.
func (s *Store) CommunityCurrent(ctx context.Context) ([]community.Version, error) {
	return s.communityVersions(ctx, `SELECT version, doc, submission, published_by, published_at FROM community_versions
		QUALIFY row_number() OVER (PARTITION BY service_id ORDER BY version DESC) = 1 ORDER BY service_id`)
}

// CommunityVersions returns a service's published versions, oldest first.
func (s *Store) CommunityVersions(ctx context.Context, id string) ([]community.Version, error) {
	return s.communityVersions(ctx, `SELECT version, doc, submission, published_by, published_at FROM community_versions WHERE service_id = ? ORDER BY version`, id)
}

func (s *Store) communityVersions(ctx context.Context, q string, args ...any) ([]community.Version, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []community.Version{}
	for rows.Next() {
		var v community.Version
		var doc string
		if err := rows.Scan(&v.Version, &doc, &v.Submission, &v.PublishedBy, &v.PublishedAt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(doc), &v.Service); err != nil {
			return nil, fault.Wrap(err, fault.Internal, "a stored community service cannot be read")
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
