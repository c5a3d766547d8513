package store

import (
	"context"
	"crypto/rand"
	"database/sql/driver"
	"encoding/binary"
	"fmt"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/query"
)

// RecordKeyColumn is the column of every dataset version table that holds
// each record's cell key: a fixed random 32-bit number drawn from
// crypto/rand when the record is loaded (disclose.KeySpace). A cell's
// perturbation is read from the sum of its records' keys, so the same
// records always publish the same value. No schema column has a space in
// its name, so it cannot clash, and it is never read as data.
const RecordKeyColumn = "civiclink key"

// keySum is the SQL of a cell's key sum (below 2⁶⁴ for fewer than 2³²
// rows a cell), or 0 when the spec does not ask for keys.
func keySum(spec query.AggregateSpec) string {
	if !spec.Keys {
		return "CAST(0 AS UBIGINT)"
	}
	return "CAST(coalesce(sum(" + quoteIdent(RecordKeyColumn) + "), 0) AS UBIGINT)"
}

// keySource hands out record keys from crypto/rand, read in blocks.
type keySource struct {
	buf [4096]byte
	off int
}

func newKeySource() *keySource { return &keySource{off: 4096} }

// next returns a fresh uniform 32-bit key.
func (k *keySource) next() (uint32, error) {
	if k.off == len(k.buf) {
		if _, err := rand.Read(k.buf[:]); err != nil {
			return 0, fault.Wrap(err, fault.Internal, "cannot draw record keys from the system's random source")
		}
		k.off = 0
	}
	v := binary.LittleEndian.Uint32(k.buf[k.off:])
	k.off += 4
	return v, nil
}

// keyRecords gives every record of a version table made before record keys
// existed its key: the column is added and filled from crypto/rand in one
// transaction per table, so a store opened by this version has keys on
// every record, and a crash leaves a table either keyed or as it was.
func (s *Store) keyRecords(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT table_name FROM dataset_versions
		WHERE table_name NOT IN (SELECT table_name FROM duckdb_columns() WHERE column_name = ?)
		AND table_name IN (SELECT table_name FROM duckdb_tables())`, RecordKeyColumn)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
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
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TABLE `+keys+` (r BIGINT, k UINTEGER)`); err != nil {
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
		`ALTER TABLE ` + quoteIdent(table) + ` ADD COLUMN ` + quoteIdent(RecordKeyColumn) + ` UINTEGER`,
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
