package govern

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// PrivacyBudget is what an agreement lets differentially private queries
// spend on one shared dataset in each period: ε, and δ for mechanisms
// that need one (Gaussian). A dataset without one answers no such query.
type PrivacyBudget struct {
	Epsilon float64 `json:"epsilon"`
	Delta   float64 `json:"delta,omitempty"`
	// Period is "month", "quarter" or "year": the budget starts afresh
	// at the start of each.
	Period string `json:"period"`
}

// BudgetPeriods are the periods a privacy budget may run over.
var BudgetPeriods = []string{"month", "quarter", "year"}

// UnmarshalJSON reads a budget, naming the field when a value is not a
// number.
func (b *PrivacyBudget) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return fault.Errorf(fault.Invalid, "privacy_budget must be an object {\"epsilon\": E, \"delta\": D, \"period\": \"month\"}")
	}
	num := func(field string, dst *float64) error {
		v, ok := raw[field]
		if !ok {
			return nil
		}
		f, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64)
		if err != nil {
			return fault.Errorf(fault.Invalid, "privacy_budget.%s is %s, not a number: write a positive number such as 1 or 0.5", field, v)
		}
		*dst = f
		return nil
	}
	for field := range raw {
		if field != "epsilon" && field != "delta" && field != "period" {
			return fault.Errorf(fault.Invalid, "privacy_budget has an unknown field %q (epsilon, delta, period)", field)
		}
	}
	if err := num("epsilon", &b.Epsilon); err != nil {
		return err
	}
	if err := num("delta", &b.Delta); err != nil {
		return err
	}
	if p, ok := raw["period"]; ok {
		if err := json.Unmarshal(p, &b.Period); err != nil {
			return fault.Errorf(fault.Invalid, "privacy_budget.period is %s: write \"month\", \"quarter\" or \"year\"", p)
		}
	}
	return nil
}

// Validate checks the budget, naming the field at fault.
func (b PrivacyBudget) Validate(dataset string) error {
	switch {
	case math.IsNaN(b.Epsilon) || math.IsInf(b.Epsilon, 0) || b.Epsilon <= 0:
		return fault.Errorf(fault.Invalid, "datasets[%s].privacy_budget.epsilon is %v: it must be a positive number (ε > 0)", dataset, b.Epsilon)
	case math.IsNaN(b.Delta) || b.Delta < 0 || b.Delta >= 1:
		return fault.Errorf(fault.Invalid, "datasets[%s].privacy_budget.delta is %v: it must be at least 0 and below 1", dataset, b.Delta)
	}
	if _, err := PeriodStart(b.Period, time.Time{}); err != nil {
		return fault.Errorf(fault.Invalid, "datasets[%s].privacy_budget.period: %s", dataset, fault.Message(err))
	}
	return nil
}

// PeriodStart returns the label of the period of kind period that t falls
// in ("2026-12", "2026-Q4", "2026").
func PeriodStart(period string, t time.Time) (string, error) {
	t = t.UTC()
	switch period {
	case "month":
		return t.Format("2006-01"), nil
	case "quarter":
		return fmt.Sprintf("%d-Q%d", t.Year(), (int(t.Month())+2)/3), nil
	case "year":
		return strconv.Itoa(t.Year()), nil
	}
	return "", fault.Errorf(fault.Invalid, "%q is not a budget period: write \"month\", \"quarter\" or \"year\"", period)
}

// BudgetAccount names the ledger account of the budget agreement sets on
// dataset for the period t falls in: each agreement, dataset and period
// has its own.
func BudgetAccount(dataset, agreement string, b PrivacyBudget, t time.Time) string {
	p, _ := PeriodStart(b.Period, t)
	return dataset + "@" + agreement + "@" + p
}

// Budget returns the privacy budget agreement a sets on dataset, if any.
func (a *Agreement) Budget(dataset string) (PrivacyBudget, bool) {
	if s := a.Share(dataset); s != nil && s.Budget != nil {
		return *s.Budget, true
	}
	return PrivacyBudget{}, false
}
