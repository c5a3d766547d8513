package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
)

// The shared catalogue. Partners, datasets and versions are rows here
// (PostgreSQL migration 0005); each version's rows are an immutable Parquet
// file in the shared folder. Every process's analytics engine mirrors the
// rows ([store.Store.Mirror]) when it opens and whenever a notice says the
// catalogue changed, reading versions it did not load through views over
// their files. docs/server-mode.md says why.

// VersionsEnv names the environment variable with the shared folder of
// versions' Parquet files: the same folder (a shared mount) for every
// process on the database.
const VersionsEnv = "CIVICLINK_VERSIONS"

var _ store.SharedCatalog = (*Store)(nil)

// noticeCatalog is the notice payload of a catalogue change.
const noticeCatalog = "catalog"

// VersionsDir returns the shared folder for an engine at enginePath:
// CIVICLINK_VERSIONS, else civiclink-versions beside the engine file; ""
// for an in-memory engine without the variable.
func VersionsDir(enginePath string) string {
	if d := os.Getenv(VersionsEnv); d != "" {
		return d
	}
	if enginePath == "" {
		return ""
	}
	return filepath.Join(filepath.Dir(enginePath), "civiclink-versions")
}

// shareCatalog joins the engine to the shared catalogue: it publishes what
// the engine holds that the database lacks (an engine staged by migrate),
// then mirrors the rest.
func (s *Store) shareCatalog(ctx context.Context, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "civiclink-versions-")
		if err != nil {
			return err
		}
		dir, s.tmpVersions = tmp, tmp
	}
	s.catMu.Lock()
	err := s.Store.ShareCatalog(s, dir)
	s.catShared = err == nil
	s.catMu.Unlock()
	if err != nil {
		return err
	}
	if err := s.publishUnshared(ctx); err != nil {
		return err
	}
	if err := s.publishLinkage(ctx); err != nil {
		return err
	}
	err = s.SyncCatalog(ctx)
	if fault.Code(err) == fault.NotFound {
		// Files missing from this process's view of the shared folder: it
		// opens without those versions, and Ready says why.
		s.catSyncErr.Store(syncOutcome{err})
		return nil
	}
	return err
}

// NextVersionID reserves a version id from the database's sequence.
func (s *Store) NextVersionID(ctx context.Context) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT nextval('catalog_version_ids')`).Scan(&id)
	return id, err
}

// SharePartner records a new partner in the shared catalogue.
func (s *Store) SharePartner(ctx context.Context, p *catalog.Partner) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO catalog_partners (id, name, created_at) VALUES ($1, $2, $3)`, p.ID, p.Name, p.CreatedAt)
	if isUnique(err) {
		return fault.Errorf(fault.Conflict, "partner %q already exists", p.ID)
	}
	if err == nil {
		s.notify(noticeCatalog)
	}
	return err
}

// ShareDataset records a new dataset in the shared catalogue.
func (s *Store) ShareDataset(ctx context.Context, d *catalog.Dataset) error {
	schema, err := json.Marshal(d.Schema)
	if err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO catalog_datasets (id, partner_id, name, description, schema_json, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		d.ID, d.PartnerID, d.Name, d.Description, string(schema), d.CreatedAt)
	if isUnique(err) {
		return fault.Errorf(fault.Conflict, "dataset %q already exists", d.ID)
	}
	if err == nil {
		s.notify(noticeCatalog)
	}
	return err
}

