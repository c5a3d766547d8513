package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
)

var _ disclose.Ledger = (*Store)(nil)

// SetBudget sets a dataset's total privacy budget, creating its account.
// The budget row is locked for the transaction, so processes change it
// one at a time.
func (s *Store) SetBudget(ctx context.Context, dataset string, total disclose.Budget) error {
	return s.budgetTx(ctx, func(tx pgx.Tx) error {
		bal, err := balance(ctx, tx, dataset, true)
		if err != nil && fault.Code(err) != fault.NotFound {
			return err
		}
		if err := disclose.CheckTotal(dataset, total, bal.Spent); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO privacy_budgets (dataset_id, epsilon_total, delta_total, updated_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (dataset_id) DO UPDATE SET epsilon_total = excluded.epsilon_total,
				delta_total = excluded.delta_total, updated_at = excluded.updated_at`,
			dataset, total.Epsilon, total.Delta, s.now())
		return err
	})
}

// Spend charges sp.Cost to sp.Dataset's budget if it fits, recording the
// spend, all in one transaction holding the budget row's lock; otherwise
// it records nothing and returns a fault.Disclosure error saying how much
// is left.
func (s *Store) Spend(ctx context.Context, sp disclose.Spend) (disclose.Balance, error) {
	if sp.At.IsZero() {
		sp.At = s.now()
	}
	var out disclose.Balance
	err := s.budgetTx(ctx, func(tx pgx.Tx) error {
		bal, err := balance(ctx, tx, sp.Dataset, true)
		if fault.Code(err) == fault.NotFound {
			return disclose.NoBudget(sp.Dataset)
		}
		if err != nil {
			return err
		}
		if err := disclose.CheckSpend(bal, sp.Cost); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE privacy_budgets
			SET epsilon_spent = epsilon_spent + $1, delta_spent = delta_spent + $2, updated_at = $3
			WHERE dataset_id = $4`, sp.Cost.Epsilon, sp.Cost.Delta, sp.At.UTC(), sp.Dataset); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO privacy_spends (dataset_id, epsilon, delta, query, spent_by, spent_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, sp.Dataset, sp.Cost.Epsilon, sp.Cost.Delta, sp.Query, sp.By, sp.At.UTC()); err != nil {
			return err
		}
		out, err = balance(ctx, tx, sp.Dataset, false)
		return err
	})
	if err != nil {
		return disclose.Balance{}, err
	}
	return out, nil
}

// Balance returns a dataset's privacy budget and spending.
func (s *Store) Balance(ctx context.Context, dataset string) (disclose.Balance, error) {
	var out disclose.Balance
	err := s.budgetTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = balance(ctx, tx, dataset, false)
		return err
	})
	return out, err
}

// Spends returns a dataset's spends, oldest first, for the audit trail.
func (s *Store) Spends(ctx context.Context, dataset string) ([]disclose.Spend, error) {
	sps, err := collect(ctx, s.pool, func(r pgx.Row) (*disclose.Spend, error) {
		sp := disclose.Spend{Dataset: dataset}
		err := r.Scan(&sp.Query, &sp.By, &sp.Cost.Epsilon, &sp.Cost.Delta, &sp.At)
		sp.At = sp.At.UTC()
		return &sp, err
	}, `SELECT query, spent_by, epsilon, delta, spent_at FROM privacy_spends WHERE dataset_id = $1 ORDER BY id`, dataset)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the privacy spends of %s", dataset)
	}
	out := make([]disclose.Spend, len(sps))
	for i, sp := range sps {
		out[i] = *sp
	}
	return out, nil
}

func balance(ctx context.Context, tx pgx.Tx, dataset string, lock bool) (disclose.Balance, error) {
	b := disclose.Balance{Dataset: dataset}
	q := `SELECT epsilon_total, delta_total, epsilon_spent, delta_spent FROM privacy_budgets WHERE dataset_id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	err := tx.QueryRow(ctx, q, dataset).Scan(&b.Total.Epsilon, &b.Total.Delta, &b.Spent.Epsilon, &b.Spent.Delta)
	if errors.Is(err, pgx.ErrNoRows) {
		return b, fault.Errorf(fault.NotFound, "no privacy budget is set for dataset %s", dataset)
	}
	return b, err
}

// budgetTx runs fn in a transaction; an error that is no domain error is
// reported as an internal one.
func (s *Store) budgetTx(ctx context.Context, fn func(pgx.Tx) error) error {
	err := s.inTx(ctx, fn)
	var fe *fault.Error
	if err != nil && !errors.As(err, &fe) {
		return fault.Wrap(err, fault.Internal, "privacy budget update failed")
	}
	return err
}
