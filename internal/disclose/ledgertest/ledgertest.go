// Package ledgertest is the contract every [disclose.Ledger] must meet: one
// suite, run against the in-memory ledger and every store backend.
package ledgertest

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
)

// Run runs the contract against ledgers made by open, one per subtest.
func Run(t *testing.T, open func(t *testing.T) disclose.Ledger) {
	t.Run("spend within budget", func(t *testing.T) { spendWithin(t, open(t)) })
	t.Run("refuse overspend and say what is left", func(t *testing.T) { refuseOverspend(t, open(t)) })
	t.Run("delta is accounted", func(t *testing.T) { deltaAccounted(t, open(t)) })
	t.Run("no budget set", func(t *testing.T) { noBudget(t, open(t)) })
	t.Run("budget cannot drop below spent", func(t *testing.T) { lowerBelowSpent(t, open(t)) })
	t.Run("concurrent spends never overspend", func(t *testing.T) { concurrent(t, open(t)) })
}

func spend(l disclose.Ledger, dataset string, eps, delta float64) (disclose.Balance, error) {
	return l.Spend(context.Background(), disclose.Spend{Dataset: dataset, Query: "test", By: "tester", Cost: disclose.Budget{Epsilon: eps, Delta: delta}, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func spendWithin(t *testing.T, l disclose.Ledger) {
	ctx := context.Background()
	if err := l.SetBudget(ctx, "crime", disclose.Budget{Epsilon: 1}); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		bal, err := spend(l, "crime", 0.1, 0)
		if err != nil {
			t.Fatalf("spend %d of 10 × 0.1 from ε=1: %v", i+1, err)
		}
		if got, want := bal.Spent.Epsilon, 0.1*float64(i+1); !near(got, want) {
			t.Errorf("after spend %d, spent = %v, want %v", i+1, got, want)
		}
	}
	bal, err := l.Balance(ctx, "crime")
	if err != nil {
		t.Fatal(err)
	}
	if got := bal.Left().Epsilon; !near(got, 0) {
		t.Errorf("left = %v, want 0", got)
	}
}

func refuseOverspend(t *testing.T, l disclose.Ledger) {
	ctx := context.Background()
	if err := l.SetBudget(ctx, "crime", disclose.Budget{Epsilon: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := spend(l, "crime", 0.7, 0); err != nil {
		t.Fatal(err)
	}
	_, err := spend(l, "crime", 0.5, 0)
	if got, want := fault.Code(err), fault.Disclosure; got != want {
		t.Fatalf("overspend error code = %q (%v), want %q", got, err, want)
	}
	if msg := fault.Message(err); !strings.Contains(msg, "ε=0.3") {
		t.Errorf("refusal %q does not say ε=0.3 is left", msg)
	}
	bal, err := l.Balance(ctx, "crime")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bal.Spent.Epsilon, 0.7; !near(got, want) {
		t.Errorf("spent after refusal = %v, want %v (a refused spend records nothing)", got, want)
	}
	// Another dataset's budget is separate.
	if err := l.SetBudget(ctx, "health", disclose.Budget{Epsilon: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := spend(l, "health", 1.5, 0); err != nil {
		t.Errorf("spend on another dataset: %v", err)
	}
}

func deltaAccounted(t *testing.T, l disclose.Ledger) {
	if err := l.SetBudget(context.Background(), "crime", disclose.Budget{Epsilon: 10, Delta: 1e-5}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := spend(l, "crime", 1, 4e-6); err != nil {
			t.Fatal(err)
		}
	}
	_, err := spend(l, "crime", 1, 4e-6)
	if got, want := fault.Code(err), fault.Disclosure; got != want {
		t.Errorf("third δ=4e-6 spend from δ=1e-5: code %q (%v), want %q", got, err, want)
	}
}

func noBudget(t *testing.T, l disclose.Ledger) {
	_, err := spend(l, "unknown", 0.1, 0)
	if got, want := fault.Code(err), fault.Disclosure; got != want {
		t.Errorf("spend without budget: code %q (%v), want %q", got, err, want)
	}
	_, err = l.Balance(context.Background(), "unknown")
	if got, want := fault.Code(err), fault.NotFound; got != want {
		t.Errorf("balance without budget: code %q (%v), want %q", got, err, want)
	}
}

func lowerBelowSpent(t *testing.T, l disclose.Ledger) {
	ctx := context.Background()
	if err := l.SetBudget(ctx, "crime", disclose.Budget{Epsilon: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := spend(l, "crime", 0.6, 0); err != nil {
		t.Fatal(err)
	}
	if err := l.SetBudget(ctx, "crime", disclose.Budget{Epsilon: 0.5}); fault.Code(err) != fault.Conflict {
		t.Errorf("lowering ε total below spent: %v, want a conflict", err)
	}
	if err := l.SetBudget(ctx, "crime", disclose.Budget{Epsilon: 2}); err != nil {
		t.Errorf("raising the total: %v", err)
	}
	if _, err := spend(l, "crime", 1.4, 0); err != nil {
		t.Errorf("spend after raising the total: %v", err)
	}
}

func concurrent(t *testing.T, l disclose.Ledger) {
	if err := l.SetBudget(context.Background(), "crime", disclose.Budget{Epsilon: 1}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 5 // 40 attempts of 0.05: exactly 20 fit
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := spend(l, "crime", 0.05, 0)
				mu.Lock()
				switch fault.Code(err) {
				case "":
					ok++
				case fault.Disclosure:
					refused++
				default:
					t.Errorf("concurrent spend: %v", err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 20 || refused != 20 {
		t.Errorf("%d spends succeeded and %d were refused, want 20 and 20", ok, refused)
	}
	bal, err := l.Balance(context.Background(), "crime")
	if err != nil {
		t.Fatal(err)
	}
	if bal.Spent.Epsilon > 1+1e-9 {
		t.Errorf("spent ε = %v, more than the budget of 1", bal.Spent.Epsilon)
	}
}
