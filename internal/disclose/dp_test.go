package disclose_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
)

// seeded is a repeatable noise source; only tests use one.
func seeded(seed byte) *rand.ChaCha8 {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

func ledgerWith(t *testing.T, dataset string, b disclose.Budget) *disclose.MemLedger {
	t.Helper()
	l := disclose.NewMemLedger()
	if err := l.SetBudget(context.Background(), dataset, b); err != nil {
		t.Fatal(err)
	}
	return l
}

func laplace(eps float64) *disclose.DPConfig {
	return &disclose.DPConfig{Mechanism: disclose.Laplace, Epsilon: eps}
}

func TestDPSpendsBudgetAndRefusesOverspend(t *testing.T) {
	ctx := context.Background()
	l := ledgerWith(t, "crime", disclose.Budget{Epsilon: 1})
	opts := disclose.Options{Dataset: "crime", Query: "district × month", By: "analyst", Ledger: l, Random: seeded(1)}
	p := disclose.Policy{DP: laplace(0.4)}
	for i, wantLeft := range []float64{0.6, 0.2} {
		r, err := disclose.Apply(ctx, randomTableShape(14, 48), p, opts)
		if err != nil {
			t.Fatalf("query %d: %v", i+1, err)
		}
		if r.Spent.Epsilon != 0.4 || math.Abs(r.Report.BudgetLeft.Epsilon-wantLeft) > 1e-9 {
			t.Errorf("query %d spent %v, left %v; want 0.4, %v", i+1, r.Spent, r.Report.BudgetLeft, wantLeft)
		}
		for _, c := range r.Cells {
			if c.Status != disclose.Noised && c.Status != disclose.SuppressedPrimary {
				t.Fatalf("cell %v status %s, want noised or suppressed", c.Levels, c.Status)
			}
		}
	}
	_, err := disclose.Apply(ctx, randomTableShape(14, 48), p, opts)
	if got, want := fault.Code(err), fault.Disclosure; got != want {
		t.Fatalf("third query: code %q (%v), want %q", got, err, want)
	}
	if !strings.Contains(fault.Message(err), "ε=0.2") {
		t.Errorf("refusal %q does not say how much is left", fault.Message(err))
	}
}

func TestDPNeedsLedgerAndBudget(t *testing.T) {
	ctx := context.Background()
	p := disclose.Policy{DP: laplace(0.1)}
	if _, err := disclose.Apply(ctx, oneDim(50), p, disclose.Options{Dataset: "crime"}); fault.Code(err) != fault.Invalid {
		t.Errorf("no ledger: %v, want invalid", err)
	}
	opts := disclose.Options{Dataset: "crime", Ledger: disclose.NewMemLedger()}
	if _, err := disclose.Apply(ctx, oneDim(50), p, opts); fault.Code(err) != fault.Disclosure {
		t.Errorf("no budget set: %v, want a disclosure refusal", err)
	}
	sums := oneDim(50)
	sums.SumName = "days"
	opts.Ledger = ledgerWith(t, "crime", disclose.Budget{Epsilon: 1})
	if _, err := disclose.Apply(ctx, sums, p, opts); fault.Code(err) != fault.Invalid {
		t.Errorf("DP on a sum table: %v, want invalid", err)
	}
}

// noiseOf publishes n cells of count 1000 and returns the published values
// minus 1000.
func noiseOf(t *testing.T, cfg *disclose.DPConfig, n int, seed byte) []float64 {
	t.Helper()
	tab := disclose.NewTable("count", disclose.Dim{Name: "cell", Levels: levelsN(n)})
	for i := range tab.Cells {
		tab.Cells[i].Count = 1000
	}
	l := ledgerWith(t, "d", disclose.Budget{Epsilon: 10, Delta: 1e-3})
	r, err := disclose.Apply(context.Background(), tab, disclose.Policy{Threshold: 1, OmitMargins: true, DP: cfg},
		disclose.Options{Dataset: "d", Ledger: l, Random: seeded(seed)})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(r.Cells))
	for i, c := range r.Cells {
		out[i] = float64(c.Count - 1000)
	}
	return out
}

