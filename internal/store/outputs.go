package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/output"
)

var _ output.Store = (*Store)(nil)

// CreateOutput stores a new output as the next version of its series.
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
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.QueryRowContext(ctx, `SELECT nextval('output_ids'), coalesce((SELECT max(version) FROM outputs WHERE series = ?), 0) + 1`, o.Series).Scan(&o.ID, &o.Version); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO outputs (id, series, version, title, indicator, by_json, purpose, datasets, columns, status, table_json, report_json, created_by, created_at, kind, document, scopes)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Series, o.Version, o.Title, o.Indicator, string(by), o.Purpose, string(ds), string(cols), string(o.Status), string(tab), string(rep), o.CreatedBy, o.CreatedAt.UTC(),
		kind, doc, scopes)
	if err != nil {
		return err
	}
	return tx.Commit()
}

const outputColumns = `id, series, version, title, indicator, by_json, purpose, datasets, columns, status, table_json, report_json,
	created_by, created_at, coalesce(checked_by, ''), checked_at, coalesce(note, ''), coalesce(released_by, ''), released_at,
	coalesce(kind, 'table'), coalesce(document, ''), coalesce(scopes, '')`

// Output returns an output by id.
func (s *Store) Output(ctx context.Context, id int64) (*output.Output, error) {
	o, err := scanOutput(s.db.QueryRowContext(ctx, `SELECT `+outputColumns+` FROM outputs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no output %d (see `civiclink output list`)", id)
	}
	return o, err
}

// Outputs returns every output, newest first.
func (s *Store) Outputs(ctx context.Context) ([]*output.Output, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+outputColumns+` FROM outputs ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*output.Output
	for rows.Next() {
		o, err := scanOutput(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// TransitionOutput moves an output from one status to another, only if it
// is still in from; the check and release steps stamp who and when.
func (s *Store) TransitionOutput(ctx context.Context, id int64, from, to output.Status, by string, at time.Time, note string) error {
	q := `UPDATE outputs SET status = ?, checked_by = ?, checked_at = ?, note = ? WHERE id = ? AND status = ?`
	args := []any{string(to), by, at.UTC(), note, id, string(from)}
	if to == output.Released {
		q = `UPDATE outputs SET status = ?, released_by = ?, released_at = ? WHERE id = ? AND status = ?`
		args = []any{string(to), by, at.UTC(), id, string(from)}
	}
	res, err := s.db.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fault.Errorf(fault.Conflict, "output %d is no longer %s: someone else acted on it first", id, from)
	}
	return nil
}

func scanOutput(r scanner) (*output.Output, error) {
	var o output.Output
	var by, ds, cols, status, tab, rep, doc, scopes string
	var checkedAt, releasedAt sql.NullTime
	err := r.Scan(&o.ID, &o.Series, &o.Version, &o.Title, &o.Indicator, &by, &o.Purpose, &ds, &cols, &status, &tab, &rep,
		&o.CreatedBy, &o.CreatedAt, &o.CheckedBy, &checkedAt, &o.Note, &o.ReleasedBy, &releasedAt, &o.Kind, &doc, &scopes)
	if err != nil {
		return nil, err
	}
	o.Status, o.CheckedAt, o.ReleasedAt = output.Status(status), checkedAt.Time, releasedAt.Time
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
