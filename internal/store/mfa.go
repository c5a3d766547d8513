package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

var _ govern.MFAStore = (*Store)(nil)

// UserMFA returns a user's second factor, NotFound when there is none.
func (s *Store) UserMFA(ctx context.Context, userID string) (*govern.MFA, error) {
	m := &govern.MFA{UserID: userID}
	var rec string
	var confirmed sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT secret, recovery, confirmed_at, last_step FROM user_mfa WHERE user_id = ?`, userID).
		Scan(&m.Secret, &rec, &confirmed, &m.LastStep)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "user %q has no second factor", userID)
	}
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the second factor")
	}
	if err := json.Unmarshal([]byte(rec), &m.Recovery); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the recovery codes")
	}
	if confirmed.Valid {
		m.Confirmed = confirmed.Time
	}
	return m, nil
}

// SaveUserMFA creates or replaces a user's second factor.
func (s *Store) SaveUserMFA(ctx context.Context, m *govern.MFA) error {
	rec, err := json.Marshal(m.Recovery)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot encode the recovery codes")
	}
	var confirmed any
	if !m.Confirmed.IsZero() {
		confirmed = m.Confirmed.UTC()
	}
	_, err = s.db.ExecContext(ctx, `INSERT OR REPLACE INTO user_mfa VALUES (?, ?, ?, ?, ?)`, m.UserID, m.Secret, string(rec), confirmed, m.LastStep)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot store the second factor")
	}
	return nil
}

// DeleteUserMFA removes a user's second factor.
func (s *Store) DeleteUserMFA(ctx context.Context, userID string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM user_mfa WHERE user_id = ?`, userID); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot remove the second factor")
	}
	return nil
}
