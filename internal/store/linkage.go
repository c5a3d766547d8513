package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/linkrun"
)

var _ linkrun.Store = (*Store)(nil)

// SaveLinkageRun stores a run with its entities and pairs in one
// transaction, setting its ID and CreatedAt.
func (s *Store) SaveLinkageRun(ctx context.Context, run *linkrun.LinkageRun, entities []linkrun.EntityRow, pairs []linkrun.PairRow) error {
	defer s.changed()
	return s.WriteLinkageRun(ctx, run, linkrun.LinkageWrite{Entities: entities, Pairs: pairs})
}

// WriteLinkageRun stores a run with its entities, pairs and review list,
// setting its ID and CreatedAt. The run exists once its record does, and
// the record is written last, in a small transaction of its own, after the
// rows it owns have committed: a kill at any point leaves either the whole
// run or rows no run refers to, which nothing reads and [Open] removes.
//
// The rows and the record used to share one transaction, but DuckDB
// commits a transaction that large by checkpointing instead of logging it,
// and a kill -9 during that checkpoint left the rows of some tables
// without the others, the run record among those lost (see
// docs/linkage.md, "Crash safety"). A small transaction goes through the
// write-ahead log, which is all or nothing.
func (s *Store) WriteLinkageRun(ctx context.Context, run *linkrun.LinkageRun, w linkrun.LinkageWrite) error {
	defer s.changed()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.QueryRowContext(ctx, `SELECT nextval('linkage_run_ids')`).Scan(&run.ID); err != nil {
		return err
	}
	run.CreatedAt = s.now()
	if err := s.writeRunRows(ctx, conn, run.ID, w); err != nil {
		return err
	}
	return s.recordRun(ctx, conn, run, true)
}

// writeRunRows writes run id's rows as [Store.WriteLinkageRun] does: the
// intent first, then the rows in a transaction of their own; a failure
// removes what it wrote.
func (s *Store) writeRunRows(ctx context.Context, conn *sql.Conn, id int64, w linkrun.LinkageWrite) error {
	// The intent is durable before any row: Open finishes off the rows of
	// a write that never recorded its run, however they were left.
	if _, err := conn.ExecContext(ctx, `INSERT OR REPLACE INTO store_meta VALUES (?, '')`, linkageWriteKey(id)); err != nil {
		return err
	}
	if err := inTx(ctx, conn, func() error { return writeRows(ctx, conn, id, w) }); err != nil {
		s.dropRunRows(context.Background(), id)
		return err
	}
	return nil
}

// recordRun records run, whose rows have committed, in a small
// transaction of its own (adopting it when it is the store's first and
// adopt is set); a failure removes its rows.
func (s *Store) recordRun(ctx context.Context, conn *sql.Conn, run *linkrun.LinkageRun, adopt bool) error {
	if run.Mode == "" {
		run.Mode = "full"
	}
	if err := inTx(ctx, conn, func() error {
		if err := insertRun(ctx, conn, run); err != nil {
			return err
		}
		if !adopt {
			return nil
		}
		return adoptFirst(ctx, conn, run, run.CreatedAt)
	}); err != nil {
		s.dropRunRows(context.Background(), run.ID)
		return err
	}
	return nil
}

// linkageWriteKey is the store_meta key marking run id's write in progress.
func linkageWriteKey(id int64) string { return linkageWritePrefix + strconv.FormatInt(id, 10) }

const linkageWritePrefix = "linkage.writing."

// inTx runs fn inside a transaction on conn, committing when it succeeds.
func inTx(ctx context.Context, conn *sql.Conn, fn func() error) error {
	if _, err := conn.ExecContext(ctx, `BEGIN TRANSACTION`); err != nil {
		return err
	}
	if err := fn(); err != nil {
		conn.ExecContext(context.Background(), `ROLLBACK`)
		return err
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		conn.ExecContext(context.Background(), `ROLLBACK`)
		return err
	}
	return nil
}

// writeRows appends run id's entities, pairs (written and carried) and
// review list on conn's open transaction.
func writeRows(ctx context.Context, conn *sql.Conn, id int64, w linkrun.LinkageWrite) error {
	entities, pairs := w.Entities, w.Pairs
	err := appendRows(conn, "linkage_entities", len(entities), func(i int) []driver.Value {
		e := entities[i]
		return []driver.Value{id, e.DatasetID, e.RecordID, e.EntityID, e.Fingerprint}
	})
	if err != nil {
		return err
	}
	err = appendRows(conn, "linkage_pairs", len(pairs), func(i int) []driver.Value {
		p := pairs[i]
		return []driver.Value{id, p.DatasetL, p.RecordL, p.DatasetR, p.RecordR, p.Probability, p.Weight}
	})
	if err != nil {
		return err
	}
	if err := carry(ctx, conn, id, w.CarryFrom, w.Dropped, w.CarryEntities); err != nil {
		return err
	}
	return appendReview(conn, id, w.Review)
}

