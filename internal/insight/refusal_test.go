package insight_test

import (
	"context"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/store"
)

// TestBudgetRefusalRecordedAsDenied checks that a differentially private
// table refused by the privacy budget is on the audit log as a denied
// access naming the budget and the dataset, not only as allowed.
func TestBudgetRefusalRecordedAsDenied(t *testing.T) {
	ctx := context.Background()
	st, _ := county(t)
	e, u := engine(t, st, false)
	e.Ledger = st
	if err := st.SetBudget(ctx, "incidents", disclose.Budget{Epsilon: 1}); err != nil {
		t.Fatal(err)
	}
	q := insight.AggregateQuery{Purpose: "road-safety", Dataset: "incidents", By: []string{"district"},
		DP: &disclose.DPConfig{Mechanism: disclose.Laplace, Epsilon: 0.6}}
	tests := []struct {
		name    string
		outcome string
		reason  string
	}{
		{"within the budget", govern.OutcomeAllowed, ""},
		{"past the budget", govern.OutcomeDenied, "budget: privacy budget of dataset incidents exhausted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Aggregate(ctx, u, q)
			if (tc.outcome == govern.OutcomeDenied) != (fault.Code(err) == fault.Disclosure) {
				t.Fatalf("got error %v, want a refusal: %v", err, tc.outcome == govern.OutcomeDenied)
			}
			last := lastEntry(t, e)
			if last.Action != "access" || last.Outcome != tc.outcome || !strings.HasPrefix(last.Reason, tc.reason) {
				t.Errorf("last entry %s %s (%q), want access %s (%q…)", last.Action, last.Outcome, last.Reason, tc.outcome, tc.reason)
			}
			if len(last.Datasets) != 1 || last.Datasets[0].ID != "incidents" || last.Datasets[0].Owner != "police" {
				t.Errorf("last entry names %v, want incidents owned by police", last.Datasets)
			}
		})
	}
}

// lastEntry is the newest event of the audit log e's governance records in.
func lastEntry(tb testing.TB, e *insight.Engine) audit.Event {
	tb.Helper()
	log := e.Gov.(*govern.Service).Audit.(govern.AuditRecorder).Log.(*store.Audit)
	es, err := log.Entries(context.Background(), audit.Filter{})
	if err != nil || len(es) == 0 {
		tb.Fatalf("entries: %d, %v", len(es), err)
	}
	return es[len(es)-1].Event
}
