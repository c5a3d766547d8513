package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

var _ govern.Store = (*Store)(nil)

const userColumns = `id, partner_id, name, roles, disabled, password_hash, created_by, created_at`

// BootstrapUser creates u if and only if the store has no users yet.
func (s *Store) BootstrapUser(ctx context.Context, u *govern.User) error {
	defer s.changed()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fault.Errorf(fault.Conflict, "the store already has users: ask a partner admin to add you (`civiclink user add`)")
	}
	if err := insertUser(ctx, tx, u); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateUser adds a user; its id must be new.
func (s *Store) CreateUser(ctx context.Context, u *govern.User) error {
	defer s.changed()
	return insertUser(ctx, s.db, u)
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func insertUser(ctx context.Context, db execer, u *govern.User) error {
	_, err := db.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.PartnerID, u.Name, joinRoles(u.Roles), u.Disabled, u.PasswordHash, u.CreatedBy, u.CreatedAt.UTC())
	if err != nil && isConstraint(err) {
		return fault.Errorf(fault.Conflict, "user %q already exists", u.ID)
	}
	return err
}

// User returns the user with id.
func (s *Store) User(ctx context.Context, id string) (*govern.User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no user %q (see `civiclink user list`)", id)
	}
	return u, err
}

// Users returns every user, by id.
func (s *Store) Users(ctx context.Context) ([]*govern.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*govern.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// UpdateUser saves a user's name, roles, disabled flag and password hash.
func (s *Store) UpdateUser(ctx context.Context, u *govern.User) error {
	defer s.changed()
	res, err := s.db.ExecContext(ctx, `UPDATE users SET name = ?, roles = ?, disabled = ?, password_hash = ? WHERE id = ?`,
		u.Name, joinRoles(u.Roles), u.Disabled, u.PasswordHash, u.ID)
	return mustAffect(res, err, "user", u.ID)
}

func scanUser(r scanner) (*govern.User, error) {
	var u govern.User
	var roles string
	if err := r.Scan(&u.ID, &u.PartnerID, &u.Name, &roles, &u.Disabled, &u.PasswordHash, &u.CreatedBy, &u.CreatedAt); err != nil {
		return nil, err
	}
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

func mustAffect(res sql.Result, err error, kind, id string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fault.Errorf(fault.NotFound, "no %s %q", kind, id)
	}
	return nil
}

const tokenColumns = `id, user_id, name, hash, created_at, expires_at, revoked_at, revoked_by`

// CreateToken stores a token's record (its hash, never the token).
func (s *Store) CreateToken(ctx context.Context, t *govern.Token) error {
	defer s.changed()
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.UserID, t.Name, t.Hash, t.CreatedAt.UTC(), utcPtr(t.ExpiresAt), utcPtr(t.RevokedAt), t.RevokedBy)
	if err != nil && isConstraint(err) {
		return fault.Errorf(fault.Conflict, "token %q already exists", t.ID)
	}
	return err
}

// Token returns the token record with id.
func (s *Store) Token(ctx context.Context, id string) (*govern.Token, error) {
	t, err := scanToken(s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no API token %q", id)
	}
	return t, err
}

// Tokens returns a user's tokens, oldest first.
func (s *Store) Tokens(ctx context.Context, userID string) ([]*govern.Token, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = ? ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*govern.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken marks a token revoked by by at at.
func (s *Store) RevokeToken(ctx context.Context, id, by string, at time.Time) error {
	defer s.changed()
	res, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL`, at.UTC(), by, id)
	return mustAffect(res, err, "unrevoked API token", id)
}

func scanToken(r scanner) (*govern.Token, error) {
	var t govern.Token
	var exp, rev sql.NullTime
	if err := r.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, &t.CreatedAt, &exp, &rev, &t.RevokedBy); err != nil {
		return nil, err
	}
	if exp.Valid {
		t.ExpiresAt = &exp.Time
	}
	if rev.Valid {
		t.RevokedAt = &rev.Time
	}
	return &t, nil
}

func utcPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// CreatePurpose adds a purpose to the register.
func (s *Store) CreatePurpose(ctx context.Context, p *govern.Purpose) error {
	defer s.changed()
	_, err := s.db.ExecContext(ctx, `INSERT INTO purposes (id, name, description, safeguarding, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		p.ID, p.Name, p.Description, p.Safeguarding, p.CreatedBy, p.CreatedAt.UTC())
	if err != nil && isConstraint(err) {
		return fault.Errorf(fault.Conflict, "purpose %q is already in the register", p.ID)
	}
	return err
}

// Purposes returns the purposes added to the register, by id.
func (s *Store) Purposes(ctx context.Context) ([]govern.Purpose, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, description, safeguarding, created_by, created_at FROM purposes ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []govern.Purpose
	for rows.Next() {
		var p govern.Purpose
		if err := rows.Scan(&p.ID, &p.Name, &p.Description, &p.Safeguarding, &p.CreatedBy, &p.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
