package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// Server mode shares one catalogue among several engines (one per web
// process or CLI invocation, docs/server-mode.md). The catalogue's rows
// are kept by a [SharedCatalog] (PostgreSQL); each engine keeps a copy of
// them in its own tables, so every query runs as before. A version's rows
// are written once, at load, as an immutable Parquet file in a folder every
// process reads; an engine that did not load a version reads it through a
// view over that file.

// SharedCatalog keeps the catalogue that several engines share.
type SharedCatalog interface {
	// NextVersionID reserves a version id no engine on the service uses.
	NextVersionID(ctx context.Context) (int64, error)
	// SharePartner records a new partner; fault.Conflict when its id is taken.
	SharePartner(ctx context.Context, p *catalog.Partner) error
	// ShareDataset records a new dataset; fault.Conflict when its id is taken.
	ShareDataset(ctx context.Context, d *catalog.Dataset) error
	// ShareVersion records v, whose rows are in the Parquet file named
	// file in the shared folder, as its dataset's next version and returns
	// the number given to it (numbers are never reused);
	// fault.Conflict when the dataset has a version from the same input.
	ShareVersion(ctx context.Context, v *catalog.Version, file string) (int, error)
	// SharePurge records that a version's rows were purged.
	SharePurge(ctx context.Context, v *catalog.Version) error
}

// SharedVersion is a version as the shared catalogue holds it.
type SharedVersion struct {
	*catalog.Version
	File   string // the Parquet file's name in the shared folder
	Purged bool
}

// ShareCatalog makes this engine one of several sharing sc's catalogue,
// with versions' Parquet files in dir (created if missing).
func (s *Store) ShareCatalog(sc SharedCatalog, dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fault.Wrap(err, fault.Invalid, "cannot create the shared folder for dataset versions %s: give a writable folder every civiclink process can read (CIVICLINK_VERSIONS)", dir)
	}
	s.shared, s.versionsDir = sc, dir
	return nil
}

// sharedWrite serialises a catalogue write with mirrors when the
// catalogue is shared (a mirror must not add the row the write is adding);
// it returns the unlock.
func (s *Store) sharedWrite() func() {
	if s.shared == nil {
		return func() {}
	}
	s.mirrorMu.Lock()
	return s.mirrorMu.Unlock
}

// VersionsDir is the shared folder of versions' Parquet files ("" when the
// catalogue is this engine's own).
func (s *Store) VersionsDir() string { return s.versionsDir }

// versionFile is the Parquet file name of the version with table name t.
func versionFile(table string) string { return table + ".parquet" }

// exportVersion writes the rows of table as the Parquet file of its
// version in the shared folder, whole or not at all (written aside,
// synced, then renamed into place), and returns the file's name.
func (s *Store) exportVersion(ctx context.Context, conn *sql.Conn, table string) (string, error) {
	name := versionFile(table)
	final := filepath.Join(s.versionsDir, name)
	tmp := final + ".partial"
	if _, err := conn.ExecContext(ctx, `COPY `+quoteIdent(table)+` TO `+sqlQuote(tmp)+` (FORMAT parquet, COMPRESSION zstd)`); err != nil {
		os.Remove(tmp)
		return "", fault.Wrap(err, fault.Internal, "cannot write the version's rows to %s: is the shared folder writable and is there space?", tmp)
	}
	if err := syncRename(tmp, final); err != nil {
		return "", fault.Wrap(err, fault.Internal, "cannot put the version's rows in place at %s", final)
	}
	return name, nil
}

