package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/store"
)

var (
	_ govern.Store    = (*Store)(nil)
	_ govern.MFAStore = (*Store)(nil)
)

const userColumns = `id, partner_id, name, roles, disabled, password_hash, created_by, created_at`

// BootstrapUser creates u if and only if there are no users yet; the
// table lock makes two processes bootstrapping at once create one user.
func (s *Store) BootstrapUser(ctx context.Context, u *govern.User) error {
	defer s.changed()
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE users IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fault.Errorf(fault.Conflict, "the store already has users: ask a partner admin to add you (`civiclink user add`)")
		}
		return insertUser(ctx, tx, u)
	})
}

// CreateUser adds a user; its id must be new.
func (s *Store) CreateUser(ctx context.Context, u *govern.User) error {
	defer s.changed()
	return insertUser(ctx, s.pool, u)
}

func insertUser(ctx context.Context, db querier, u *govern.User) error {
	_, err := db.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.PartnerID, u.Name, joinRoles(u.Roles), u.Disabled, u.PasswordHash, u.CreatedBy, u.CreatedAt.UTC())
	if isUnique(err) {
		return fault.Errorf(fault.Conflict, "user %q already exists", u.ID)
	}
	return err
}

// User returns the user with id.
func (s *Store) User(ctx context.Context, id string) (*govern.User, error) {
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no user %q (see `civiclink user list`)", id)
	}
	return u, err
}

// Users returns every user, by id.
func (s *Store) Users(ctx context.Context) ([]*govern.User, error) {
	return collect(ctx, s.pool, scanUser, `SELECT `+userColumns+` FROM users ORDER BY id COLLATE "C"`)
}

// UpdateUser saves a user's name, roles, disabled flag and password hash.
func (s *Store) UpdateUser(ctx context.Context, u *govern.User) error {
	defer s.changed()
	tag, err := s.pool.Exec(ctx, `UPDATE users SET name = $1, roles = $2, disabled = $3, password_hash = $4 WHERE id = $5`,
		u.Name, joinRoles(u.Roles), u.Disabled, u.PasswordHash, u.ID)
	return mustAffect(tag, err, "user", u.ID)
}

func scanUser(r pgx.Row) (*govern.User, error) {
	var u govern.User
	var roles string
	if err := r.Scan(&u.ID, &u.PartnerID, &u.Name, &roles, &u.Disabled, &u.PasswordHash, &u.CreatedBy, &u.CreatedAt); err != nil {
		return nil, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	for _, r := range strings.Split(roles, ",") {
		if r != "" {
			u.Roles = append(u.Roles, govern.Role(r))
		}
	}
	return &u, nil
}

func joinRoles(rs []govern.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

const tokenColumns = `id, user_id, name, hash, created_at, expires_at, revoked_at, revoked_by`

// CreateToken stores a token's record (its hash, never the token).
func (s *Store) CreateToken(ctx context.Context, t *govern.Token) error {
	defer s.changed()
	_, err := s.pool.Exec(ctx, `INSERT INTO api_tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.ID, t.UserID, t.Name, t.Hash, t.CreatedAt.UTC(), utcPtr(t.ExpiresAt), utcPtr(t.RevokedAt), t.RevokedBy)
	if isUnique(err) {
		return fault.Errorf(fault.Conflict, "token %q already exists", t.ID)
	}
	return err
}

// Token returns the token record with id.
func (s *Store) Token(ctx context.Context, id string) (*govern.Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no API token %q", id)
	}
	return t, err
}

// Tokens returns a user's tokens, oldest first.
func (s *Store) Tokens(ctx context.Context, userID string) ([]*govern.Token, error) {
	return collect(ctx, s.pool, scanToken, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY created_at, id`, userID)
}

// RevokeToken marks a token revoked by by at at.
func (s *Store) RevokeToken(ctx context.Context, id, by string, at time.Time) error {
	defer s.changed()
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL`, at.UTC(), by, id)
	return mustAffect(tag, err, "unrevoked API token", id)
}

func scanToken(r pgx.Row) (*govern.Token, error) {
	var t govern.Token
	var exp, rev *time.Time
	if err := r.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, &t.CreatedAt, &exp, &rev, &t.RevokedBy); err != nil {
		return nil, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.ExpiresAt, t.RevokedAt = utcOf(exp), utcOf(rev)
	return &t, nil
}

func utcPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func utcOf(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// CreatePurpose adds a purpose to the register.
func (s *Store) CreatePurpose(ctx context.Context, p *govern.Purpose) error {
	defer s.changed()
	_, err := s.pool.Exec(ctx, `INSERT INTO purposes (id, name, description, safeguarding, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		p.ID, p.Name, p.Description, p.Safeguarding, p.CreatedBy, p.CreatedAt.UTC())
	if isUnique(err) {
		return fault.Errorf(fault.Conflict, "purpose %q is already in the register", p.ID)
	}
	return err
}

// Purposes returns the purposes added to the register, by id.
func (s *Store) Purposes(ctx context.Context) ([]govern.Purpose, error) {
	ps, err := collect(ctx, s.pool, func(r pgx.Row) (*govern.Purpose, error) {
		var p govern.Purpose
		err := r.Scan(&p.ID, &p.Name, &p.Description, &p.Safeguarding, &p.CreatedBy, &p.CreatedAt)
		p.CreatedAt = p.CreatedAt.UTC()
		return &p, err
	}, `SELECT id, name, description, safeguarding, created_by, created_at FROM purposes ORDER BY id COLLATE "C"`)
	out := make([]govern.Purpose, len(ps))
	for i, p := range ps {
		out[i] = *p
	}
	return out, err
}

// UserMFA returns a user's second factor, NotFound when there is none.
func (s *Store) UserMFA(ctx context.Context, userID string) (*govern.MFA, error) {
	m := &govern.MFA{UserID: userID}
	var rec string
	var confirmed *time.Time
	err := s.pool.QueryRow(ctx, `SELECT secret, recovery, confirmed_at, last_step FROM user_mfa WHERE user_id = $1`, userID).
		Scan(&m.Secret, &rec, &confirmed, &m.LastStep)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "user %q has no second factor", userID)
	}
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the second factor")
	}
	if err := json.Unmarshal([]byte(rec), &m.Recovery); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the recovery codes")
	}
	if confirmed != nil {
		m.Confirmed = confirmed.UTC()
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
	_, err = s.pool.Exec(ctx, `INSERT INTO user_mfa VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, recovery = excluded.recovery,
			confirmed_at = excluded.confirmed_at, last_step = excluded.last_step`,
		m.UserID, m.Secret, string(rec), confirmed, m.LastStep)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot store the second factor")
	}
	return nil
}

