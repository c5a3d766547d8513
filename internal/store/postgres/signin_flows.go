package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/web/sessions"
)

var _ sessions.FlowStore = (*Store)(nil)

// AddSignInFlow keeps a sign-in step under way where every web process on
// this database finds it (see [sessions.FlowStore]).
func (s *Store) AddSignInFlow(ctx context.Context, id string, data []byte, now, expires time.Time, max int) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM signin_flows WHERE expires_at <= $1`, now.UTC()); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot forget expired sign-ins")
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO signin_flows SELECT $1, $2, $3 WHERE (SELECT count(*) FROM signin_flows) < $4`,
		sessions.TokenHash(id), data, expires.UTC(), max)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot keep the sign-in under way")
	}
	if tag.RowsAffected() == 0 {
		return fault.Errorf(fault.Busy, "%d sign-ins are under way, the most allowed: wait a minute and try again", max)
	}
	return nil
}

// TakeSignInFlow removes a sign-in step and returns it if live at now: of
// processes taking one flow at once, exactly one gets it (see
// [sessions.FlowStore]).
func (s *Store) TakeSignInFlow(ctx context.Context, id string, now time.Time) ([]byte, error) {
	var data []byte
	var expires time.Time
	err := s.pool.QueryRow(ctx, `DELETE FROM signin_flows WHERE id_hash = $1 RETURNING data, expires_at`, sessions.TokenHash(id)).Scan(&data, &expires)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && !now.Before(expires)) {
		return nil, fault.Errorf(fault.NotFound, "the sign-in is unknown, already finished or expired: sign in again")
	}
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the sign-in under way")
	}
	return data, nil
}
