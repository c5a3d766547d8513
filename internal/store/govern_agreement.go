package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// CreateAgreement stores a new agreement and its history so far.
func (s *Store) CreateAgreement(ctx context.Context, a *govern.Agreement) error {
	defer s.changed()
	body, err := agreementBody(a)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, `INSERT INTO agreements (id, purpose, status, revision, body_json, created_by, created_at) VALUES (?, ?, ?, 0, ?, ?, ?)`,
		a.ID, a.Purpose, string(a.Status), body, a.CreatedBy, a.CreatedAt.UTC())
	if err != nil {
		if isConstraint(err) {
			return fault.Errorf(fault.Conflict, "agreement %q already exists", a.ID)
		}
		return err
	}
	if err := insertTransitions(ctx, tx, a.ID, 0, a.History); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	a.Revision = 0
	return nil
}

// SaveAgreement saves a's status and approvals and appends its new history
// entries, if a.Revision is still the stored revision.
func (s *Store) SaveAgreement(ctx context.Context, a *govern.Agreement) error {
	defer s.changed()
	body, err := agreementBody(a)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE agreements SET status = ?, body_json = ?, revision = revision + 1 WHERE id = ? AND revision = ?`,
		string(a.Status), body, a.ID, a.Revision)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return fault.Errorf(fault.Conflict, "agreement %q was changed by someone else meanwhile: show it again and retry", a.ID)
	}
	var stored int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM agreement_transitions WHERE agreement_id = ?`, a.ID).Scan(&stored); err != nil {
		return err
	}
	if stored > len(a.History) {
		return fault.Errorf(fault.Conflict, "agreement %q has history this copy lacks: show it again and retry", a.ID)
	}
	if err := insertTransitions(ctx, tx, a.ID, stored, a.History[stored:]); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	a.Revision++
	return nil
}

func agreementBody(a *govern.Agreement) (string, error) {
	c := *a
	c.History, c.Revision = nil, 0
	b, err := json.Marshal(&c)
	return string(b), err
}