func levelsN(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "c" + strings.Repeat("x", i/1000) + string(rune('0'+i%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i/100%10))
	}
	return out
}

func TestDPNoiseHasTheCalibratedVariance(t *testing.T) {
	b := 1 / 0.5 // Laplace scale Δ/ε
	q := math.Exp(-1 / b)
	gauss := &disclose.DPConfig{Mechanism: disclose.Gaussian, Epsilon: 1, Delta: 1e-6}
	tests := []struct {
		name    string
		cfg     *disclose.DPConfig
		wantVar float64
	}{
		{"laplace ε=0.5", laplace(0.5), 2 * q / ((1 - q) * (1 - q))},
		{"laplace ε=0.5, unit in 3 cells", &disclose.DPConfig{Mechanism: disclose.Laplace, Epsilon: 0.5, Contributions: 3}, func() float64 {
			q := math.Exp(-1 / (3 * b))
			return 2 * q / ((1 - q) * (1 - q))
		}()},
		// For σ ≥ 1 the discrete Gaussian's variance is σ² to within 1e-10.
		{"gaussian ε=1 δ=1e-6", gauss, disclose.GaussianSigma2(*gauss)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := noiseOf(t, tt.cfg, 20000, byte(i+1))
			var sum, sq float64
			for _, v := range x {
				sum += v
				sq += v * v
			}
			n := float64(len(x))
			mean := sum / n
			variance := sq/n - mean*mean
			if se := math.Sqrt(tt.wantVar / n); math.Abs(mean) > 5*se {
				t.Errorf("mean noise = %.3f, want 0 ± %.3f", mean, 5*se)
			}
			if math.Abs(variance/tt.wantVar-1) > 0.06 {
				t.Errorf("noise variance = %.2f, want %.2f ± 6%%", variance, tt.wantVar)
			}
		})
	}
}

func TestDPMarginsAreSumsOfNoisyCells(t *testing.T) {
	tab := randomTableShape(4, 5)
	for i := range tab.Cells {
		tab.Cells[i].Count += 500
	}
	l := ledgerWith(t, "d", disclose.Budget{Epsilon: 1})
	r, err := disclose.Apply(context.Background(), tab, disclose.Policy{DP: laplace(1)}, disclose.Options{Dataset: "d", Ledger: l, Random: seeded(4)})
	if err != nil {
		t.Fatal(err)
	}
	var interior, grand int64
	differs := false
	for i, c := range r.Cells {
		switch {
		case !c.Margin:
			interior += c.Count
			if c.Count != tab.Cells[interiorIndex(i, 5)].Count {
				differs = true
			}
		case c.Levels[0] == disclose.TotalLevel && c.Levels[1] == disclose.TotalLevel:
			grand = c.Count
		}
	}
	if interior != grand {
		t.Errorf("grand total %d, want the sum of noisy cells %d", grand, interior)
	}
	if !differs {
		t.Error("no published cell differs from its true count: no noise was added")
	}
}

// interiorIndex maps a position in a result with margins (cols+1 per row)
// to the interior cell index.
func interiorIndex(i, cols int) int { return i/(cols+1)*cols + i%(cols+1) }

// TestDPAveragingAttackIsCutOffByBudget repeats one query to average the
// noise away; the ledger stops it after budget/ε answers.
func TestDPAveragingAttackIsCutOffByBudget(t *testing.T) {
	l := ledgerWith(t, "d", disclose.Budget{Epsilon: 1})
	answers := 0
	for range 100 {
		_, err := disclose.Apply(context.Background(), oneDim(37), disclose.Policy{DP: laplace(0.1)},
			disclose.Options{Dataset: "d", Ledger: l, Random: seeded(9)})
		if err != nil {
			if fault.Code(err) != fault.Disclosure {
				t.Fatal(err)
			}
			break
		}
		answers++
	}
	if answers != 10 {
		t.Errorf("attacker got %d answers at ε=0.1 from a budget of 1, want 10", answers)
	}
}
