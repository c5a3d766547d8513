package store

import (
	"context"
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
	if _, err := s.db.ExecContext(ctx, `DELETE FROM signin_failures WHERE account = ? AND failed_at = ?`, account, at.UTC()); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot forget a failed sign-in")
	}
	return nil
}

// ClearSignInFailures forgets account's failures, and every failure
// before before (those no longer count towards a lockout).
func (s *Store) ClearSignInFailures(ctx context.Context, account string, before time.Time) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM signin_failures WHERE account = ? OR failed_at < ?`, account, before.UTC()); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot clear failed sign-ins")
	}
	return nil
}
