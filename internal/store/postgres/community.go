package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
)

var _ community.Store = (*Store)(nil)

// CommunityGeneration counts the directory's committed changes through
// any process on the database since this one connected (other processes'
// by notice, see notify.go), so every web process's directory re-reads
// what another published.
func (s *Store) CommunityGeneration() uint64 { return s.communityGen.Load() }

// communityChanged bumps [Store.CommunityGeneration] here and, by notice,
// in every other process; write methods defer it.
func (s *Store) communityChanged() {
	s.communityGen.Add(1)
	s.notify(noticeCommunity)
}

// communityLock serialises the directory's publications across processes,
// so two editors publishing one service at once get versions n and n+1.
const communityLock = "community:versions"

// AddCommunitySubmissions stores submissions in one transaction, copied
// in bulk; a published one adds its service's next version, owned by the
// service's first owner (sub.Owner for a new one).
func (s *Store) AddCommunitySubmissions(ctx context.Context, subs []*community.Submission) error {
	if len(subs) == 0 {
		return nil
	}
	defer s.communityChanged()
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockCommunity(ctx, tx); err != nil {
			return err
		}
		if err := communityIDs(ctx, tx, subs); err != nil {
			return err
		}
		latest, err := communityLatest(ctx, tx, subs)
		if err != nil {
			return err
		}
		community.AssignVersions(subs, latest)
		var subRows, versionRows [][]any
		for _, sub := range subs {
			doc, err := json.Marshal(sub.Service)
			if err != nil {
				return err
			}
			if sub.Status == community.Published {
				versionRows = append(versionRows, []any{sub.Service.ID, sub.Version, string(doc), sub.ID, sub.DecidedBy, sub.DecidedAt.UTC(), sub.Owner})
			}
			subRows = append(subRows, []any{sub.ID, sub.Service.ID, sub.Correction, string(doc), sub.Note, sub.SubmittedBy, sub.SubmittedAt.UTC(),
				string(sub.Status), sub.Reason, sub.DecidedBy, nullTime(sub.DecidedAt), sub.Version})
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"community_submissions"}, []string{"id", "service_id", "correction", "doc", "note",
			"submitted_by", "submitted_at", "status", "reason", "decided_by", "decided_at", "version"}, pgx.CopyFromRows(subRows)); err != nil {
			return err
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"community_versions"}, []string{"service_id", "version", "doc", "submission",
			"published_by", "published_at", "owner"}, pgx.CopyFromRows(versionRows))
		return err
	})
}

func lockCommunity(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, communityLock)
	return err
}

// communityIDs draws the next len(subs) submission ids in one statement.
func communityIDs(ctx context.Context, tx pgx.Tx, subs []*community.Submission) error {
	rows, err := tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('community_submissions', 'id')) FROM generate_series(1, $1) ORDER BY 1`, len(subs))
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	if len(ids) != len(subs) {
		return fmt.Errorf("postgres: drew %d community submission ids for %d submissions", len(ids), len(subs))
	}
	for i, sub := range subs {
		sub.ID = ids[i]
	}
	return nil
}

// communityLatest is the latest published version of each of subs'
// services that has one.
func communityLatest(ctx context.Context, tx pgx.Tx, subs []*community.Submission) (map[string]community.Latest, error) {
	ids := make([]string, len(subs))
	for i, sub := range subs {
		ids[i] = sub.Service.ID
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (service_id) service_id, version, owner FROM community_versions
		WHERE service_id = ANY($1) ORDER BY service_id, version DESC`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return store.ScanCommunityLatest(rows)
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// DecideCommunitySubmission records a pending submission's decision;
// publishing adds the service's next version.
func (s *Store) DecideCommunitySubmission(ctx context.Context, sub *community.Submission) error {
	defer s.communityChanged()
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockCommunity(ctx, tx); err != nil {
			return err
		}
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM community_submissions WHERE id = $1 FOR UPDATE`, sub.ID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.Errorf(fault.NotFound, "no submission %d", sub.ID)
		} else if err != nil {
			return err
		}
		if status != string(community.Pending) {
			return fault.Errorf(fault.Conflict, "submission %d is already %s", sub.ID, status)
		}
		if sub.Status == community.Published {
			latest, err := communityLatest(ctx, tx, []*community.Submission{sub})
			if err != nil {
				return err
			}
			community.AssignVersions([]*community.Submission{sub}, latest)
			doc, err := json.Marshal(sub.Service)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO community_versions (service_id, version, doc, submission, published_by, published_at, owner)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, sub.Service.ID, sub.Version, string(doc), sub.ID, sub.DecidedBy, sub.DecidedAt.UTC(), sub.Owner); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE community_submissions SET status = $1, reason = $2, decided_by = $3, decided_at = $4, version = $5 WHERE id = $6`,
			string(sub.Status), sub.Reason, sub.DecidedBy, sub.DecidedAt.UTC(), sub.Version, sub.ID)
		return err
	})
}

