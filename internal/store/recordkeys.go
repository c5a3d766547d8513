package store

import (
	"context"
	"crypto/rand"
	"database/sql/driver"
	"encoding/binary"
	"fmt"
	"strings"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/query"
)

// RecordKeyColumn is the column of every dataset version table that holds
// each record's cell key: a fixed random number drawn from crypto/rand
// when the record is loaded. A cell's perturbation is read from the sum of
// its records' keys (disclose.KeySpace), so the same records always
// publish the same value. No schema column has a space in its name, so it
// cannot clash, and it is never read as data.
//
// Versions loaded since the keys were narrowed hold 16-bit keys
// (SMALLINT): a key k stands for the 32-bit key k·2¹⁶, its high half, so
// a cell of such records has a uniform cell key on a grid of 2¹⁶ points,
// far finer than any perturbation table needs (ABS and ONS use 2⁸).
// Summing a 16-bit column is the cheapest per-record work DuckDB does for
// the cell key (docs/benchmarks.md, "Cost of perturbation and the
// checks"). Versions loaded before keep their 32-bit keys, so every figure
// they published stays as it was; those stored as UINTEGER are stored
// again as INTEGER (the same 32 bits, two's complement) when the store is
// opened, which DuckDB sums without a cast per row.
const RecordKeyColumn = "civiclink key"

// recordKeyType is the SQL type of RecordKeyColumn in versions loaded now.
const recordKeyType = "SMALLINT"

// narrowKeyScale is what a 16-bit record key is multiplied by to stand
// for a 32-bit one.
const narrowKeyScale = 1 << 16

// keyPlan says how the record keys of a spec's tables add up to its cells'
// keys: each cell's key sum is multiplied by scale; in a union of tables
// keyed at different widths (versions of an accumulating dataset loaded
// before and after the keys were narrowed) each table's keys are scaled
// row by row (branch) and scale is 1.
type keyPlan struct {
	scale  int64
	branch map[string]int64
}

// keyPlan returns the key plan of spec (the zero plan when it asks for no
// keys).
func (s *Store) keyPlan(ctx context.Context, spec query.AggregateSpec) (keyPlan, error) {
	if !spec.Keys {
		return keyPlan{}, nil
	}
	var tables []string
	if len(spec.Versions) > 0 {
		for _, v := range spec.Versions {
			tables = append(tables, v.Table)
		}
	} else if spec.Version != nil {
		tables = append(tables, spec.Version.Table)
	}
	scales, err := s.keyScales(ctx, tables)
	if err != nil {
		return keyPlan{}, err
	}
	p := keyPlan{scale: 1}
	for i, t := range tables {
		if i == 0 {
			p.scale = scales[t]
		} else if scales[t] != p.scale {
			p.scale, p.branch = 1, scales
			break
		}
	}
	return p, nil
}