// ShareVersion records v as its dataset's next version, numbered under
// the dataset row's lock so that loads in several processes at once get
// different numbers, and announces it.
func (s *Store) ShareVersion(ctx context.Context, v *catalog.Version, file string) (int, error) {
	var n int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `SELECT id FROM catalog_datasets WHERE id = $1 FOR UPDATE`, v.DatasetID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.Errorf(fault.NotFound, "no dataset %q in the shared catalogue (see `civiclink dataset list`)", v.DatasetID)
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(number), 0) + 1 FROM catalog_versions WHERE dataset_id = $1`, v.DatasetID).Scan(&n); err != nil {
			return err
		}
		return insertVersion(ctx, tx, v, n, file)
	})
	if isUnique(err) {
		return 0, fault.Errorf(fault.Conflict, "dataset %q already has a version from this exact input (sha256 %s)", v.DatasetID, v.SHA256)
	}
	if err != nil {
		return 0, err
	}
	s.notify(noticeCatalog)
	return n, nil
}

func insertVersion(ctx context.Context, tx pgx.Tx, v *catalog.Version, number int, file string) error {
	q, err := json.Marshal(v.Quality)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO catalog_versions (id, dataset_id, number, table_name, rows, rejected, sha256, source, format, loaded_by, loaded_at, quality_json, file)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		v.ID, v.DatasetID, number, v.Table, v.Rows, v.Rejected, v.SHA256, v.Source, v.Format, v.LoadedBy, v.LoadedAt, string(q), file)
	return err
}

// SharePurge marks a version purged in the shared catalogue; every engine
// drops it on its next mirror.
func (s *Store) SharePurge(ctx context.Context, v *catalog.Version) error {
	_, err := s.pool.Exec(ctx, `UPDATE catalog_versions SET purged_at = $1 WHERE id = $2 AND purged_at IS NULL`, s.now(), v.ID)
	if err == nil {
		s.notify(noticeCatalog)
	}
	return err
}

// SyncCatalog brings the engine's copy of the shared catalogue up to date.
// Servers call it on every catalogue notice; it is safe to call at any time.
func (s *Store) SyncCatalog(ctx context.Context) error {
	s.catMu.Lock()
	defer s.catMu.Unlock()
	if !s.catShared {
		return nil // still opening: Open mirrors once joined
	}
	ps, ds, vs, err := s.readCatalog(ctx)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot read the shared catalogue from PostgreSQL at %s", s.Path())
	}
	// The engine's writes run to their end once begun: Close cancels a
	// mirror under way, and a DuckDB statement cancelled half-way can keep
	// the engine file open in this process (store/close.go).
	_, _, err = s.Store.Mirror(context.WithoutCancel(ctx), ps, ds, vs)
	return err
}

// readCatalog reads the shared catalogue's partners, datasets and versions.
func (s *Store) readCatalog(ctx context.Context) ([]*catalog.Partner, []*catalog.Dataset, []store.SharedVersion, error) {
	var ps []*catalog.Partner
	rows, err := s.pool.Query(ctx, `SELECT id, name, created_at FROM catalog_partners ORDER BY id`)
	if err != nil {
		return nil, nil, nil, err
	}
	for rows.Next() {
		var p catalog.Partner
		if err := rows.Scan(&p.ID, &p.Name, &p.CreatedAt); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		ps = append(ps, &p)
	}
	rows.Close()
	var ds []*catalog.Dataset
	rows, err = s.pool.Query(ctx, `SELECT id, partner_id, name, description, schema_json, created_at FROM catalog_datasets ORDER BY id`)
	if err != nil {
		return nil, nil, nil, err
	}
	for rows.Next() {
		var d catalog.Dataset
		var schema string
		if err := rows.Scan(&d.ID, &d.PartnerID, &d.Name, &d.Description, &schema, &d.CreatedAt); err != nil {
			rows.Close()
			return nil, nil, nil, err
		}
		if d.Schema, err = catalog.ParseSchema(strings.NewReader(schema)); err != nil {
			rows.Close()
			return nil, nil, nil, fault.Wrap(err, fault.Internal, "stored schema of dataset %q does not parse", d.ID)
		}
		ds = append(ds, &d)
	}
	rows.Close()
	var vs []store.SharedVersion
	rows, err = s.pool.Query(ctx, `SELECT id, dataset_id, number, table_name, rows, rejected, sha256, source, format, loaded_by, loaded_at, quality_json, file, purged_at IS NOT NULL
		FROM catalog_versions ORDER BY id`)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		v := store.SharedVersion{Version: &catalog.Version{Quality: &catalog.Quality{}}}
		var q string
		if err := rows.Scan(&v.ID, &v.DatasetID, &v.Number, &v.Table, &v.Rows, &v.Rejected, &v.SHA256, &v.Source, &v.Format, &v.LoadedBy, &v.LoadedAt, &q, &v.File, &v.Purged); err != nil {
			return nil, nil, nil, err
		}
		if err := json.Unmarshal([]byte(q), v.Quality); err != nil {
			return nil, nil, nil, err
		}
		vs = append(vs, v)
	}
	return ps, ds, vs, rows.Err()
}

// publishUnshared copies into the shared catalogue what the engine holds
// and the database lacks, versions with their Parquet files, keeping their
// ids and numbers. A version whose number the database gives to another
// is refused: the engine is not a copy of this service's.
func (s *Store) publishUnshared(ctx context.Context) error {
	ps, ds, vs, err := s.readCatalog(ctx)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot read the shared catalogue from PostgreSQL at %s", s.Path())
	}
	haveP, haveD, haveV := map[string]bool{}, map[string]bool{}, map[int64]bool{}
	for _, p := range ps {
		haveP[p.ID] = true
	}
	for _, d := range ds {
		haveD[d.ID] = true
	}
	for _, v := range vs {
		haveV[v.ID] = true
	}
	newP, newD, newV, err := s.Store.Unshared(ctx, haveP, haveD, haveV)
	if err != nil || len(newP)+len(newD)+len(newV) == 0 {
		return err
	}
	files := make([]string, len(newV))
	for i, v := range newV {
		if files[i], err = s.Store.ExportVersion(ctx, v); err != nil {
			return err
		}
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		for _, p := range newP {
			if _, err := tx.Exec(ctx, `INSERT INTO catalog_partners (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, p.ID, p.Name, p.CreatedAt); err != nil {
				return err
			}
		}
		for _, d := range newD {
			schema, err := json.Marshal(d.Schema)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO catalog_datasets (id, partner_id, name, description, schema_json, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
				d.ID, d.PartnerID, d.Name, d.Description, string(schema), d.CreatedAt); err != nil {
				return err
			}
		}
		for i, v := range newV {
			if err := insertVersion(ctx, tx, v, v.Number, files[i]); err != nil {
				if isUnique(err) {
					return fault.Errorf(fault.Conflict, "the analytics engine %s holds %s version %d (id %d), which the database at %s has as another version: "+
						"this engine is not one of this service's; give the process a new engine file (CIVICLINK_ENGINE)", s.Store.Path(), v.DatasetID, v.Number, v.ID, s.Path())
				}
				return err
			}
		}
		_, err := tx.Exec(ctx, `SELECT setval('catalog_version_ids', greatest((SELECT max(id) FROM catalog_versions), (SELECT last_value FROM catalog_version_ids)))`)
		return err
	})
	if err != nil {
		return err
	}
	s.notify(noticeCatalog)
	return nil
}
