package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
)

var _ community.Store = (*Store)(nil)

// AddCommunitySubmissions stores submissions in one transaction; a
// published one adds its service's next version. The rows are appended in
// bulk (DuckDB's appender on the transaction's connection), so importing
// ten thousand services is a few statements, not forty thousand.
func (s *Store) AddCommunitySubmissions(ctx context.Context, subs []*community.Submission) error {
	if len(subs) == 0 {
		return nil
	}
	return s.communityTx(ctx, func(conn *sql.Conn) error { return appendCommunitySubmissions(ctx, conn, subs) })
}

// communityTx runs fn in a transaction on one connection, again (after a
// short, growing pause) when it meets a concurrent writer's conflict:
// editors publishing the same service at once each get their own
// version instead of an error.
func (s *Store) communityTx(ctx context.Context, fn func(*sql.Conn) error) error {
	for attempt := 1; ; attempt++ {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		err = inTx(ctx, conn, func() error { return fn(conn) })
		conn.Close()
		// A duplicate version is another writer's commit seen late: the
		// versions are computed afresh on the next attempt.
		if err == nil || !(isTxConflict(err) || strings.Contains(strings.ToLower(err.Error()), "duplicate key")) || attempt == 40 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt) * time.Millisecond):
		}
	}
}

// appendCommunitySubmissions gives subs their ids and versions and
// appends their rows on conn's open transaction.
func appendCommunitySubmissions(ctx context.Context, conn *sql.Conn, subs []*community.Submission) error {
	if err := communityIDs(ctx, conn, subs); err != nil {
		return err
	}
	latest, err := communityLatest(ctx, conn)
	if err != nil {
		return err
	}
	community.AssignVersions(subs, latest)
	docs := make([]string, len(subs))
	var published []int
	for i, sub := range subs {
		doc, err := json.Marshal(sub.Service)
		if err != nil {
			return err
		}
		docs[i] = string(doc)
		if sub.Status == community.Published {
			published = append(published, i)
		}
	}
	err = appendRows(conn, "community_versions", len(published), func(k int) []driver.Value {
		sub := subs[published[k]]
		return []driver.Value{sub.Service.ID, int32(sub.Version), docs[published[k]], sub.ID, sub.DecidedBy, sub.DecidedAt.UTC(), sub.Owner}
	})
	if err != nil {
		return err
	}
	return appendRows(conn, "community_submissions", len(subs), func(i int) []driver.Value {
		sub := subs[i]
		return []driver.Value{sub.ID, sub.Service.ID, sub.Correction, docs[i], sub.Note, sub.SubmittedBy, sub.SubmittedAt.UTC(),
			string(sub.Status), sub.Reason, sub.DecidedBy, nullTime(sub.DecidedAt), int32(sub.Version)}
	})
}

// communityIDs draws the next len(subs) submission ids in one statement.
func communityIDs(ctx context.Context, conn *sql.Conn, subs []*community.Submission) error {
	rows, err := conn.QueryContext(ctx, `SELECT nextval('community_submission_ids') FROM range(?)`, len(subs))
	if err != nil {
		return err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(ids) != len(subs) {
		return fmt.Errorf("store: drew %d community submission ids for %d submissions", len(ids), len(subs))
	}
	slices.Sort(ids)
	for i, sub := range subs {
		sub.ID = ids[i]
	}
	return nil
}

// communityLatest is every service's latest published version.
func communityLatest(ctx context.Context, conn *sql.Conn) (map[string]community.Latest, error) {
	rows, err := conn.QueryContext(ctx, `SELECT service_id, version, owner FROM community_versions
		QUALIFY row_number() OVER (PARTITION BY service_id ORDER BY version DESC) = 1`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return ScanCommunityLatest(rows)
}

// addCommunityVersion adds sub's service as its next version, setting
// sub.Version.
func addCommunityVersion(ctx context.Context, tx *sql.Conn, sub *community.Submission) error {
	doc, err := json.Marshal(sub.Service)
	if err != nil {
		return err
	}
	var owner string
	err = tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) + 1, coalesce(arg_max(owner, version), '') FROM community_versions WHERE service_id = ?`,
		sub.Service.ID).Scan(&sub.Version, &owner)
	if err != nil {
		return err
	}
	if owner != "" {
		sub.Owner = owner
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO community_versions (service_id, version, doc, submission, published_by, published_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		sub.Service.ID, sub.Version, string(doc), sub.ID, sub.DecidedBy, sub.DecidedAt.UTC(), sub.Owner)
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
	return s.communityTx(ctx, func(conn *sql.Conn) error {
		var status string
		err := conn.QueryRowContext(ctx, `SELECT status FROM community_submissions WHERE id = ?`, sub.ID).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.Errorf(fault.NotFound, "no submission %d", sub.ID)
		} else if err != nil {
			return err
		}
		if status != string(community.Pending) {
			return fault.Errorf(fault.Conflict, "submission %d is already %s", sub.ID, status)
		}
		if sub.Status == community.Published {
			if err := addCommunityVersion(ctx, conn, sub); err != nil {
				return err
			}
		}
		_, err = conn.ExecContext(ctx, `UPDATE community_submissions SET status = ?, reason = ?, decided_by = ?, decided_at = ?, version = ? WHERE id = ?`,
			string(sub.Status), sub.Reason, sub.DecidedBy, sub.DecidedAt.UTC(), sub.Version, sub.ID)
		return err
	})
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
	return s.communityVersions(ctx, `SELECT version, doc, submission, published_by, published_at, owner FROM community_versions
		QUALIFY row_number() OVER (PARTITION BY service_id ORDER BY version DESC) = 1 ORDER BY service_id`)
}

// CommunityVersions returns a service's published versions, oldest first.
func (s *Store) CommunityVersions(ctx context.Context, id string) ([]community.Version, error) {
	return s.communityVersions(ctx, `SELECT version, doc, submission, published_by, published_at, owner FROM community_versions WHERE service_id = ? ORDER BY version`, id)
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
		if err := rows.Scan(&v.Version, &doc, &v.Submission, &v.PublishedBy, &v.PublishedAt, &v.Owner); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(doc), &v.Service); err != nil {
			return nil, fault.Wrap(err, fault.Internal, "a stored community service cannot be read")
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ScanCommunityLatest reads rows of (service_id, version, owner), one per
// service, into each service's latest published version: both backends'
// queries answer in this shape ([Rows]).
func ScanCommunityLatest(rows Rows) (map[string]community.Latest, error) {
	out := map[string]community.Latest{}
	for rows.Next() {
		var id string
		var l community.Latest
		if err := rows.Scan(&id, &l.Version, &l.Owner); err != nil {
			return nil, err
		}
		out[id] = l
	}
	return out, rows.Err()
}
