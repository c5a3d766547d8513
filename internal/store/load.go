package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// Load is a dataset version being written. Rows go into a new table that
// no version refers to, flushed in committed chunks so memory stays bounded
// however large the input; only Commit makes it a version, in one small
// transaction. Abort drops the table, and Open drops any such table a crash
// left behind, so a failed or killed load leaves nothing visible.
type Load struct {
	s       *Store
	conn    *sql.Conn
	app     *duckdb.Appender
	dataset *catalog.Dataset
	id      int64
	table   string
	done    bool
	buf     []driver.Value
	pending int
	keys    *keySource
}

// flushRows is how many appended rows are written out at a time.
const flushRows = 1 << 17

// sqlType is the DuckDB column type for a catalogue type.
func sqlType(t catalog.Type) string {
	switch t {
	case catalog.TypeInteger:
		return "BIGINT"
	case catalog.TypeDecimal:
		return "DOUBLE"
	case catalog.TypeBoolean:
		return "BOOLEAN"
	case catalog.TypeDate:
		return "DATE"
	case catalog.TypeDatetime:
		return "TIMESTAMP"
	default:
		return "VARCHAR"
	}
}

// BeginLoad starts a new version of the dataset. Append rows whose values
// follow the schema's column order and types (string, int64, float64, bool,
// time.Time or nil), then Commit or Abort.
func (s *Store) BeginLoad(ctx context.Context, d *catalog.Dataset) (catalog.VersionWriter, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	l := &Load{s: s, conn: conn, dataset: d}
	if err := l.begin(ctx); err != nil {
		l.Abort()
		return nil, err
	}
	return l, nil
}

func (l *Load) begin(ctx context.Context) error {
	if l.s.shared != nil {
		id, err := l.s.shared.NextVersionID(ctx)
		if err != nil {
			return err
		}
		l.id = id
	} else if err := l.conn.QueryRowContext(ctx, `SELECT nextval('version_ids')`).Scan(&l.id); err != nil {
		return err
	}
	l.table = fmt.Sprintf("ds_%d", l.id)
	l.keys = newKeySource()
	cols := make([]string, len(l.dataset.Schema.Columns), len(l.dataset.Schema.Columns)+1)
	for i, c := range l.dataset.Schema.Columns {
		cols[i] = quoteIdent(c.Name) + " " + sqlType(c.Type)
	}
	cols = append(cols, quoteIdent(RecordKeyColumn)+" "+recordKeyType)
	if _, err := l.conn.ExecContext(ctx, `CREATE TABLE `+l.table+` (`+strings.Join(cols, ", ")+`)`); err != nil {
		return err
	}
	return l.conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", l.table)
		l.app = app
		return err
	})
}

// Append adds one row, with a fresh random cell key.
func (l *Load) Append(values ...any) error {
	l.buf = l.buf[:0]
	for _, v := range values {
		l.buf = append(l.buf, v)
	}
	k, err := l.keys.next()
	if err != nil {
		return err
	}
	l.buf = append(l.buf, k)
	if err := l.app.AppendRow(l.buf...); err != nil {
		return err
	}
	if l.pending++; l.pending == flushRows {
		l.pending = 0
		return l.app.Flush()
	}
	return nil
}

// exactDistinctBelow is the estimated number of distinct values below which
// a column's distinct count is recounted exactly; above it the HyperLogLog
// estimate (about 2% error, fixed memory) stands, so memory does not grow
// with the number of distinct values.
const exactDistinctBelow = 50000

