package disclose

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Budget is an amount of privacy loss: ε, and δ for approximate DP.
//
// Accounting is basic sequential composition: k releases with (εi, δi)
// together cost (Σεi, Σδi). The Laplace mechanism costs (ε, 0). The
// Gaussian mechanism is calibrated as ρ-zCDP with ρ chosen so that ρ-zCDP
// implies the requested (ε, δ)-DP (ε = ρ + 2√(ρ ln 1/δ), Bun–Steinke 2016)
// and is charged as that (ε, δ).
type Budget struct {
	Epsilon float64 `json:"epsilon"`
	Delta   float64 `json:"delta"`
}

// String formats b as "ε=…, δ=…".
func (b Budget) String() string { return fmt.Sprintf("ε=%.6g, δ=%.6g", b.Epsilon, b.Delta) }

// Spend is one charge against a dataset's budget.
type Spend struct {
	Dataset string
	Query   string // what was released, for the record
	By      string // who asked
	Cost    Budget
	At      time.Time
}

// Balance is a dataset's budget and what has been spent of it.
type Balance struct {
	Dataset string
	Total   Budget
	Spent   Budget
}

// Left returns what remains of the budget.
func (b Balance) Left() Budget {
	return Budget{Epsilon: max(0, b.Total.Epsilon-b.Spent.Epsilon), Delta: max(0, b.Total.Delta-b.Spent.Delta)}
}

// Ledger keeps each dataset's privacy budget. Spend must be atomic: two
// concurrent spends can never together exceed the budget.
type Ledger interface {
	// SetBudget sets a dataset's total budget, creating its account. It is
	// refused if the total is below what has already been spent.
	SetBudget(ctx context.Context, dataset string, total Budget) error
	// Spend charges s.Cost to s.Dataset if it fits and returns the new
	// balance; otherwise it records nothing and returns a fault.Disclosure
	// error that says how much is left.
	Spend(ctx context.Context, s Spend) (Balance, error)
	// Balance returns a dataset's budget and spending.
	Balance(ctx context.Context, dataset string) (Balance, error)
}

// slack absorbs floating-point error when sums of spends meet the total.
const slack = 1e-9

// CheckSpend returns nil if bal can afford cost, or the fault.Disclosure
// error a [Ledger] returns. Ledger implementations share it.
func CheckSpend(bal Balance, cost Budget) error {
	if cost.Epsilon < 0 || cost.Delta < 0 {
		return fault.Errorf(fault.Invalid, "a privacy cost cannot be negative (%s)", cost)
	}
	if bal.Spent.Epsilon+cost.Epsilon > bal.Total.Epsilon+slack || bal.Spent.Delta+cost.Delta > bal.Total.Delta+slack {
		return fault.Errorf(fault.Disclosure,
			"privacy budget of dataset %s exhausted: this query needs %s but only %s is left of %s; ask for a smaller epsilon, reuse a published figure, or agree a new budget",
			bal.Dataset, cost, bal.Left(), bal.Total)
	}
	return nil
}

// NoBudget is the error for a spend on a dataset without a budget.
func NoBudget(dataset string) error {
	return fault.Errorf(fault.Disclosure, "no privacy budget is set for dataset %s: its agreement must set one before differentially private queries run", dataset)
}

// CheckTotal validates a budget total against what is already spent.
func CheckTotal(dataset string, total Budget, spent Budget) error {
	if !(total.Epsilon >= 0 && total.Delta >= 0 && total.Delta < 1) {
		return fault.Errorf(fault.Invalid, "budget %s for dataset %s is out of range: ε ≥ 0, 0 ≤ δ < 1", total, dataset)
	}
	if total.Epsilon+slack < spent.Epsilon || total.Delta+slack < spent.Delta {
		return fault.Errorf(fault.Conflict, "dataset %s has already spent %s, more than the new total %s", dataset, spent, total)
	}
	return nil
}

// MemLedger is an in-memory [Ledger] for tests and one-off runs.
type MemLedger struct {
	mu       sync.Mutex
	accounts map[string]*Balance
	spends   []Spend
}

var _ Ledger = (*MemLedger)(nil)

// NewMemLedger returns an empty ledger.
func NewMemLedger() *MemLedger { return &MemLedger{accounts: map[string]*Balance{}} }

// SetBudget sets a dataset's total budget.
func (m *MemLedger) SetBudget(_ context.Context, dataset string, total Budget) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.accounts[dataset]
	if !ok {
		b = &Balance{Dataset: dataset}
		m.accounts[dataset] = b
	}
	if err := CheckTotal(dataset, total, b.Spent); err != nil {
		return err
	}
	b.Total = total
	return nil
}

// Spend charges s if it fits.
func (m *MemLedger) Spend(_ context.Context, s Spend) (Balance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.accounts[s.Dataset]
	if !ok {
		return Balance{}, NoBudget(s.Dataset)
	}
	if err := CheckSpend(*b, s.Cost); err != nil {
		return *b, err
	}
	b.Spent.Epsilon += s.Cost.Epsilon
	b.Spent.Delta += s.Cost.Delta
	m.spends = append(m.spends, s)
	return *b, nil
}

// Balance returns a dataset's balance.
func (m *MemLedger) Balance(_ context.Context, dataset string) (Balance, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.accounts[dataset]
	if !ok {
		return Balance{}, fault.Errorf(fault.NotFound, "no privacy budget is set for dataset %s", dataset)
	}
	return *b, nil
}
