package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

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
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO agreements (id, purpose, status, revision, body_json, created_by, created_at) VALUES ($1, $2, $3, 0, $4, $5, $6)`,
			a.ID, a.Purpose, string(a.Status), body, a.CreatedBy, a.CreatedAt.UTC())
		if isUnique(err) {
			return fault.Errorf(fault.Conflict, "agreement %q already exists", a.ID)
		}
		if err != nil {
			return err
		}
		return insertTransitions(ctx, tx, a.ID, 0, a.History)
	})
	if err == nil {
		a.Revision = 0
	}
	return err
}

// SaveAgreement saves a's status and approvals and appends its new history
// entries, if a.Revision is still the stored revision.
func (s *Store) SaveAgreement(ctx context.Context, a *govern.Agreement) error {
	defer s.changed()
	body, err := agreementBody(a)
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE agreements SET status = $1, body_json = $2, revision = revision + 1 WHERE id = $3 AND revision = $4`,
			string(a.Status), body, a.ID, a.Revision)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fault.Errorf(fault.Conflict, "agreement %q was changed by someone else meanwhile: show it again and retry", a.ID)
		}
		var stored int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM agreement_transitions WHERE agreement_id = $1`, a.ID).Scan(&stored); err != nil {
			return err
		}
		if stored > len(a.History) {
			return fault.Errorf(fault.Conflict, "agreement %q has history this copy lacks: show it again and retry", a.ID)
		}
		return insertTransitions(ctx, tx, a.ID, stored, a.History[stored:])
	})
	if err == nil {
		a.Revision++
	}
	return err
}

func agreementBody(a *govern.Agreement) (string, error) {
	c := *a
	c.History, c.Revision = nil, 0
	b, err := json.Marshal(&c)
	return string(b), err
}

func insertTransitions(ctx context.Context, tx pgx.Tx, id string, first int, ts []govern.Transition) error {
	for i, t := range ts {
		_, err := tx.Exec(ctx, `INSERT INTO agreement_transitions (agreement_id, seq, action, from_status, to_status, by_user, changed_at, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id, first+i+1, t.Action, string(t.From), string(t.To), t.By, t.At.UTC(), t.Note)
		if err != nil {
			return err
		}
	}
	return nil
}

// Agreement returns the agreement with id and its full history.
func (s *Store) Agreement(ctx context.Context, id string) (*govern.Agreement, error) {
	as, err := s.loadAgreements(ctx, `WHERE id = $1`, id)
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
	as, err := collect(ctx, s.pool, scanAgreement, `SELECT id, revision, body_json FROM agreements `+where+` ORDER BY id COLLATE "C"`, args...)
	if err != nil || len(as) == 0 {
		return as, err
	}
	byID := map[string]*govern.Agreement{}
	for _, a := range as {
		byID[a.ID] = a
	}
	q := `SELECT agreement_id, action, from_status, to_status, by_user, changed_at, note FROM agreement_transitions`
	var targs []any
	if len(as) == 1 {
		q, targs = q+` WHERE agreement_id = $1`, []any{as[0].ID}
	}
	rows, err := s.pool.Query(ctx, q+` ORDER BY agreement_id COLLATE "C", seq`, targs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, from, to string
		var t govern.Transition
		if err := rows.Scan(&id, &t.Action, &from, &to, &t.By, &t.At, &t.Note); err != nil {
			return nil, err
		}
		t.From, t.To, t.At = govern.Status(from), govern.Status(to), t.At.UTC()
		if a := byID[id]; a != nil {
			a.History = append(a.History, t)
		}
	}
	return as, rows.Err()
}

func scanAgreement(r pgx.Row) (*govern.Agreement, error) {
	var id, body string
	var rev int
	if err := r.Scan(&id, &rev, &body); err != nil {
		return nil, err
	}
	var a govern.Agreement
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "stored agreement %q does not parse", id)
	}
	a.Revision = rev
	return &a, nil
}

// DecisionState loads what an access decision needs: each dataset's
// owning partner (from the catalogue), every agreement without its
// history and the purposes added to the register.
func (s *Store) DecisionState(ctx context.Context) (govern.Owners, []*govern.Agreement, []govern.Purpose, error) {
	owners, _, _, err := s.Store.DecisionState(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	as, err := collect(ctx, s.pool, scanAgreement, `SELECT id, revision, body_json FROM agreements ORDER BY id COLLATE "C"`)
	if err != nil {
		return nil, nil, nil, err
	}
	ps, err := s.Purposes(ctx)
	return owners, as, ps, err
}

// AddOptOuts stores opt-out markers, one row per record and purpose,
// ignoring markers already present; it returns how many were new.
func (s *Store) AddOptOuts(ctx context.Context, o *govern.OptOuts, by string, at time.Time) (int, error) {
	defer s.changed()
	var n int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO optouts (dataset_id, record_id, purpose, source, added_by, added_at)
			SELECT DISTINCT $1::text, r.id, p.purpose, $2::text, $3::text, $4::timestamptz
			FROM unnest($5::text[]) AS r(id), unnest($6::text[]) AS p(purpose)
			ON CONFLICT DO NOTHING`,
			o.Dataset, o.Source, by, at.UTC(), o.Records, o.Purposes)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}

// OptedOut returns, sorted, the record ids of a dataset opted out of
// purpose (or of every purpose).
func (s *Store) OptedOut(ctx context.Context, datasetID, purpose string) ([]string, error) {
	ids, err := collect(ctx, s.pool, func(r pgx.Row) (*string, error) {
		var id string
		return &id, r.Scan(&id)
	}, `SELECT DISTINCT record_id COLLATE "C" FROM optouts WHERE dataset_id = $1 AND purpose IN ($2, '*') ORDER BY 1`, datasetID, purpose)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = *id
	}
	return out, err
}