const communitySubmissionColumns = `id, correction, doc, note, submitted_by, submitted_at, status, reason, decided_by, decided_at, version`

func scanCommunitySubmission(row pgx.Row) (*community.Submission, error) {
	var sub community.Submission
	var doc, status string
	var decided *time.Time
	if err := row.Scan(&sub.ID, &sub.Correction, &doc, &sub.Note, &sub.SubmittedBy, &sub.SubmittedAt, &status, &sub.Reason, &sub.DecidedBy, &decided, &sub.Version); err != nil {
		return nil, err
	}
	sub.Status = community.Status(status)
	sub.SubmittedAt = sub.SubmittedAt.UTC()
	if decided != nil {
		sub.DecidedAt = decided.UTC()
	}
	return &sub, json.Unmarshal([]byte(doc), &sub.Service)
}

// CommunitySubmission returns a submission by id.
func (s *Store) CommunitySubmission(ctx context.Context, id int64) (*community.Submission, error) {
	sub, err := scanCommunitySubmission(s.pool.QueryRow(ctx, `SELECT `+communitySubmissionColumns+` FROM community_submissions WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no submission %d", id)
	}
	return sub, err
}

// CommunitySubmissions lists submissions in a state ("" all), oldest first.
func (s *Store) CommunitySubmissions(ctx context.Context, status community.Status) ([]community.Submission, error) {
	subs, err := collect(ctx, s.pool, scanCommunitySubmission, `SELECT `+communitySubmissionColumns+` FROM community_submissions
		WHERE $1 = '' OR status = $1 ORDER BY id`, string(status))
	out := make([]community.Submission, len(subs))
	for i, sub := range subs {
		out[i] = *sub
	}
	return out, err
}

const communityVersionColumns = `version, doc, submission, published_by, published_at, owner`

func scanCommunityVersion(row pgx.Row) (*community.Version, error) {
	var v community.Version
	var doc string
	if err := row.Scan(&v.Version, &doc, &v.Submission, &v.PublishedBy, &v.PublishedAt, &v.Owner); err != nil {
		return nil, err
	}
	v.PublishedAt = v.PublishedAt.UTC()
	if err := json.Unmarshal([]byte(doc), &v.Service); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "a stored community service cannot be read")
	}
	return &v, nil
}

// CommunityCurrent returns every service's latest published version.
func (s *Store) CommunityCurrent(ctx context.Context) ([]community.Version, error) {
	return s.communityVersions(ctx, `SELECT DISTINCT ON (service_id) `+communityVersionColumns+` FROM community_versions
		ORDER BY service_id, version DESC`)
}

// CommunityVersions returns a service's published versions, oldest first.
func (s *Store) CommunityVersions(ctx context.Context, id string) ([]community.Version, error) {
	return s.communityVersions(ctx, `SELECT `+communityVersionColumns+` FROM community_versions WHERE service_id = $1 ORDER BY version`, id)
}

func (s *Store) communityVersions(ctx context.Context, q string, args ...any) ([]community.Version, error) {
	vs, err := collect(ctx, s.pool, scanCommunityVersion, q, args...)
	out := make([]community.Version, len(vs))
	for i, v := range vs {
		out[i] = *v
	}
	return out, err
}
