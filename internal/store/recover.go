package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// Recovery. A kill or a crash can interrupt a write at any point; what
// it leaves is never visible (a version table no version names, linkage
// rows no run record names), and Open removes it before anything else
// runs. What it removed is kept for [Store.Recovered], so the command that
// opened the store can say so.

// legacyLinkageSwept is the store_meta key set once the linkage rows left
// without a run by versions before the write marks have been removed.
const legacyLinkageSwept = "linkage.orphans_swept"

// Recovered describes what Open removed of writes a kill or crash
// interrupted, one line each; empty when there was nothing.
func (s *Store) Recovered() []string { return s.recovered }

// recover removes the remains of interrupted writes.
func (s *Store) recover(ctx context.Context) error {
	if err := s.dropOrphans(ctx); err != nil {
		return fmt.Errorf("version tables: %w", err)
	}
	if err := s.finishLinkageWrites(ctx); err != nil {
		return fmt.Errorf("linkage runs: %w", err)
	}
	return s.sweepLegacyLinkage(ctx)
}

// finishLinkageWrites removes the rows of every linkage run whose write
// was marked but never recorded its run.
func (s *Store) finishLinkageWrites(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT key FROM store_meta WHERE starts_with(key, ?)`, linkageWritePrefix)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		if id, err := strconv.ParseInt(strings.TrimPrefix(k, linkageWritePrefix), 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		n, err := s.dropRunRows(ctx, id)
		if err != nil {
			return err
		}
		s.recovered = append(s.recovered, fmt.Sprintf("removed %d rows of linkage run %d, whose write was interrupted before it recorded the run", n, id))
	}
	return nil
}

// sweepLegacyLinkage removes, once per store, linkage rows whose run has no
// record: what a kill during `link run` left before runs were written
// rows first and record last.
func (s *Store) sweepLegacyLinkage(ctx context.Context) error {
	done, err := s.Meta(ctx, legacyLinkageSwept)
	if err != nil || done != "" {
		return err
	}
	var removed []string
	err = s.tryTx(ctx, func(tx *sql.Tx) error {
		for _, t := range runRowTables {
			res, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE run_id NOT IN (SELECT id FROM linkage_runs)`)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				removed = append(removed, fmt.Sprintf("%d from %s", n, t))
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO store_meta VALUES (?, '1')`, legacyLinkageSwept)
		return err
	})
	if err != nil {
		return err
	}
	if len(removed) > 0 {
		s.recovered = append(s.recovered, "removed linkage rows that no run record names (left by a kill during an older `link run`): "+strings.Join(removed, ", "))
	}
	return nil
}

// Integrity lists what breaks the store's all-or-nothing rules, after
// Open's recovery: linkage rows whose run has no record, version tables no
// version names, versions whose table is gone. The crash harness asks it
// after every kill; empty means the store holds only whole writes.
func (s *Store) Integrity(ctx context.Context) ([]string, error) {
	checks := []struct{ what, q string }{
		{"linkage rows without a run record", `SELECT (SELECT count(*) FROM linkage_entities WHERE run_id NOT IN (SELECT id FROM linkage_runs))
			+ (SELECT count(*) FROM linkage_pairs WHERE run_id NOT IN (SELECT id FROM linkage_runs))
			+ (SELECT count(*) FROM linkage_review WHERE run_id NOT IN (SELECT id FROM linkage_runs))`},
		{"version tables no version names", `SELECT count(*) FROM duckdb_tables()
			WHERE table_name LIKE 'ds\_%' ESCAPE '\' AND table_name NOT IN (SELECT table_name FROM dataset_versions)`},
		{"versions whose table is missing", `SELECT count(*) FROM dataset_versions
			WHERE table_name NOT IN (SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views())`},
		{"loads or purges whose audit entry is still to be recorded", `SELECT count(*) FROM audit_pending`},
		{"writes still marked in progress", `SELECT count(*) FROM store_meta WHERE starts_with(key, '` + linkageWritePrefix + `')`},
	}
	var out []string
	for _, c := range checks {
		var n int64
		if err := s.db.QueryRowContext(ctx, c.q).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: %w", c.what, err)
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%d %s", n, c.what))
		}
	}
	return out, nil
}