// ColumnStats computes, over the rows appended so far, each column's
// non-empty count, distinct count and (for ordered types) min and max, and
// the number of rows whose record id repeats an earlier one. Its memory is
// bounded: distinct counts of large columns are estimated, and duplicate
// ids are found by sorting, which DuckDB spills to disk under its limit.
func (l *Load) ColumnStats(ctx context.Context) (rows int64, dupIDs int64, cols []catalog.ColumnQuality, err error) {
	if err := l.app.Flush(); err != nil {
		return 0, 0, nil, fault.Wrap(err, fault.Internal, "cannot write rows to the store")
	}
	if err := l.conn.QueryRowContext(ctx, `SELECT count(*) FROM `+l.table).Scan(&rows); err != nil {
		return 0, 0, nil, err
	}
	for _, c := range l.dataset.Schema.Columns {
		cq, err := l.columnStats(ctx, c)
		if err != nil {
			return 0, 0, nil, err
		}
		cols = append(cols, cq)
	}
	if id, ok := l.dataset.Schema.RecordID(); ok {
		q := quoteIdent(id.Name)
		err := l.conn.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT `+q+` = lag(`+q+`) OVER (ORDER BY `+q+`) AS dup FROM `+l.table+`) WHERE dup`).Scan(&dupIDs)
		if err != nil {
			return 0, 0, nil, err
		}
	}
	return rows, dupIDs, cols, nil
}

func (l *Load) columnStats(ctx context.Context, c catalog.Column) (catalog.ColumnQuality, error) {
	q := quoteIdent(c.Name)
	mm := "NULL, NULL"
	switch c.Type {
	case catalog.TypeDate, catalog.TypeDatetime, catalog.TypeInteger, catalog.TypeDecimal:
		mm = fmt.Sprintf("CAST(min(%s) AS VARCHAR), CAST(max(%s) AS VARCHAR)", q, q)
	}
	cq := catalog.ColumnQuality{Name: c.Name, Type: c.Type}
	var lo, hi sql.NullString
	err := l.conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(%s), approx_count_distinct(%s), %s FROM %s", q, q, mm, l.table)).Scan(&cq.Present, &cq.Distinct, &lo, &hi)
	if err != nil {
		return cq, err
	}
	cq.Min, cq.Max = lo.String, hi.String
	if cq.Distinct < exactDistinctBelow {
		err = l.conn.QueryRowContext(ctx, fmt.Sprintf("SELECT count(DISTINCT %s) FROM %s", q, l.table)).Scan(&cq.Distinct)
	} else {
		cq.DistinctEstimated = true
	}
	return cq, err
}

// Commit records v (whose Rows, SHA256, Source, Format, LoadedBy and Quality
// the caller fills) as the dataset's next version and makes it visible.
func (l *Load) Commit(ctx context.Context, v *catalog.Version) error {
	defer l.s.changed()
	if err := l.app.Close(); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot write rows to the store")
	}
	l.app = nil
	v.ID, v.DatasetID, v.Table, v.LoadedAt = l.id, l.dataset.ID, l.table, l.s.now()
	defer l.s.sharedWrite()()
	if l.s.shared != nil {
		// Server mode: the rows go to the shared folder and the version to
		// the shared catalogue first, which numbers it; this engine then
		// records it like any other.
		if err := l.share(ctx, v); err != nil {
			return err
		}
	}
	if _, err := l.conn.ExecContext(ctx, `BEGIN TRANSACTION`); err != nil {
		return err
	}
	// Purged versions keep their numbers: a number is never reused.
	if l.s.shared == nil {
		if err := l.conn.QueryRowContext(ctx, `SELECT coalesce(max(number), 0) + 1 FROM (
		SELECT number FROM dataset_versions WHERE dataset_id = ?
		UNION ALL SELECT number FROM purged_versions WHERE dataset_id = ?)`, l.dataset.ID, l.dataset.ID).Scan(&v.Number); err != nil {
			l.conn.ExecContext(context.Background(), `ROLLBACK`)
			return err
		}
	}
	q, err := json.Marshal(v.Quality)
	if err != nil {
		return err
	}
	_, err = l.conn.ExecContext(ctx, `INSERT INTO dataset_versions (`+versionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.DatasetID, v.Number, v.Table, v.Rows, v.Rejected, v.SHA256, v.Source, v.Format, v.LoadedBy, v.LoadedAt, string(q))
	if err != nil {
		l.conn.ExecContext(context.Background(), `ROLLBACK`)
		if isConstraint(err) {
			return fault.Errorf(fault.Conflict, "dataset %q already has a version from this exact input (sha256 %s)", v.DatasetID, v.SHA256)
		}
		return err
	}
	if v.AuditPending {
		if _, err := l.conn.ExecContext(ctx, `INSERT INTO audit_pending VALUES ('version', ?)`, v.ID); err != nil {
			l.conn.ExecContext(context.Background(), `ROLLBACK`)
			return err
		}
	}
	if _, err := l.conn.ExecContext(ctx, `COMMIT`); err != nil {
		l.conn.ExecContext(context.Background(), `ROLLBACK`)
		return fault.Wrap(err, fault.Internal, "cannot commit the new version")
	}
	l.done = true
	l.conn.Close()
	return nil
}

// share writes the version's rows as its Parquet file in the shared folder
// and records it in the shared catalogue, which gives v its number. A
// refused version's file is removed.
func (l *Load) share(ctx context.Context, v *catalog.Version) error {
	file, err := l.s.exportVersion(ctx, l.conn, l.table)
	if err != nil {
		return err
	}
	n, err := l.s.shared.ShareVersion(ctx, v, file)
	if err != nil {
		os.Remove(filepath.Join(l.s.versionsDir, file))
		return err
	}
	v.Number = n
	return nil
}

// Abort throws the load away; the store is as it was before BeginLoad. It is
// safe to call after Commit (it then does nothing).
func (l *Load) Abort() {
	if l.done {
		return
	}
	l.done = true
	if l.app != nil {
		l.app.Close()
	}
	l.conn.ExecContext(context.Background(), `DROP TABLE IF EXISTS `+l.table)
	l.conn.Close()
}

// dropOrphans drops version tables that no version refers to: the staging
// tables of loads that a crash or kill interrupted.
func (s *Store) dropOrphans(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE table_name LIKE 'ds\_%' ESCAPE '\' AND table_name NOT IN (SELECT table_name FROM dataset_versions)`)
	if err != nil {
		return err
	}
	var orphans []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		orphans = append(orphans, t)
	}
	rows.Close()
	for _, t := range orphans {
		if _, err := s.db.ExecContext(ctx, `DROP TABLE IF EXISTS `+quoteIdent(t)); err != nil {
			return err
		}
		s.recovered = append(s.recovered, "dropped "+t+", the rows of a dataset version whose load was interrupted before it was recorded")
	}
	return rows.Err()
}
