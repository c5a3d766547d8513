package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

var _ govern.IdentityStore = (*Store)(nil)

// IdentityUser returns the user linked to key at provider, NotFound when
// there is none.
func (s *Store) IdentityUser(ctx context.Context, provider, key string) (string, error) {
	var uid string
	err := s.db.QueryRowContext(ctx, `SELECT user_id FROM user_identities WHERE provider = ? AND key = ?`, provider, key).Scan(&uid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fault.Errorf(fault.NotFound, "no user is linked to %q at provider %q", key, provider)
	}
	if err != nil {
		return "", fault.Wrap(err, fault.Internal, "cannot read the single sign-on links")
	}
	return uid, nil
}

// SaveIdentity creates or replaces a single sign-on link.
func (s *Store) SaveIdentity(ctx context.Context, id *govern.Identity) error {
	_, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO user_identities VALUES (?, ?, ?, ?, ?)`,
		id.Provider, id.Key, id.UserID, id.LinkedAt.UTC(), id.LinkedBy)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot store the single sign-on link")
	}
	return nil
}

// DeleteIdentity removes a single sign-on link, NotFound when there is none.
func (s *Store) DeleteIdentity(ctx context.Context, provider, key string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM user_identities WHERE provider = ? AND key = ?`, provider, key)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot remove the single sign-on link")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fault.Errorf(fault.NotFound, "no user is linked to %q at provider %q", key, provider)
	}
	return nil
}

// UserIdentities lists a user's single sign-on links, by provider and key.
func (s *Store) UserIdentities(ctx context.Context, userID string) ([]*govern.Identity, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT provider, key, user_id, linked_at, linked_by FROM user_identities WHERE user_id = ? ORDER BY provider, key`, userID)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the single sign-on links")
	}
	defer rows.Close()
	var out []*govern.Identity
	for rows.Next() {
		id := &govern.Identity{}
		if err := rows.Scan(&id.Provider, &id.Key, &id.UserID, &id.LinkedAt, &id.LinkedBy); err != nil {
			return nil, fault.Wrap(err, fault.Internal, "cannot read the single sign-on links")
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
