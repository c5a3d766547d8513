package insight_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	gt "github.com/civiclink/civiclink/internal/govern/governtest"
	"github.com/civiclink/civiclink/internal/insight"
)

// TestAgreementBudget checks that differentially private tables spend the
// budget the agreement sets on a dataset per period: a spend within it is
// allowed, a query above the whole budget and one past what is left are
// refused and on the audit log as denied for the budget, the next period
// starts afresh, and a dataset without a budget answers none.
func TestAgreementBudget(t *testing.T) {
	ctx := context.Background()
	f := gt.NewFixture(t, govern.NewGate(insight.Operations()...))
	a := gt.Agreement()
	a.Datasets[0].Budget = &govern.PrivacyBudget{Epsilon: 1, Period: "month"}
	f.Activate(t, a)
	u := f.AddUser(t, "ana", gt.RecipientPartner, govern.Analyst)
	e := &insight.Engine{Store: f.Store, Gov: f.Service, Ledger: f.Store, Clock: f.Clock}
	ask := func(dataset string, eps float64) error {
		_, err := e.Aggregate(ctx, u, insight.AggregateQuery{Purpose: gt.Purpose, Dataset: dataset, By: []string{"category"},
			DP: &disclose.DPConfig{Mechanism: disclose.Laplace, Epsilon: eps}})
		return err
	}
	steps := []struct {
		name    string
		dataset string
		eps     float64
		advance time.Duration
		reason  string // "" allowed; else the denied entry's reason starts so
		left    float64
	}{
		{name: "within the budget", dataset: gt.Dataset, eps: 0.6, left: 0.4},
		{name: "more than the agreement allows", dataset: gt.Dataset, eps: 1.5, reason: "budget: privacy budget of dataset fixture-incidents: this query asks for ε=1.5", left: 0.4},
		{name: "past what is left", dataset: gt.Dataset, eps: 0.6, reason: "budget: privacy budget of dataset fixture-incidents@fixture-agreement@2026-05 exhausted", left: 0.4},
		{name: "the next month", dataset: gt.Dataset, eps: 0.6, advance: 31 * 24 * time.Hour, left: 0.4},
		{name: "no budget set", dataset: gt.RecipientDataset, eps: 0.1, reason: "budget: no privacy budget is set for dataset fixture-cases", left: 0.4},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			f.Clock.Advance(s.advance)
			err := ask(s.dataset, s.eps)
			if (s.reason != "") != (fault.Code(err) == fault.Disclosure) {
				t.Fatalf("got error %v, want refused: %v", err, s.reason != "")
			}
			last := lastEntry(t, f)
			want := govern.OutcomeAllowed
			if s.reason != "" {
				want = govern.OutcomeDenied
			}
			if last.Action != "access" || last.Outcome != want || !strings.HasPrefix(last.Reason, s.reason) {
				t.Errorf("last entry %s %s (%q), want access %s (%q…)", last.Action, last.Outcome, last.Reason, want, s.reason)
			}
			if len(last.Datasets) != 1 || last.Datasets[0].ID != s.dataset {
				t.Errorf("last entry names %v, want %s", last.Datasets, s.dataset)
			}
			bs, err := insight.Budgets(ctx, f.Store, a, f.Clock.Now())
			if err != nil || len(bs) != 1 {
				t.Fatalf("budgets: %v, %v", bs, err)
			}
			if diff := bs[0].Left.Epsilon - s.left; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("left this %s: ε %g, want %g", bs[0].Period, bs[0].Left.Epsilon, s.left)
			}
		})
	}
}

// TestBudgetFieldsRefused checks an agreement's privacy budget is refused
// by field with the reason.
func TestBudgetFieldsRefused(t *testing.T) {
	tests := []struct{ budget, want string }{
		{`{"epsilon": -1, "period": "month"}`, "privacy_budget.epsilon is -1: it must be a positive number"},
		{`{"epsilon": 0, "period": "month"}`, "privacy_budget.epsilon is 0: it must be a positive number"},
		{`{"epsilon": "lots", "period": "month"}`, `privacy_budget.epsilon is "lots", not a number`},
		{`{"epsilon": 1, "period": "fortnight"}`, `privacy_budget.period: "fortnight" is not a budget period`},
		{`{"epsilon": 1, "delta": 1.5, "period": "year"}`, "privacy_budget.delta is 1.5"},
	}
	for _, tc := range tests {
		t.Run(tc.budget, func(t *testing.T) {
			a := string(gt.Agreement().MarshalIndent())
			a = strings.Replace(a, `"dataset": "fixture-incidents",`, `"dataset": "fixture-incidents", "privacy_budget": `+tc.budget+`,`, 1)
			_, err := govern.ParseAgreement(strings.NewReader(a))
			if fault.Code(err) != fault.Invalid || !strings.Contains(fault.Message(err), tc.want) {
				t.Errorf("got %v, want invalid: %q", err, tc.want)
			}
		})
	}
}

// lastEntry is the newest event of the fixture's audit log.
func lastEntry(tb testing.TB, f *gt.Fixture) audit.Event {
	tb.Helper()
	es, err := f.Audit.Entries(context.Background(), audit.Filter{})
	if err != nil || len(es) == 0 {
		tb.Fatalf("entries: %d, %v", len(es), err)
	}
	return es[len(es)-1].Event
}