// keyScales returns, for each table, the factor that turns its record keys
// into 32-bit ones: 1, or narrowKeyScale for 16-bit keys. A version's
// table never changes its keys' width once opened (tables are immutable
// and their names never reused), so the answers are kept.
func (s *Store) keyScales(ctx context.Context, tables []string) (map[string]int64, error) {
	out := make(map[string]int64, len(tables))
	var missing []any
	marks := []string{}
	for _, t := range tables {
		if v, ok := s.keyScale.Load(t); ok {
			out[t] = v.(int64)
		} else {
			missing = append(missing, t)
			marks = append(marks, "?")
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT table_name, data_type FROM duckdb_columns() WHERE column_name = ? AND table_name IN (`+strings.Join(marks, ", ")+`)`,
		append([]any{RecordKeyColumn}, missing...)...)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the width of the record keys")
	}
	defer rows.Close()
	for rows.Next() {
		var t, typ string
		if err := rows.Scan(&t, &typ); err != nil {
			return nil, err
		}
		scale := int64(1)
		if typ == "SMALLINT" {
			scale = narrowKeyScale
		}
		s.keyScale.Store(t, scale)
		out[t] = scale
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, t := range missing {
		if _, ok := out[t.(string)]; !ok {
			return nil, fault.Errorf(fault.Internal, "the version table %s has no record keys; open the store again to key its records", t)
		}
	}
	return out, nil
}

// keySum is the SQL of a cell's key sum modulo 2³² (disclose.KeySpace)
// under plan p, or 0 when the spec does not ask for keys. The sum itself
// may be negative (signed keys); taken modulo 2³² it is the sum of the
// 32-bit keys read as unsigned numbers.
func keySum(spec query.AggregateSpec, p keyPlan) string {
	if !spec.Keys {
		return "CAST(0 AS UBIGINT)"
	}
	sum := "coalesce(sum(" + quoteIdent(RecordKeyColumn) + "), 0)"
	if p.scale != 1 {
		sum = fmt.Sprintf("%s * %d", sum, p.scale)
	}
	return "CAST((" + sum + " % 4294967296 + 4294967296) % 4294967296 AS UBIGINT)"
}

// keySource hands out record keys from crypto/rand, read in blocks.
type keySource struct {
	buf [4096]byte
	off int
}

func newKeySource() *keySource { return &keySource{off: 4096} }

// next returns a fresh uniform 16-bit key, as the signed number stored.
func (k *keySource) next() (int16, error) {
	if k.off == len(k.buf) {
		if _, err := rand.Read(k.buf[:]); err != nil {
			return 0, fault.Wrap(err, fault.Internal, "cannot draw record keys from the system's random source")
		}
		k.off = 0
	}
	v := int16(binary.LittleEndian.Uint16(k.buf[k.off:]))
	k.off += 2
	return v, nil
}

// keyRecords gives every record of a version table made before record keys
// existed its key: the column is added and filled from crypto/rand in one
// transaction per table, so a store opened by this version has keys on
// every record, and a crash leaves a table either keyed or as it was.
func (s *Store) keyRecords(ctx context.Context) error {
	tables, err := s.tableNames(ctx, `SELECT table_name FROM dataset_versions
		WHERE table_name NOT IN (SELECT table_name FROM duckdb_columns() WHERE column_name = ?)
		AND table_name IN (SELECT table_name FROM duckdb_tables())`, RecordKeyColumn)
	if err != nil {
		return err
	}
	for _, t := range tables {
		if err := s.keyTable(ctx, t); err != nil {
			return fault.Wrap(err, fault.Internal, "cannot give the records of %s their cell keys", t)
		}
	}
	return nil
}

// keyTable adds and fills the key column of one version table.
func (s *Store) keyTable(ctx context.Context, table string) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var maxRow int64
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(rowid), -1) FROM `+quoteIdent(table)).Scan(&maxRow); err != nil {
		return err
	}
	// A ds_ table no version names: should a crash leave it, the next
	// Open drops it with the other orphans.
	keys := "ds_keys_" + table
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TABLE `+keys+` (r BIGINT, k `+recordKeyType+`)`); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `DROP TABLE IF EXISTS `+keys)
	src := newKeySource()
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppenderFromConn(dc.(driver.Conn), "", keys)
		if err != nil {
			return err
		}
		for r := int64(0); r <= maxRow; r++ {
			k, err := src.next()
			if err != nil {
				app.Close()
				return err
			}
			if err := app.AppendRow(r, k); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
	if err != nil {
		return err
	}
	steps := []string{
		`BEGIN TRANSACTION`,
		`ALTER TABLE ` + quoteIdent(table) + ` ADD COLUMN ` + quoteIdent(RecordKeyColumn) + ` ` + recordKeyType,
		fmt.Sprintf(`UPDATE %s SET %s = k.k FROM %s k WHERE %s.rowid = k.r`, quoteIdent(table), quoteIdent(RecordKeyColumn), keys, quoteIdent(table)),
		`COMMIT`,
	}
	for _, q := range steps {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.ExecContext(context.Background(), `ROLLBACK`)
			return err
		}
	}
	return nil
}

// signKeys stores the 32-bit keys of version tables keyed as UINTEGER (by
// civiclink before the keys were signed) as INTEGER, one statement per
// table: the same 32 bits, so every cell key, and so every published
// figure, stays as it was; sums over the table then take the faster path.
// Views over Parquet files (server mode) are read as they are.
func (s *Store) signKeys(ctx context.Context) error {
	tables, err := s.tableNames(ctx, `SELECT table_name FROM duckdb_columns()
		WHERE column_name = ? AND data_type = 'UINTEGER'
		AND table_name IN (SELECT table_name FROM dataset_versions)
		AND table_name IN (SELECT table_name FROM duckdb_tables())`, RecordKeyColumn)
	if err != nil {
		return err
	}
	k := quoteIdent(RecordKeyColumn)
	for _, t := range tables {
		q := `ALTER TABLE ` + quoteIdent(t) + ` ALTER COLUMN ` + k + ` SET DATA TYPE INTEGER` +
			` USING CAST(CAST(` + k + ` AS BIGINT) - CASE WHEN ` + k + ` >= 2147483648 THEN 4294967296 ELSE 0 END AS INTEGER)`
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fault.Wrap(err, fault.Internal, "cannot store the cell keys of %s as signed numbers; the store is unchanged, and opening it again retries", t)
		}
	}
	return nil
}

// tableNames returns the one text column of query q's rows: the version
// tables that keyRecords and signKeys work through.
func (s *Store) tableNames(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