// insertRun records run on conn's open transaction and clears the mark of
// its write in progress.
func insertRun(ctx context.Context, conn *sql.Conn, run *linkrun.LinkageRun) error {
	ds, _ := json.Marshal(run.Datasets)
	if run.Params == nil {
		run.Params = json.RawMessage("{}")
	}
	if run.Quality == nil {
		run.Quality = json.RawMessage("{}")
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO linkage_runs (id, datasets, created_by, created_at, params_json, quality_json, purpose, parent_id, mode)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, run.ID, string(ds), run.CreatedBy, run.CreatedAt, string(run.Params), string(run.Quality), run.Purpose, run.ParentID, run.Mode); err != nil {
		return err
	}
	_, err := conn.ExecContext(ctx, `DELETE FROM store_meta WHERE key = ?`, linkageWriteKey(run.ID))
	return err
}

// runRowTables are the tables holding a linkage run's rows by run_id.
var runRowTables = []string{"linkage_entities", "linkage_pairs", "linkage_review"}

// dropRunRows removes the rows of run id, which has no record, and its
// write mark; it returns how many rows it removed.
func (s *Store) dropRunRows(ctx context.Context, id int64) (int64, error) {
	var n int64
	err := s.tryTx(ctx, func(tx *sql.Tx) error {
		for _, t := range runRowTables {
			res, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE run_id = ? AND run_id NOT IN (SELECT id FROM linkage_runs)`, id)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += k
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM store_meta WHERE key = ?`, linkageWriteKey(id))
		return err
	})
	return n, err
}

// appendRows bulk-appends n rows to table on conn's open transaction.
func appendRows(conn *sql.Conn, table string, n int, row func(int) []driver.Value) error {
	if n == 0 {
		return nil
	}
	return conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", table)
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			if err := app.AppendRow(row(i)...); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
}

// runColumns are the columns scanRun reads.
const runColumns = `id, datasets, created_by, created_at, params_json, quality_json, coalesce(purpose, ''), coalesce(parent_id, 0), coalesce(mode, 'full')`

// LinkageRun returns a run by id; id 0 means the latest.
func (s *Store) LinkageRun(ctx context.Context, id int64) (*linkrun.LinkageRun, error) {
	q := `SELECT ` + runColumns + ` FROM linkage_runs WHERE id = ?`
	args := []any{id}
	if id == 0 {
		q, args = `SELECT `+runColumns+` FROM linkage_runs ORDER BY id DESC LIMIT 1`, nil
	}
	r, err := scanRun(s.db.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		if id == 0 {
			return nil, fault.Errorf(fault.NotFound, "no linkage run yet: run `civiclink link run` first")
		}
		return nil, fault.Errorf(fault.NotFound, "no linkage run %d", id)
	}
	return r, err
}

func scanRun(sc scanner) (*linkrun.LinkageRun, error) {
	var r linkrun.LinkageRun
	var ds, params, quality string
	if err := sc.Scan(&r.ID, &ds, &r.CreatedBy, &r.CreatedAt, &params, &quality, &r.Purpose, &r.ParentID, &r.Mode); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ds), &r.Datasets); err != nil {
		return nil, err
	}
	r.Params, r.Quality = json.RawMessage(params), json.RawMessage(quality)
	return &r, nil
}

// IdentifierRows reads a version's record ids and the named columns as
// text, one row per record ([id, values…]) in record id order, passing
// each to each (the row's slice is reused: each copies what it keeps); a
// column the version lacks is empty.
func (s *Store) IdentifierRows(ctx context.Context, v *catalog.Version, idColumn string, columns []string, each func(row []string) error) error {
	present := map[string]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT column_name FROM duckdb_columns() WHERE table_name = ?`, v.Table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		present[strings.ToLower(c)] = true
	}
	rows.Close()
	sel := []string{"CAST(" + quoteIdent(idColumn) + " AS VARCHAR)"}
	for _, c := range columns {
		if present[strings.ToLower(c)] {
			sel = append(sel, "coalesce(CAST("+quoteIdent(c)+" AS VARCHAR), '')")
		} else {
			sel = append(sel, "''")
		}
	}
	rows, err = s.db.QueryContext(ctx, `SELECT `+strings.Join(sel, ", ")+` FROM `+quoteIdent(v.Table)+` ORDER BY 1`)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot read identifiers of %s", v.DatasetID)
	}
	defer rows.Close()
	r := make([]string, len(sel))
	dest := make([]any, len(sel))
	for i := range r {
		dest[i] = &r[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if err := each(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// EntityRecords returns, for the given entities of a run, their record ids
// in the named datasets only, as (dataset, record id) pairs ordered by
// dataset and id.
func (s *Store) EntityRecords(ctx context.Context, runID int64, entities, datasets []string) ([][2]string, error) {
	if len(entities) == 0 || len(datasets) == 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT dataset_id, record_id FROM linkage_entities
		WHERE run_id = ? AND entity_id IN (SELECT unnest(?::VARCHAR[])) AND dataset_id IN (SELECT unnest(?::VARCHAR[]))
		ORDER BY dataset_id, record_id`, runID, entities, datasets)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var r [2]string
		if err := rows.Scan(&r[0], &r[1]); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
