package store

import (
	"context"
	"crypto/rand"
	"database/sql/driver"
	"encoding/hex"

	"github.com/civiclink/civiclink/internal/disclose"
)

var _ disclose.ReleaseStore = (*Store)(nil)

// Releases returns the digest of every released population recorded under
// key. Populations recorded before digests existed (released_populations)
// come back as legacy digests, which the auditor compares by size alone.
func (s *Store) Releases(ctx context.Context, key string) ([]*disclose.Digest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT digest FROM released_digests WHERE key = ?`, key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*disclose.Digest
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, err
		}
		d := new(disclose.Digest)
		if err := d.UnmarshalBinary(b); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	legacy, err := s.db.QueryContext(ctx, `SELECT len(list_distinct(members)) FROM released_populations WHERE key = ?`, key)
	if err != nil {
		return nil, err
	}
	defer legacy.Close()
	for legacy.Next() {
		var n uint64
		if err := legacy.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, &disclose.Digest{Units: n, Legacy: true})
	}
	return out, legacy.Err()
}

// SaveReleases records released digests under key in one transaction.
func (s *Store) SaveReleases(ctx context.Context, key string, ds []*disclose.Digest) error {
	blobs := make([][]byte, len(ds))
	for i, d := range ds {
		b, err := d.MarshalBinary()
		if err != nil {
			return err
		}
		blobs[i] = b
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN TRANSACTION`); err != nil {
		return err
	}
	err = appendRows(conn, "released_digests", len(ds), func(i int) []driver.Value {
		return []driver.Value{key, ds[i].Units, blobs[i]}
	})
	if err != nil {
		conn.ExecContext(context.Background(), `ROLLBACK`)
		return err
	}
	_, err = conn.ExecContext(ctx, `COMMIT`)
	return err
}

// UnitKeys returns the keys the cell-key method gives linked people (who
// have no stored record key), under a secret derived from the store's
// release salt, so a person adds the same key to every cell in every run.
func (s *Store) UnitKeys(ctx context.Context) (*disclose.UnitKeys, error) {
	salt, err := s.ReleaseSalt(ctx)
	if err != nil {
		return nil, err
	}
	return disclose.NewUnitKeys(salt), nil
}

// ReleaseSalt returns the store's salt for the member key of the release
// record, making one on first use.
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
