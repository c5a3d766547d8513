package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// CreatePartner adds a partner; its id must be new.
func (s *Store) CreatePartner(ctx context.Context, p *catalog.Partner) error {
	defer s.changed()
	if err := p.Validate(); err != nil {
		return err
	}
	p.CreatedAt = s.now()
	defer s.sharedWrite()()
	if s.shared != nil {
		if err := s.shared.SharePartner(ctx, p); err != nil {
			return err
		}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO partners (id, name, created_at) VALUES (?, ?, ?)`, p.ID, p.Name, p.CreatedAt)
	if err != nil && isConstraint(err) {
		return fault.Errorf(fault.Conflict, "partner %q already exists", p.ID)
	}
	return err
}

// Partner returns the partner with the given id.
func (s *Store) Partner(ctx context.Context, id string) (*catalog.Partner, error) {
	var p catalog.Partner
	err := s.db.QueryRowContext(ctx, `SELECT id, name, created_at FROM partners WHERE id = ?`, id).Scan(&p.ID, &p.Name, &p.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no partner %q (see `civiclink partner list`)", id)
	}
	return &p, err
}

// Partners returns every partner, by id.
func (s *Store) Partners(ctx context.Context) ([]*catalog.Partner, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, name, created_at FROM partners ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*catalog.Partner
	for rows.Next() {
		var p catalog.Partner
		if err := rows.Scan(&p.ID, &p.Name, &p.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}

// CreateDataset adds a dataset to an existing partner; its id must be new.
func (s *Store) CreateDataset(ctx context.Context, d *catalog.Dataset) error {
	defer s.changed()
	if err := d.Validate(); err != nil {
		return err
	}
	if _, err := s.Partner(ctx, d.PartnerID); err != nil {
		return err
	}
	schema, err := json.Marshal(d.Schema)
	if err != nil {
		return err
	}
	d.CreatedAt = s.now()
	defer s.sharedWrite()()
	if s.shared != nil {
		if err := s.shared.ShareDataset(ctx, d); err != nil {
			return err
		}
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO datasets (id, partner_id, name, description, schema_json, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		d.ID, d.PartnerID, d.Name, d.Description, string(schema), d.CreatedAt)
	if err != nil && isConstraint(err) {
		return fault.Errorf(fault.Conflict, "dataset %q already exists", d.ID)
	}
	return err
}

const datasetColumns = `id, partner_id, name, description, schema_json, created_at`

// loadDataset reads the dataset with the given id ([Store.Dataset] caches it).
func (s *Store) loadDataset(ctx context.Context, id string) (*catalog.Dataset, error) {
	d, err := scanDataset(s.db.QueryRowContext(ctx, `SELECT `+datasetColumns+` FROM datasets WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no dataset %q (see `civiclink dataset list`)", id)
	}
	return d, err
}

// loadDatasets reads every dataset, by id ([Store.Datasets] caches them).
func (s *Store) loadDatasets(ctx context.Context) ([]*catalog.Dataset, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+datasetColumns+` FROM datasets ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*catalog.Dataset
	for rows.Next() {
		d, err := scanDataset(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

type scanner interface{ Scan(...any) error }

func scanDataset(r scanner) (*catalog.Dataset, error) {
	var d catalog.Dataset
	var schema string
	if err := r.Scan(&d.ID, &d.PartnerID, &d.Name, &d.Description, &schema, &d.CreatedAt); err != nil {
		return nil, err
	}
	s, err := catalog.ParseSchema(strings.NewReader(schema))
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "stored schema of dataset %q does not parse", d.ID)
	}
	d.Schema = s
	return &d, nil
}

const versionColumns = `id, dataset_id, number, table_name, rows, rejected, sha256, source, format, loaded_by, loaded_at, quality_json`

// Versions returns a dataset's versions, oldest first.
func (s *Store) Versions(ctx context.Context, datasetID string) ([]*catalog.Version, error) {
	return s.versionsWhere(ctx, `dataset_id = ? ORDER BY number`, datasetID)
}

// versionsWhere returns the versions that pass the SQL condition where
// (which may end in an ORDER BY).
func (s *Store) versionsWhere(ctx context.Context, where string, args ...any) ([]*catalog.Version, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+versionColumns+` FROM dataset_versions WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*catalog.Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// loadVersion reads a version ([Store.Version] caches it).
func (s *Store) loadVersion(ctx context.Context, datasetID string, number int) (*catalog.Version, error) {
	q := `SELECT ` + versionColumns + ` FROM dataset_versions WHERE dataset_id = ? AND number = ?`
	args := []any{datasetID, number}
	if number == 0 {
		q = `SELECT ` + versionColumns + ` FROM dataset_versions WHERE dataset_id = ? ORDER BY number DESC LIMIT 1`
		args = args[:1]
	}
	v, err := scanVersion(s.db.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		if number == 0 {
			return nil, fault.Errorf(fault.NotFound, "dataset %q has no versions yet: ingest a file first", datasetID)
		}
		return nil, fault.Errorf(fault.NotFound, "dataset %q has no version %d", datasetID, number)
	}
	return v, err
}

// VersionBySHA returns the version of a dataset loaded from input with the
// given sha256.
func (s *Store) VersionBySHA(ctx context.Context, datasetID, sha string) (*catalog.Version, error) {
	v, err := scanVersion(s.db.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM dataset_versions WHERE dataset_id = ? AND sha256 = ?`, datasetID, sha))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.Errorf(fault.NotFound, "no version of %q with sha256 %s", datasetID, sha)
	}
	return v, err
}

func scanVersion(r scanner) (*catalog.Version, error) {
	var v catalog.Version
	var q string
	if err := r.Scan(&v.ID, &v.DatasetID, &v.Number, &v.Table, &v.Rows, &v.Rejected, &v.SHA256, &v.Source, &v.Format, &v.LoadedBy, &v.LoadedAt, &q); err != nil {
		return nil, err
	}
	v.Quality = &catalog.Quality{}
	if err := json.Unmarshal([]byte(q), v.Quality); err != nil {
		return nil, err
	}
	return &v, nil
}
