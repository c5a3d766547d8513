package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/web/sessions"
)

var _ sessions.Store = (*Store)(nil)

// CreateWebSession stores a new session under token's hash.
func (s *Store) CreateWebSession(ctx context.Context, token string, ws sessions.Session) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO web_sessions VALUES (?, ?, ?, ?, ?, ?)`,
		sessions.TokenHash(token), ws.UserID, ws.CSRF, ws.Created.UTC(), ws.LastSeen.UTC(), ws.Expires.UTC())
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot store the session")
	}
	return nil
}

// TouchWebSession returns the live session of token and records it as seen
// at now. A session is live until it has been idle longer than idle
// (counted from the last use written) and until its absolute expiry; a
// session ended, expired or never made is [fault.NotFound].
func (s *Store) TouchWebSession(ctx context.Context, token string, now time.Time, idle time.Duration) (*sessions.Session, error) {
	now = now.UTC()
	ws := &sessions.Session{}
	err := s.db.QueryRowContext(ctx, `UPDATE web_sessions SET last_seen = greatest(last_seen, ?)
		WHERE token_hash = ? AND last_seen >= ? AND expires_at > ?
		RETURNING user_id, csrf, created_at, last_seen, expires_at`,
		now, sessions.TokenHash(token), now.Add(-idle), now).Scan(&ws.UserID, &ws.CSRF, &ws.Created, &ws.LastSeen, &ws.Expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "the session has ended or expired: sign in again")
	}
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the session")
	}
	return ws, nil
}

// EndWebSession removes token's session (signing out); ending a session
// that is not there is no error. [Store.WebSessionsEnded] moves on, so
// that every cache of sessions over this store drops what it holds.
func (s *Store) EndWebSession(ctx context.Context, token string) error {
	defer s.sessionsEnded.Add(1)
	if _, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE token_hash = ?`, sessions.TokenHash(token)); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot end the session")
	}
	return nil
}

// WebSessionsEnded counts the sessions ended through this store since it
// was opened. A cache of sessions is current while the count it was
// loaded at is still the count; as with [Store.Generation], one process
// at a time holds a store open, so every sign-out passes through here.
func (s *Store) WebSessionsEnded() uint64 { return s.sessionsEnded.Load() }

// SweepWebSessions deletes the sessions idle longer than idle at now or
// past their absolute expiry, and returns how many it deleted. Expired
// sessions are refused whether swept or not; sweeping keeps the table
// small.
func (s *Store) SweepWebSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error) {
	now = now.UTC()
	res, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE last_seen < ? OR expires_at <= ?`, now.Add(-idle), now)
	if err != nil {
		return 0, fault.Wrap(err, fault.Internal, "cannot sweep expired sessions")
	}
	return res.RowsAffected()
}
