package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/linkrun"
)

func appendReview(conn *sql.Conn, runID int64, rows []linkrun.ReviewRow) error {
	return appendRows(conn, "linkage_review", len(rows), func(i int) []driver.Value {
		r := rows[i]
		fields, _ := json.Marshal(r.Fields)
		return []driver.Value{runID, int32(r.Pair), r.DatasetL, r.RecordL, r.DatasetR, r.RecordR, r.Probability, r.Weight, string(fields)}
	})
}

// carry copies run from's scored pairs into run to, except those touching
// a dropped record, and, when entities is set, its entity rows except the
// dropped records'.
func carry(ctx context.Context, conn *sql.Conn, to, from int64, dropped []linkrun.RecordKey, entities bool) error {
	if from == 0 {
		return nil
	}
	if _, err := conn.ExecContext(ctx, `CREATE OR REPLACE TEMP TABLE linkage_dropped (dataset_id VARCHAR, record_id VARCHAR)`); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `DROP TABLE IF EXISTS linkage_dropped`)
	err := appendRows(conn, "linkage_dropped", len(dropped), func(i int) []driver.Value {
		return []driver.Value{dropped[i].DatasetID, dropped[i].RecordID}
	})
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, `INSERT INTO linkage_pairs
		SELECT ?, p.dataset_l, p.record_l, p.dataset_r, p.record_r, p.match_probability, p.match_weight
		FROM linkage_pairs p
		WHERE p.run_id = ?
		  AND NOT EXISTS (SELECT 1 FROM linkage_dropped d WHERE d.dataset_id = p.dataset_l AND d.record_id = p.record_l)
		  AND NOT EXISTS (SELECT 1 FROM linkage_dropped d WHERE d.dataset_id = p.dataset_r AND d.record_id = p.record_r)`, to, from)
	if err != nil || !entities {
		return err
	}
	_, err = conn.ExecContext(ctx, `INSERT INTO linkage_entities
		SELECT ?, e.dataset_id, e.record_id, e.entity_id, e.fingerprint
		FROM linkage_entities e
		WHERE e.run_id = ?
		  AND NOT EXISTS (SELECT 1 FROM linkage_dropped d WHERE d.dataset_id = e.dataset_id AND d.record_id = e.record_id)`, to, from)
	return err
}

// reviewSelect reads review rows with the latest decision on each pair of
// records (from any run).
const reviewSelect = `SELECT r.pair, r.dataset_l, r.record_l, r.dataset_r, r.record_r, r.probability, r.weight, r.fields_json,
	l.id, l.run_id, l.pair, l.decision, l.note, l.decided_by, l.decided_at
FROM linkage_review r
LEFT JOIN (SELECT * FROM linkage_labels QUALIFY row_number() OVER (PARTITION BY dataset_l, record_l, dataset_r, record_r ORDER BY id DESC) = 1) l
  ON l.dataset_l = r.dataset_l AND l.record_l = r.record_l AND l.dataset_r = r.dataset_r AND l.record_r = r.record_r
WHERE r.run_id = ?`

// ReviewRows returns up to limit (0: all) of a run's review pairs in
// order, each with the decision in force on it.
func (s *Store) ReviewRows(ctx context.Context, runID int64, limit int) ([]linkrun.ReviewRow, error) {
	q := reviewSelect + ` ORDER BY r.pair`
	args := []any{runID}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []linkrun.ReviewRow
	for rows.Next() {
		r, err := scanReview(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

// ReviewPair returns one review pair of a run.
func (s *Store) ReviewPair(ctx context.Context, runID int64, pair int) (*linkrun.ReviewRow, error) {
	r, err := scanReview(s.db.QueryRowContext(ctx, reviewSelect+` AND r.pair = ?`, runID, pair))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.FieldErrorf(fault.NotFound, "pair", "run %d has no review pair %d: list the run's review pairs to find one", runID, pair)
	}
	return r, err
}

func scanReview(sc scanner) (*linkrun.ReviewRow, error) {
	var r linkrun.ReviewRow
	var fields string
	var id, run sql.NullInt64
	var pair sql.NullInt32
	var decision, note, by sql.NullString
	var at sql.NullTime
	if err := sc.Scan(&r.Pair, &r.DatasetL, &r.RecordL, &r.DatasetR, &r.RecordR, &r.Probability, &r.Weight, &fields,
		&id, &run, &pair, &decision, &note, &by, &at); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(fields), &r.Fields); err != nil {
		return nil, err
	}
	if id.Valid {
		r.Decision = &linkrun.Label{ID: id.Int64, RunID: run.Int64, Pair: int(pair.Int32), DatasetL: r.DatasetL, RecordL: r.RecordL, DatasetR: r.DatasetR, RecordR: r.RecordR,
			Decision: decision.String, Note: note.String, By: by.String, At: at.Time}
	}
	return &r, nil
}

// SaveLabel records a clerical decision, setting its ID and At.
func (s *Store) SaveLabel(ctx context.Context, l *linkrun.Label) error {
	if err := s.db.QueryRowContext(ctx, `SELECT nextval('linkage_label_ids')`).Scan(&l.ID); err != nil {
		return err
	}
	l.At = s.now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO linkage_labels VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.ID, l.RunID, l.Pair, l.DatasetL, l.RecordL, l.DatasetR, l.RecordR, l.Decision, l.Note, l.By, l.At)
	return err
}

// Labels returns the decision in force on each pair of records whose
// datasets are both among datasets, oldest first.
func (s *Store) Labels(ctx context.Context, datasets []string) ([]linkrun.Label, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+LabelColumns+`
		FROM linkage_labels
		WHERE dataset_l IN (SELECT unnest(?::VARCHAR[])) AND dataset_r IN (SELECT unnest(?::VARCHAR[]))
		QUALIFY row_number() OVER (PARTITION BY dataset_l, record_l, dataset_r, record_r ORDER BY id DESC) = 1
		ORDER BY id`, datasets, datasets)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return ScanLabels(rows)
}

// EntityRows returns every record's entity (and fingerprint) in a run.
func (s *Store) EntityRows(ctx context.Context, runID int64) ([]linkrun.EntityRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT dataset_id, record_id, entity_id, coalesce(fingerprint, 0) FROM linkage_entities WHERE run_id = ?`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []linkrun.EntityRow
	for rows.Next() {
		var e linkrun.EntityRow
		if err := rows.Scan(&e.DatasetID, &e.RecordID, &e.EntityID, &e.Fingerprint); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// LinkageRuns returns every run, newest first.
func (s *Store) LinkageRuns(ctx context.Context) ([]*linkrun.LinkageRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+runColumns+` FROM linkage_runs ORDER BY id DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*linkrun.LinkageRun
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