func insertTransitions(ctx context.Context, tx *sql.Tx, id string, first int, ts []govern.Transition) error {
	for i, t := range ts {
		_, err := tx.ExecContext(ctx, `INSERT INTO agreement_transitions (agreement_id, seq, action, from_status, to_status, by_user, changed_at, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, first+i+1, t.Action, string(t.From), string(t.To), t.By, t.At.UTC(), t.Note)
		if err != nil {
			return err
		}
	}
	return nil
}

// Agreement returns the agreement with id and its full history.
func (s *Store) Agreement(ctx context.Context, id string) (*govern.Agreement, error) {
	as, err := s.loadAgreements(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, fault.Errorf(fault.NotFound, "no agreement %q (see `civiclink agreement list`)", id)
	}
	return as[0], nil
}

// Agreements returns every agreement with its history, by id.
func (s *Store) Agreements(ctx context.Context) ([]*govern.Agreement, error) {
	return s.loadAgreements(ctx, ``)
}

func (s *Store) loadAgreements(ctx context.Context, where string, args ...any) ([]*govern.Agreement, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, revision, body_json FROM agreements `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*govern.Agreement
	byID := map[string]*govern.Agreement{}
	for rows.Next() {
		var id, body string
		var rev int
		if err := rows.Scan(&id, &rev, &body); err != nil {
			return nil, err
		}
		var a govern.Agreement
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			return nil, fault.Wrap(err, fault.Internal, "stored agreement %q does not parse", id)
		}
		a.Revision = rev
		out = append(out, &a)
		byID[id] = &a
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, s.loadTransitions(ctx, byID)
}

// DecisionState loads, in one query, what an access decision needs: each
// dataset's owning partner, every agreement (without its history) and the
// purposes added to the register.
func (s *Store) DecisionState(ctx context.Context) (govern.Owners, []*govern.Agreement, []govern.Purpose, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT 'o', id, partner_id, '' FROM datasets
		UNION ALL SELECT 'a', id, CAST(revision AS VARCHAR), body_json FROM agreements
		UNION ALL SELECT 'p', id, CASE WHEN safeguarding THEN 't' ELSE 'f' END, name FROM purposes
		ORDER BY 1, 2`)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	owners := govern.Owners{}
	var as []*govern.Agreement
	var ps []govern.Purpose
	for rows.Next() {
		var kind, id, v1, v2 string
		if err := rows.Scan(&kind, &id, &v1, &v2); err != nil {
			return nil, nil, nil, err
		}
		switch kind {
		case "o":
			owners[id] = v1
		case "p":
			ps = append(ps, govern.Purpose{ID: id, Name: v2, Safeguarding: v1 == "t"})
		case "a":
			var a govern.Agreement
			if err := json.Unmarshal([]byte(v2), &a); err != nil {
				return nil, nil, nil, fault.Wrap(err, fault.Internal, "stored agreement %q does not parse", id)
			}
			fmt.Sscan(v1, &a.Revision)
			as = append(as, &a)
		}
	}
	return owners, as, ps, rows.Err()
}

func (s *Store) loadTransitions(ctx context.Context, byID map[string]*govern.Agreement) error {
	if len(byID) == 0 {
		return nil
	}
	q := `SELECT agreement_id, action, from_status, to_status, by_user, changed_at, note FROM agreement_transitions`
	var args []any
	if len(byID) == 1 {
		for id := range byID {
			q, args = q+` WHERE agreement_id = ?`, []any{id}
		}
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY agreement_id, seq`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, from, to string
		var t govern.Transition
		if err := rows.Scan(&id, &t.Action, &from, &to, &t.By, &t.At, &t.Note); err != nil {
			return err
		}
		t.From, t.To = govern.Status(from), govern.Status(to)
		if a := byID[id]; a != nil {
			a.History = append(a.History, t)
		}
	}
	return rows.Err()
}

// AddOptOuts stores opt-out markers, one row per record and purpose,
// ignoring markers already present; it returns how many were new. The ids
// and purposes go in as two list parameters of one statement.
func (s *Store) AddOptOuts(ctx context.Context, o *govern.OptOuts, by string, at time.Time) (int, error) {
	defer s.changed()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	count := func() (n int, err error) {
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM optouts WHERE dataset_id = ?`, o.Dataset).Scan(&n)
		return n, err
	}
	before, err := count()
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO optouts (dataset_id, record_id, purpose, source, added_by, added_at)
		SELECT DISTINCT ?, r.id, p.purpose, ?, ?, ? FROM (SELECT unnest(?::VARCHAR[]) AS id) r, (SELECT unnest(?::VARCHAR[]) AS purpose) p`,
		o.Dataset, o.Source, by, at.UTC(), o.Records, o.Purposes)
	if err != nil {
		return 0, err
	}
	after, err := count()
	if err != nil {
		return 0, err
	}
	return after - before, tx.Commit()
}

// OptedOut returns, sorted, the record ids of a dataset opted out of
// purpose (or of every purpose). Queries inside this package can exclude
// them in SQL with
//
//	NOT EXISTS (SELECT 1 FROM optouts o WHERE o.dataset_id = ? AND o.record_id = t.<id>
//	            AND o.purpose IN (?, '*'))
func (s *Store) OptedOut(ctx context.Context, datasetID, purpose string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT record_id FROM optouts WHERE dataset_id = ? AND purpose IN (?, '*') ORDER BY record_id`, datasetID, purpose)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// PurgeVersion drops a version's table, removes it from dataset_versions and
// records it in purged_versions, in one transaction.
func (s *Store) PurgeVersion(ctx context.Context, v *catalog.Version, by string, at time.Time) error {
	defer s.changed()
	defer s.sharedWrite()()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var table string
	err = tx.QueryRowContext(ctx, `SELECT table_name FROM dataset_versions WHERE id = ? AND dataset_id = ?`, v.ID, v.DatasetID).Scan(&table)
	if errors.Is(err, sql.ErrNoRows) {
		return fault.Errorf(fault.NotFound, "dataset %q has no version with id %d (already purged?)", v.DatasetID, v.ID)
	}
	if err != nil {
		return err
	}
	if err := dropVersionRows(ctx, tx, table); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot drop the rows of %s version %d", v.DatasetID, v.Number)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM dataset_versions WHERE id = ?`, v.ID); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO purged_versions (version_id, dataset_id, number, table_name, rows, sha256, loaded_at, purged_by, purged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.ID, v.DatasetID, v.Number, table, v.Rows, v.SHA256, v.LoadedAt.UTC(), by, at.UTC())
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_pending VALUES ('purge', ?)`, v.ID); err != nil {
		return err
	}
	if s.shared != nil {
		// Recorded in the shared catalogue before this engine commits: the
		// other engines drop it, and a failure here leaves it everywhere.
		if err := s.shared.SharePurge(ctx, v); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("purge %s version %d: %w", v.DatasetID, v.Number, err)
	}
	if s.shared != nil {
		os.Remove(filepath.Join(s.versionsDir, versionFile(table)))
	}
	return nil
}
