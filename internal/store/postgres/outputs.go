package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/output"
)

var (
	_ output.Store          = (*Store)(nil)
	_ disclose.ReleaseStore = (*Store)(nil)
)

// CreateOutput stores a new output as the next version of its series; the
// series' (series, version) key makes a concurrent create of the same
// version fail rather than duplicate it.
func (s *Store) CreateOutput(ctx context.Context, o *output.Output) error {
	tab, err := json.Marshal(o.Table)
	if err != nil {
		return err
	}
	rep, err := json.Marshal(o.Report)
	if err != nil {
		return err
	}
	by, _ := json.Marshal(o.By)
	ds, _ := json.Marshal(o.Datasets)
	cols, _ := json.Marshal(o.Columns)
	kind, doc, scopes, err := output.EncodeReport(o)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('outputs:' || $1))`, o.Series); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `INSERT INTO outputs (series, version, title, indicator, by_json, purpose, datasets, columns, status, table_json, report_json, created_by, created_at, kind, document, scopes)
			VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM outputs WHERE series = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
			RETURNING id, version`,
			o.Series, o.Title, o.Indicator, string(by), o.Purpose, string(ds), string(cols), string(o.Status), string(tab), string(rep), o.CreatedBy, o.CreatedAt.UTC(),
			kind, doc, scopes).
			Scan(&o.ID, &o.Version)
	})
}

const outputColumns = `id, series, version, title, indicator, by_json, purpose, datasets, columns, status, table_json, report_json,
	created_by, created_at, coalesce(checked_by, ''), checked_at, coalesce(note, ''), coalesce(released_by, ''), released_at,
	coalesce(kind, 'table'), coalesce(document, ''), coalesce(scopes, '')`

// Output returns an output by id.
func (s *Store) Output(ctx context.Context, id int64) (*output.Output, error) {
	o, err := scanOutput(s.pool.QueryRow(ctx, `SELECT `+outputColumns+` FROM outputs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no output %d (see `civiclink output list`)", id)
	}
	return o, err
}

// Outputs returns every output, newest first.
func (s *Store) Outputs(ctx context.Context) ([]*output.Output, error) {
	return collect(ctx, s.pool, scanOutput, `SELECT `+outputColumns+` FROM outputs ORDER BY id DESC`)
}

// TransitionOutput moves an output from one status to another, only if it
// is still in from; the check and release steps stamp who and when.
func (s *Store) TransitionOutput(ctx context.Context, id int64, from, to output.Status, by string, at time.Time, note string) error {
	q := `UPDATE outputs SET status = $1, checked_by = $2, checked_at = $3, note = $4 WHERE id = $5 AND status = $6`
	args := []any{string(to), by, at.UTC(), note, id, string(from)}
	if to == output.Released {
		q = `UPDATE outputs SET status = $1, released_by = $2, released_at = $3 WHERE id = $4 AND status = $5`
		args = []any{string(to), by, at.UTC(), id, string(from)}
	}
	tag, err := s.pool.Exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return fault.Errorf(fault.Conflict, "output %d is no longer %s: someone else acted on it first", id, from)
	}
	return nil
}

func scanOutput(r pgx.Row) (*output.Output, error) {
	var o output.Output
	var by, ds, cols, status, tab, rep, doc, scopes string
	var checkedAt, releasedAt *time.Time
	err := r.Scan(&o.ID, &o.Series, &o.Version, &o.Title, &o.Indicator, &by, &o.Purpose, &ds, &cols, &status, &tab, &rep,
		&o.CreatedBy, &o.CreatedAt, &o.CheckedBy, &checkedAt, &o.Note, &o.ReleasedBy, &releasedAt, &o.Kind, &doc, &scopes)
	if err != nil {
		return nil, err
	}
	o.Status, o.CreatedAt = output.Status(status), o.CreatedAt.UTC()
	if checkedAt != nil {
		o.CheckedAt = checkedAt.UTC()
	}
	if releasedAt != nil {
		o.ReleasedAt = releasedAt.UTC()
	}
	o.Table, o.Report = &disclose.Result{}, &disclose.Report{}
	for _, u := range []struct {
		s string
		v any
	}{{by, &o.By}, {ds, &o.Datasets}, {cols, &o.Columns}, {tab, o.Table}, {rep, o.Report}} {
		if err := json.Unmarshal([]byte(u.s), u.v); err != nil {
			return nil, err
		}
	}
	return &o, output.DecodeReport(&o, doc, scopes)
}

// Releases returns the digest of every released population recorded
// under key, by every process on this database.
func (s *Store) Releases(ctx context.Context, key string) ([]*disclose.Digest, error) {
	return collect(ctx, s.pool, func(r pgx.Row) (*disclose.Digest, error) {
		var b []byte
		if err := r.Scan(&b); err != nil {
			return nil, err
		}
		d := new(disclose.Digest)
		return d, d.UnmarshalBinary(b)
	}, `SELECT digest FROM released_digests WHERE key = $1`, []byte(key))
}

// SaveReleases records released digests under key in one statement. Keys
// are kept as bytes: a cell's keys are joined with NUL.
func (s *Store) SaveReleases(ctx context.Context, key string, ds []*disclose.Digest) error {
	units := make([]int64, len(ds))
	blobs := make([][]byte, len(ds))
	for i, d := range ds {
		b, err := d.MarshalBinary()
		if err != nil {
			return err
		}
		units[i], blobs[i] = int64(d.Units), b
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO released_digests (key, units, digest)
		SELECT $1, u, d FROM unnest($2::bigint[], $3::bytea[]) AS t(u, d)`, []byte(key), units, blobs)
	return err
}

// Meta returns a value of the shared key/value table ("" when unset).
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM store_meta WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetMeta sets a value of the shared key/value table.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO store_meta VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// ReleaseSalt returns the salt for the member key of the release record,
// shared by every process: the first to ask makes it.
func (s *Store) ReleaseSalt(ctx context.Context) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO store_meta VALUES ('release_salt', $1) ON CONFLICT (key) DO NOTHING`, hex.EncodeToString(b)); err != nil {
		return nil, err
	}
	v, err := s.Meta(ctx, "release_salt")
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(v)
}

// UnitKeys returns the keys the cell-key method gives linked people, under
// a secret derived from the shared release salt.
func (s *Store) UnitKeys(ctx context.Context) (*disclose.UnitKeys, error) {
	salt, err := s.ReleaseSalt(ctx)
	if err != nil {
		return nil, err
	}
	return disclose.NewUnitKeys(salt), nil
}

// Auditor returns a differencing auditor that remembers releases in this
// database.
func (s *Store) Auditor(ctx context.Context) (*disclose.Auditor, error) {
	salt, err := s.ReleaseSalt(ctx)
	if err != nil {
		return nil, err
	}
	return disclose.NewPersistentAuditor(salt, s), nil
}