// DeleteUserMFA removes a user's second factor.
func (s *Store) DeleteUserMFA(ctx context.Context, userID string) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM user_mfa WHERE user_id = $1`, userID); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot remove the second factor")
	}
	return nil
}

// SignInFailures returns the failed sign-ins at or after since, by
// account, oldest first.
func (s *Store) SignInFailures(ctx context.Context, since time.Time) (map[string][]time.Time, error) {
	rows, err := s.pool.Query(ctx, `SELECT account, failed_at FROM signin_failures WHERE failed_at >= $1 ORDER BY account COLLATE "C", failed_at`, since.UTC())
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
		out[a] = append(out[a], at.UTC())
	}
	if err := rows.Err(); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read failed sign-ins")
	}
	return out, nil
}

// AddSignInFailure records a failed (or not yet checked) sign-in of
// account at at.
func (s *Store) AddSignInFailure(ctx context.Context, account string, at time.Time) error {
	return s.signInExec(ctx, "record a failed sign-in", `INSERT INTO signin_failures VALUES ($1, $2)`, account, at.UTC())
}

// RemoveSignInFailure forgets account's failure at at.
func (s *Store) RemoveSignInFailure(ctx context.Context, account string, at time.Time) error {
	return s.signInExec(ctx, "forget a failed sign-in", `DELETE FROM signin_failures WHERE account = $1 AND failed_at = $2`, account, at.UTC())
}

// ClearSignInFailures forgets account's failures, and every failure
// before before (those no longer count towards a lockout).
func (s *Store) ClearSignInFailures(ctx context.Context, account string, before time.Time) error {
	return s.signInExec(ctx, "clear failed sign-ins", `DELETE FROM signin_failures WHERE account = $1 OR failed_at < $2`, account, before.UTC())
}

func (s *Store) signInExec(ctx context.Context, what, q string, args ...any) error {
	if _, err := s.pool.Exec(ctx, q, args...); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot %s", what)
	}
	return nil
}

// querier is a pool, a connection or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// collect runs q and scans every row with scan.
func collect[T any](ctx context.Context, db querier, scan func(pgx.Row) (*T, error), q string, args ...any) ([]*T, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// CountSignInAttempt records an attempt of account at now unless max are
// already recorded after since, in one transaction holding the
// account's advisory lock, so that every web process on the database
// counts against one lockout: however many attempts arrive at once, at
// whichever process, no more than max are let through a window (see
// [store.Store.CountSignInAttempt]).
func (s *Store) CountSignInAttempt(ctx context.Context, account string, now, since time.Time, max int) (at time.Time, recent []time.Time, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('civiclink signin ' || $1, 0))`, account); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT failed_at FROM signin_failures WHERE account = $1 AND failed_at > $2 ORDER BY failed_at`, account, since.UTC())
		if err != nil {
			return err
		}
		recent, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (time.Time, error) {
			var t time.Time
			err := r.Scan(&t)
			return t.UTC(), err
		})
		if err != nil {
			return err
		}
		var ok bool
		if at, ok = store.NextSignInAttempt(now, recent, max); !ok {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO signin_failures VALUES ($1, $2)`, account, at)
		return err
	})
	if err != nil {
		return time.Time{}, nil, fault.Wrap(err, fault.Internal, "cannot count a sign-in attempt")
	}
	return at, recent, nil
}
