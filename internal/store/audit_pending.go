package store

import (
	"context"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/govern"
)

// UnauditedVersions returns the versions loaded through the ingest service
// whose audit entry was not yet confirmed appended (a crash cut in between).
// A note whose version has since been purged is dropped: the purge's entry
// names the version, its rows, hash and load time.
func (s *Store) UnauditedVersions(ctx context.Context) ([]*catalog.Version, error) {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM audit_pending
		WHERE kind = 'version' AND ref NOT IN (SELECT id FROM dataset_versions)`); err != nil {
		return nil, err
	}
	return s.versionsWhere(ctx, `id IN (SELECT ref FROM audit_pending WHERE kind = 'version') ORDER BY id`)
}

// UnauditedPurges returns the purges whose audit entry was not yet
// confirmed appended.
func (s *Store) UnauditedPurges(ctx context.Context) ([]govern.PurgedVersion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version_id, dataset_id, number, rows, sha256, loaded_at, purged_by, purged_at
		FROM purged_versions WHERE version_id IN (SELECT ref FROM audit_pending WHERE kind = 'purge') ORDER BY version_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []govern.PurgedVersion
	for rows.Next() {
		v := &catalog.Version{}
		var p govern.PurgedVersion
		var loaded, at time.Time
		if err := rows.Scan(&v.ID, &v.DatasetID, &v.Number, &v.Rows, &v.SHA256, &loaded, &p.By, &at); err != nil {
			return nil, err
		}
		v.LoadedAt, p.At, p.Version = loaded.UTC(), at.UTC(), v
		out = append(out, p)
	}
	return out, rows.Err()
}

// MarkVersionAudited notes that version id's load is on the audit log.
func (s *Store) MarkVersionAudited(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM audit_pending WHERE kind = 'version' AND ref = ?`, id)
	return err
}

// MarkPurgeAudited notes that version id's purge is on the audit log.
func (s *Store) MarkPurgeAudited(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM audit_pending WHERE kind = 'purge' AND ref = ?`, id)
	return err
}

// AuditPending counts the loads and purges whose audit entry was not yet
// confirmed appended.
func (s *Store) AuditPending(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM audit_pending`).Scan(&n)
	return n, err
}
