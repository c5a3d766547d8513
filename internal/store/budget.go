package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
)

var _ disclose.Ledger = (*Store)(nil)

// budgetMu serialises budget changes within the process; DuckDB's file
// lock keeps other processes out, and each change is also one transaction
// whose UPDATE of the budget row conflicts with any concurrent one.
var budgetMu sync.Mutex

// SetBudget sets a dataset's total privacy budget, creating its account.
func (s *Store) SetBudget(ctx context.Context, dataset string, total disclose.Budget) error {
	budgetMu.Lock()
	defer budgetMu.Unlock()
	return s.budgetTx(ctx, func(tx *sql.Tx) error {
		bal, err := balance(ctx, tx, dataset)
		if err != nil && fault.Code(err) != fault.NotFound {
			return err
		}
		if err := disclose.CheckTotal(dataset, total, bal.Spent); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO privacy_budgets (dataset_id, epsilon_total, delta_total, updated_at)
			VALUES (?, ?, ?, ?)
			ON CONFLICT (dataset_id) DO UPDATE SET epsilon_total = excluded.epsilon_total,
				delta_total = excluded.delta_total, updated_at = excluded.updated_at`,
			dataset, total.Epsilon, total.Delta, s.now())
		return err
	})
}

// Spend charges sp.Cost to sp.Dataset's budget if it fits, recording the
// spend, all in one transaction; otherwise it records nothing and returns
// a fault.Disclosure error saying how much is left.
func (s *Store) Spend(ctx context.Context, sp disclose.Spend) (disclose.Balance, error) {
	budgetMu.Lock()
	defer budgetMu.Unlock()
	if sp.At.IsZero() {
		sp.At = s.now()
	}
	var out disclose.Balance
	err := s.budgetTx(ctx, func(tx *sql.Tx) error {
		bal, err := balance(ctx, tx, sp.Dataset)
		if fault.Code(err) == fault.NotFound {
			return disclose.NoBudget(sp.Dataset)
		}
		if err != nil {
			return err
		}
		if err := disclose.CheckSpend(bal, sp.Cost); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE privacy_budgets
			SET epsilon_spent = epsilon_spent + ?, delta_spent = delta_spent + ?, updated_at = ?
			WHERE dataset_id = ?`, sp.Cost.Epsilon, sp.Cost.Delta, sp.At, sp.Dataset); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO privacy_spends (dataset_id, epsilon, delta, query, spent_by, spent_at)
			VALUES (?, ?, ?, ?, ?, ?)`, sp.Dataset, sp.Cost.Epsilon, sp.Cost.Delta, sp.Query, sp.By, sp.At); err != nil {
			return err
		}
		out, err = balance(ctx, tx, sp.Dataset)
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
	err := s.budgetTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = balance(ctx, tx, dataset)
		return err
	})
	return out, err
}

// Spends returns a dataset's spends, oldest first, for the audit trail.
func (s *Store) Spends(ctx context.Context, dataset string) ([]disclose.Spend, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT query, spent_by, epsilon, delta, spent_at
		FROM privacy_spends WHERE dataset_id = ? ORDER BY id`, dataset)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot read the privacy spends of %s", dataset)
	}
	defer rows.Close()
	var out []disclose.Spend
	for rows.Next() {
		sp := disclose.Spend{Dataset: dataset}
		if err := rows.Scan(&sp.Query, &sp.By, &sp.Cost.Epsilon, &sp.Cost.Delta, &sp.At); err != nil {
			return nil, err
		}
		sp.At = sp.At.UTC()
		out = append(out, sp)
	}
	return out, rows.Err()
}

func balance(ctx context.Context, tx *sql.Tx, dataset string) (disclose.Balance, error) {
	b := disclose.Balance{Dataset: dataset}
	err := tx.QueryRowContext(ctx, `SELECT epsilon_total, delta_total, epsilon_spent, delta_spent
		FROM privacy_budgets WHERE dataset_id = ?`, dataset).
		Scan(&b.Total.Epsilon, &b.Total.Delta, &b.Spent.Epsilon, &b.Spent.Delta)
	if errors.Is(err, sql.ErrNoRows) {
		return b, fault.Errorf(fault.NotFound, "no privacy budget is set for dataset %s", dataset)
	}
	return b, err
}

// budgetTx runs fn in a transaction, retrying when DuckDB reports a write
// conflict with a concurrent transaction.
func (s *Store) budgetTx(ctx context.Context, fn func(*sql.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.tryTx(ctx, fn)
		if err == nil || !isTxConflict(err) || attempt == 4 {
			var fe *fault.Error
			if err != nil && !errors.As(err, &fe) {
				return fault.Wrap(err, fault.Internal, "privacy budget update failed")
			}
			return err
		}
	}
}

func (s *Store) tryTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// isTxConflict reports whether err is DuckDB's optimistic-concurrency
// conflict, after which the transaction can be retried.
func isTxConflict(err error) bool {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return false
	}
	return strings.Contains(err.Error(), "onflict")
}
