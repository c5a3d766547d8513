package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// SignInFailures returns the failed sign-ins at or after since, by
// account, oldest first.
func (s *Store) SignInFailures(ctx context.Context, since time.Time) (map[string][]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT account, failed_at FROM signin_failures WHERE failed_at >= ? ORDER BY account, failed_at`, since.UTC())
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read failed sign-ins")
	}
	defer rows.Close()
	out := map[string][]time.Time{}
	for rows.Next() {
		var a string
		var at time.Time
		if err := rows.Scan(&a, &at); err != nil {
			return nil, fault.Wrap(err, fault.Internal, "cannot read failed sign-ins")
		}
		out[a] = append(out[a], at)
	}
	if err := rows.Err(); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read failed sign-ins")
	}
	return out, nil
}

// AddSignInFailure records a failed (or not yet checked) sign-in of
// account at at.
func (s *Store) AddSignInFailure(ctx context.Context, account string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO signin_failures VALUES (?, ?)`, account, at.UTC()); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot record a failed sign-in")
	}
	return nil
}

// RemoveSignInFailure forgets account's failure at at.
func (s *Store) RemoveSignInFailure(ctx context.Context, account string, at time.Time) error {
	s.signIn.Lock()
	defer s.signIn.Unlock()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM signin_failures WHERE account = ? AND failed_at = ?`, account, at.UTC()); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot forget a failed sign-in")
	}
	return nil
}

// ClearSignInFailures forgets account's failures, and every failure
// before before (those no longer count towards a lockout).
func (s *Store) ClearSignInFailures(ctx context.Context, account string, before time.Time) error {
	s.signIn.Lock()
	defer s.signIn.Unlock()
	if _, err := s.db.ExecContext(ctx, `DELETE FROM signin_failures WHERE account = ? OR failed_at < ?`, account, before.UTC()); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot clear failed sign-ins")
	}
	return nil
}

// CountSignInAttempt records an attempt of account at now (moved on a
// microsecond past the latest, so each can be taken back alone) unless
// max are already recorded after since, in one step: however many
// attempts arrive at once, no more than max are let through a window. It
// returns when the attempt was recorded (zero when the account is
// locked) and the account's attempts in the window before it, oldest
// first.
func (s *Store) CountSignInAttempt(ctx context.Context, account string, now, since time.Time, max int) (time.Time, []time.Time, error) {
	s.signIn.Lock() // one process holds a DuckDB file: this lock is the whole of it
	defer s.signIn.Unlock()
	rows, err := s.db.QueryContext(ctx, `SELECT failed_at FROM signin_failures WHERE account = ? AND failed_at > ? ORDER BY failed_at`, account, since.UTC())
	if err != nil {
		return time.Time{}, nil, fault.Wrap(err, fault.Internal, "cannot read failed sign-ins")
	}
	recent, err := scanTimes(rows)
	if err != nil {
		return time.Time{}, nil, fault.Wrap(err, fault.Internal, "cannot read failed sign-ins")
	}
	at, ok := NextSignInAttempt(now, recent, max)
	if !ok {
		return time.Time{}, recent, nil
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO signin_failures VALUES (?, ?)`, account, at); err != nil {
		return time.Time{}, nil, fault.Wrap(err, fault.Internal, "cannot record a sign-in attempt")
	}
	return at, recent, nil
}

// NextSignInAttempt is when an attempt made at now is recorded after the
// window's attempts recent (oldest first): now, or a microsecond past the
// latest; false when max are already there.
func NextSignInAttempt(now time.Time, recent []time.Time, max int) (time.Time, bool) {
	if len(recent) >= max {
		return time.Time{}, false
	}
	at := now.UTC().Truncate(time.Microsecond)
	if n := len(recent); n > 0 && !at.After(recent[n-1]) {
		at = recent[n-1].Add(time.Microsecond)
	}
	return at, true
}

// scanTimes reads one time a row and closes rows.
func scanTimes(rows *sql.Rows) ([]time.Time, error) {
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, at.UTC())
	}
	return out, rows.Err()
}