// Mirror brings this engine's copy of the shared catalogue up to date:
// partners, datasets and versions it lacks are added (a version as a view
// over its Parquet file), and versions purged elsewhere are dropped. A
// version whose table this engine is still writing is left to its load.
// It returns how many versions were attached and dropped; versions whose
// file is not in the shared folder are left out and named in a
// fault.NotFound error, after everything else was mirrored.
func (s *Store) Mirror(ctx context.Context, partners []*catalog.Partner, datasets []*catalog.Dataset, versions []SharedVersion) (attached, dropped int, err error) {
	defer s.changed()
	s.mirrorMu.Lock()
	defer s.mirrorMu.Unlock()
	for _, p := range partners {
		if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO partners (id, name, created_at) VALUES (?, ?, ?)`, p.ID, p.Name, p.CreatedAt.UTC()); err != nil {
			return 0, 0, err
		}
	}
	for _, d := range datasets {
		schema, err := json.Marshal(d.Schema)
		if err != nil {
			return 0, 0, err
		}
		if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO datasets (`+datasetColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			d.ID, d.PartnerID, d.Name, d.Description, string(schema), d.CreatedAt.UTC()); err != nil {
			return 0, 0, err
		}
	}
	local := map[int64]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM dataset_versions`)
	if err != nil {
		return 0, 0, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, 0, err
		}
		local[id] = true
	}
	rows.Close()
	var missing []string
	for _, v := range versions {
		switch {
		case v.Purged && local[v.ID]:
			if err := s.dropMirrored(ctx, v.Version); err != nil {
				return attached, dropped, err
			}
			dropped++
		case !v.Purged && !local[v.ID]:
			if _, err := os.Stat(filepath.Join(s.versionsDir, v.File)); err != nil {
				missing = append(missing, fmt.Sprintf("%s version %d (%s)", v.DatasetID, v.Number, v.File))
				continue
			}
			ok, err := s.attachVersion(ctx, v)
			if err != nil {
				return attached, dropped, err
			}
			if ok {
				attached++
			}
		}
	}
	if len(missing) > 0 {
		return attached, dropped, fault.Errorf(fault.NotFound, "the rows of %d versions are not in the shared folder %s: %s; every civiclink process on the database must see the same folder (%s)",
			len(missing), s.versionsDir, strings.Join(missing, ", "), "CIVICLINK_VERSIONS")
	}
	return attached, dropped, nil
}

// readParquet reads the one Parquet file at path, its columns only: a
// folder in the path named like key=value (a hive partition) adds no
// column.
func readParquet(path string) string {
	return `read_parquet(` + sqlQuote(path) + `, hive_partitioning = false)`
}

// attachVersion records v with a view over its Parquet file; false when
// a table of its name exists (a load in this engine is writing it).
func (s *Store) attachVersion(ctx context.Context, v SharedVersion) (bool, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables() WHERE table_name = ?`, v.Table).Scan(&n); err != nil || n > 0 {
		return false, err
	}
	path := filepath.Join(s.versionsDir, v.File)
	q, err := json.Marshal(v.Quality)
	if err != nil {
		return false, err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE OR REPLACE VIEW `+quoteIdent(v.Table)+` AS SELECT * FROM `+readParquet(path)); err != nil {
		return false, fault.Wrap(err, fault.Internal, "cannot read the rows of %s version %d from %s", v.DatasetID, v.Number, path)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO dataset_versions (`+versionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.DatasetID, v.Number, v.Table, v.Rows, v.Rejected, v.SHA256, v.Source, v.Format, v.LoadedBy, v.LoadedAt.UTC(), string(q)); err != nil {
		return false, fault.Wrap(err, fault.Internal, "cannot record %s version %d from the shared catalogue", v.DatasetID, v.Number)
	}
	return true, tx.Commit()
}

// dropMirrored removes a version another process purged: its table or
// view goes and it is recorded as purged (the purging process audited it).
func (s *Store) dropMirrored(ctx context.Context, v *catalog.Version) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := dropVersionRows(ctx, tx, v.Table); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM dataset_versions WHERE id = ?`, v.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO purged_versions (version_id, dataset_id, number, table_name, rows, sha256, loaded_at, purged_by, purged_at) VALUES (?, ?, ?, ?, ?, ?, ?, '', ?)`,
		v.ID, v.DatasetID, v.Number, v.Table, v.Rows, v.SHA256, v.LoadedAt.UTC(), s.now()); err != nil {
		return err
	}
	return tx.Commit()
}

// dropVersionRows drops a version's table, or its view over a Parquet file.
func dropVersionRows(ctx context.Context, tx *sql.Tx, table string) error {
	var views int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_views() WHERE view_name = ?`, table).Scan(&views); err != nil {
		return err
	}
	kind := "TABLE"
	if views > 0 {
		kind = "VIEW"
	}
	_, err := tx.ExecContext(ctx, `DROP `+kind+` IF EXISTS `+quoteIdent(table))
	return err
}

// Unshared returns what this engine's catalogue holds that the shared one
// lacks (by id): partners, datasets and versions made before the
// catalogue was shared (an engine staged by `civiclink migrate`, or one
// from an earlier release). [Store.ExportVersion] writes such a version's
// Parquet file.
func (s *Store) Unshared(ctx context.Context, partners, datasets map[string]bool, versions map[int64]bool) ([]*catalog.Partner, []*catalog.Dataset, []*catalog.Version, error) {
	ps, err := s.Partners(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	var outP []*catalog.Partner
	for _, p := range ps {
		if !partners[p.ID] {
			outP = append(outP, p)
		}
	}
	ds, err := s.loadDatasets(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	var outD []*catalog.Dataset
	for _, d := range ds {
		if !datasets[d.ID] {
			outD = append(outD, d)
		}
	}
	vs, err := s.versionsWhere(ctx, `true ORDER BY id`)
	if err != nil {
		return nil, nil, nil, err
	}
	var outV []*catalog.Version
	for _, v := range vs {
		if !versions[v.ID] {
			outV = append(outV, v)
		}
	}
	return outP, outD, outV, nil
}

// ExportVersion writes the rows of a version this engine holds as its
// Parquet file in the shared folder and returns the file's name.
func (s *Store) ExportVersion(ctx context.Context, v *catalog.Version) (string, error) {
	if s.versionsDir == "" {
		return "", fmt.Errorf("the catalogue is not shared")
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	return s.exportVersion(ctx, conn, v.Table)
}
