package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/web/sessions"
)

var _ sessions.FlowStore = (*Store)(nil)

// AddSignInFlow keeps a sign-in step under way (see [sessions.FlowStore]).
func (s *Store) AddSignInFlow(ctx context.Context, id string, data []byte, now, expires time.Time, max int) error {
	s.signIn.Lock() // DuckDB refuses concurrent deletes of one row; one process holds the file
	defer s.signIn.Unlock()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM signin_flows WHERE expires_at <= ?`, now.UTC()); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot forget expired sign-ins")
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM signin_flows`).Scan(&n); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot count the sign-ins under way")
	}
	if n >= max {
		return fault.Errorf(fault.Busy, "%d sign-ins are under way, the most allowed: wait a minute and try again", n)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO signin_flows VALUES (?, ?, ?)`, sessions.TokenHash(id), data, expires.UTC()); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot keep the sign-in under way")
	}
	return nil
}

// TakeSignInFlow removes a sign-in step and returns it if live at now
// (see [sessions.FlowStore]).
func (s *Store) TakeSignInFlow(ctx context.Context, id string, now time.Time) ([]byte, error) {
	s.signIn.Lock()
	defer s.signIn.Unlock()
	var data []byte
	var expires time.Time
	err := s.db.QueryRowContext(ctx, `DELETE FROM signin_flows WHERE id_hash = ? RETURNING data, expires_at`, sessions.TokenHash(id)).Scan(&data, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !now.Before(expires)) {
		return nil, fault.Errorf(fault.NotFound, "the sign-in is unknown, already finished or expired: sign in again")
	}
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the sign-in under way")
	}
	return data, nil
}
