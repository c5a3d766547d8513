package store

import (
	"context"
	"crypto/rand"
	"database/sql/driver"
	"encoding/hex"

	"github.com/civiclink/civiclink/internal/disclose"
)

var _ disclose.ReleaseStore = (*Store)(nil)

// Releases returns every released population recorded under key.
func (s *Store) Releases(ctx context.Context, key string) ([][]uint64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT members FROM released_populations WHERE key = ?`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]uint64
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		var pop []uint64
		for _, x := range asList(v) {
			if u, ok := x.(uint64); ok {
				pop = append(pop, u)
			}
		}
		out = append(out, pop)
	}
	return out, rows.Err()
}

// SaveReleases records released populations under key in one transaction.
func (s *Store) SaveReleases(ctx context.Context, key string, pops [][]uint64) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN TRANSACTION`); err != nil {
		return err
	}
	err = appendRows(conn, "released_populations", len(pops), func(i int) []driver.Value {
		return []driver.Value{key, pops[i]}
	})
	if err != nil {
		conn.ExecContext(context.Background(), `ROLLBACK`)
		return err
	}
	_, err = conn.ExecContext(ctx, `COMMIT`)
	return err
}

// ReleaseSalt returns the store's salt for hashing record ids in the
// release record, making one on first use.
func (s *Store) ReleaseSalt(ctx context.Context) ([]byte, error) {
	v, err := s.Meta(ctx, "release_salt")
	if err != nil {
		return nil, err
	}
	if v == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		v = hex.EncodeToString(b)
		if err := s.SetMeta(ctx, "release_salt", v); err != nil {
			return nil, err
		}
	}
	return hex.DecodeString(v)
}

// Auditor returns a differencing auditor that remembers releases in this
// store.
func (s *Store) Auditor(ctx context.Context) (*disclose.Auditor, error) {
	salt, err := s.ReleaseSalt(ctx)
	if err != nil {
		return nil, err
	}
	return disclose.NewPersistentAuditor(salt, s), nil
}
