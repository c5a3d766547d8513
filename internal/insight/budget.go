package insight

import (
	"context"
	"fmt"
	"time"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// budgetLedger returns the ledger account a differentially private query
// on dataset spends from: the budget the governing agreement sets on the
// dataset for the current period, opened (or brought up to the
// agreement's figure) on first use. A dataset without one, or a query
// asking for more than a whole period's budget, is refused, naming why.
func (e *Engine) budgetLedger(ctx context.Context, dec govern.Decision, dataset string, dp *disclose.DPConfig) (disclose.Ledger, error) {
	if e.Ledger == nil {
		return nil, fault.Errorf(fault.Disclosure, "differentially private queries are not available here: no privacy budget ledger")
	}
	b, ok := dec.BudgetOf(dataset)
	if !ok {
		return nil, fault.Errorf(fault.Disclosure, "no privacy budget is set for dataset %s: the agreement for this purpose must set one (privacy_budget on its share of %s) before differentially private queries run", dataset, dataset)
	}
	if dp.Epsilon > b.Budget.Epsilon || dp.Delta > b.Budget.Delta && dp.Delta > 0 {
		return nil, fault.Errorf(fault.Disclosure, "privacy budget of dataset %s: this query asks for ε=%g, δ=%g but agreement %s allows ε=%g, δ=%g a %s in all: ask for less",
			dataset, dp.Epsilon, dp.Delta, b.Agreement, b.Budget.Epsilon, b.Budget.Delta, b.Budget.Period)
	}
	account := govern.BudgetAccount(dataset, b.Agreement, b.Budget, e.now())
	total := disclose.Budget{Epsilon: b.Budget.Epsilon, Delta: b.Budget.Delta}
	if err := e.Ledger.SetBudget(ctx, account, total); err != nil {
		if fault.Code(err) == fault.Conflict {
			return nil, fault.Errorf(fault.Disclosure, "privacy budget of dataset %s exhausted for this %s: more was spent than agreement %s now allows", dataset, b.Budget.Period, b.Agreement)
		}
		return nil, err
	}
	return accountLedger{e.Ledger, account}, nil
}

func (e *Engine) now() time.Time {
	if e.Clock != nil {
		return e.Clock.Now()
	}
	return time.Now()
}

// accountLedger charges every spend to one account of a ledger.
type accountLedger struct {
	disclose.Ledger
	account string
}

// Spend charges s to the account.
func (l accountLedger) Spend(ctx context.Context, s disclose.Spend) (disclose.Balance, error) {
	s.Dataset = l.account
	return l.Ledger.Spend(ctx, s)
}

// BudgetBalance is a dataset's privacy budget under an agreement in the
// current period: what the agreement allows, spent and left.
type BudgetBalance struct {
	Dataset   string               `json:"dataset"`
	Agreement string               `json:"agreement"`
	Period    string               `json:"period"` // e.g. "2026-12"
	Budget    govern.PrivacyBudget `json:"budget"`
	Spent     Amount               `json:"spent"`
	Left      Amount               `json:"left"`
}

// Amount is an amount of privacy budget.
type Amount struct {
	Epsilon float64 `json:"epsilon"`
	Delta   float64 `json:"delta"`
}

// String says it for a person.
func (b BudgetBalance) String() string {
	return fmt.Sprintf("%s: ε %g a %s (δ %g); %s spent ε %g, left ε %g", b.Dataset, b.Budget.Epsilon, b.Budget.Period, b.Budget.Delta, b.Period, b.Spent.Epsilon, b.Left.Epsilon)
}

// Budgets returns the privacy budgets agreement a sets, each with what has
// been spent and is left in the current period, read from ledger.
func Budgets(ctx context.Context, ledger disclose.Ledger, a *govern.Agreement, now time.Time) ([]BudgetBalance, error) {
	var out []BudgetBalance
	for _, s := range a.Datasets {
		if s.Budget == nil {
			continue
		}
		period, _ := govern.PeriodStart(s.Budget.Period, now)
		bb := BudgetBalance{Dataset: s.Dataset, Agreement: a.ID, Period: period, Budget: *s.Budget,
			Left: Amount{Epsilon: s.Budget.Epsilon, Delta: s.Budget.Delta}}
		bal, err := ledger.Balance(ctx, govern.BudgetAccount(s.Dataset, a.ID, *s.Budget, now))
		if err != nil && fault.Code(err) != fault.NotFound {
			return nil, err
		}
		if err == nil {
			bb.Spent = Amount{Epsilon: bal.Spent.Epsilon, Delta: bal.Spent.Delta}
			bb.Left = Amount{Epsilon: max(0, s.Budget.Epsilon-bal.Spent.Epsilon), Delta: max(0, s.Budget.Delta-bal.Spent.Delta)}
		}
		out = append(out, bb)
	}
	return out, nil
}
