package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/web/sessions"
)

var _ sessions.Store = (*Store)(nil)

// CreateWebSession stores a new session under token's hash, where every
// web process on this database finds it.
func (s *Store) CreateWebSession(ctx context.Context, token string, ws sessions.Session) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO web_sessions VALUES ($1, $2, $3, $4, $5, $6)`,
		sessions.TokenHash(token), ws.UserID, ws.CSRF, ws.Created.UTC(), ws.LastSeen.UTC(), ws.Expires.UTC())
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot store the session")
	}
	return nil
}

// TouchWebSession returns the live session of token and records it as seen
// at now (see [sessions.Store]).
func (s *Store) TouchWebSession(ctx context.Context, token string, now time.Time, idle time.Duration) (*sessions.Session, error) {
	now = now.UTC()
	ws := &sessions.Session{}
	err := s.pool.QueryRow(ctx, `UPDATE web_sessions SET last_seen = greatest(last_seen, $1)
		WHERE token_hash = $2 AND last_seen >= $3 AND expires_at > $1
		RETURNING user_id, csrf, created_at, last_seen, expires_at`,
		now, sessions.TokenHash(token), now.Add(-idle)).Scan(&ws.UserID, &ws.CSRF, &ws.Created, &ws.LastSeen, &ws.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "the session has ended or expired: sign in again")
	}
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the session")
	}
	ws.Created, ws.LastSeen, ws.Expires = ws.Created.UTC(), ws.LastSeen.UTC(), ws.Expires.UTC()
	return ws, nil
}

// EndWebSession removes token's session (signing out); ending a session
// that is not there is no error.
func (s *Store) EndWebSession(ctx context.Context, token string) error {
	defer s.notify(noticeSession) // every process drops its cached sessions
	defer s.sessionsEnded.Add(1)
	if _, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE token_hash = $1`, sessions.TokenHash(token)); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot end the session")
	}
	return nil
}

// WebSessionsEnded counts the sessions ended through any process on the
// database since this one connected (other processes' by notice, see
// notify.go), so a sign-out on one web process ends the session on all.
func (s *Store) WebSessionsEnded() uint64 { return s.sessionsEnded.Load() }

// SweepWebSessions deletes the sessions idle longer than idle at now or
// past their absolute expiry, and returns how many it deleted.
func (s *Store) SweepWebSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	now = now.UTC()
	tag, err := s.pool.Exec(ctx, `DELETE FROM web_sessions WHERE last_seen < $1 OR expires_at <= $2`, now.Add(-idle), now)
	if err != nil {
		return 0, fault.Wrap(err, fault.Internal, "cannot sweep expired sessions")
	}
	return tag.RowsAffected(), nil
}
