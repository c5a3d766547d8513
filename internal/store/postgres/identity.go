package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

var _ govern.IdentityStore = (*Store)(nil)

// IdentityUser returns the user linked to key at provider, NotFound when
// there is none.
func (s *Store) IdentityUser(ctx context.Context, provider, key string) (string, error) {
	var uid string
	err := s.pool.QueryRow(ctx, `SELECT user_id FROM user_identities WHERE provider = $1 AND key = $2`, provider, key).Scan(&uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fault.Errorf(fault.NotFound, "no user is linked to %q at provider %q", key, provider)
	}
	if err != nil {
		return "", fault.Wrap(err, fault.Internal, "cannot read the single sign-on links")
	}
	return uid, nil
}

// SaveIdentity creates or replaces a single sign-on link.
func (s *Store) SaveIdentity(ctx context.Context, id *govern.Identity) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO user_identities VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (provider, key) DO UPDATE SET user_id = excluded.user_id, linked_at = excluded.linked_at, linked_by = excluded.linked_by`,
		id.Provider, id.Key, id.UserID, id.LinkedAt.UTC(), id.LinkedBy)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot store the single sign-on link")
	}
	return nil
}

// DeleteIdentity removes a single sign-on link, NotFound when there is none.
func (s *Store) DeleteIdentity(ctx context.Context, provider, key string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM user_identities WHERE provider = $1 AND key = $2`, provider, key)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot remove the single sign-on link")
	}
	if tag.RowsAffected() == 0 {
		return fault.Errorf(fault.NotFound, "no user is linked to %q at provider %q", key, provider)
	}
	return nil
}

// UserIdentities lists a user's single sign-on links, by provider and key.
func (s *Store) UserIdentities(ctx context.Context, userID string) ([]*govern.Identity, error) {
	rows, err := s.pool.Query(ctx, `SELECT provider, key, user_id, linked_at, linked_by FROM user_identities
		WHERE user_id = $1 ORDER BY provider COLLATE "C", key COLLATE "C"`, userID)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the single sign-on links")
	}
	defer rows.Close()
	var out []*govern.Identity
	for rows.Next() {
		id := &govern.Identity{}
		var at time.Time
		if err := rows.Scan(&id.Provider, &id.Key, &id.UserID, &at, &id.LinkedBy); err != nil {
			return nil, fault.Wrap(err, fault.Internal, "cannot read the single sign-on links")
		}
		id.LinkedAt = at.UTC()
		out = append(out, id)
	}
	return out, rows.Err()
}
