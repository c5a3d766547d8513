package disclose_test

import (
	"context"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
)

// findings returns the report's findings by rule.
func findings(r *disclose.Result) map[string][]disclose.Finding {
	out := map[string][]disclose.Finding{}
	for _, f := range r.Report.Findings {
		out[f.Rule] = append(out[f.Rule], f)
	}
	return out
}

func TestReportFindings(t *testing.T) {
	r, err := disclose.Apply(context.Background(), districtMonth(), disclose.Policy{}, disclose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := findings(r)
	if got, want := len(f[disclose.RuleMinCount]), r.Report.Primary; got != want || got == 0 {
		t.Errorf("%d min-count findings, want one per primary cell (%d)", got, want)
	}
	if got, want := len(f[disclose.RuleSecondary]), r.Report.Secondary; got != want || got == 0 {
		t.Errorf("%d secondary findings, want one per complement (%d)", got, want)
	}
	for _, c := range r.Cells {
		if c.Status.Suppressed() && c.Reason == "" {
			t.Errorf("withheld cell %v has no reason", c.Levels)
		}
	}
	if !r.Report.Exact || r.Report.Threshold != 10 || r.Report.Cells != 9 || r.Report.Margins != 7 {
		t.Errorf("report header = %+v, want exact check, threshold 10, 9 cells, 7 margins", r.Report)
	}
}

func TestReportResidualRisk(t *testing.T) {
	tests := []struct {
		name    string
		policy  disclose.Policy
		low     int64
		high    int64
		wantAny bool
	}{
		// 3 and 4 withheld beside a published 30 and total 37: each lies
		// in [0, 7], narrower than the threshold.
		{"exact publication", disclose.Policy{}, 0, 7, true},
		// Rounded to 5, 30 and 37 become 30 and 35: each lies in [0, 9].
		{"rounded", disclose.Policy{RoundTo: 5}, 0, 9, true},
		// With threshold 5 the same bounds are wide enough.
		{"threshold 5", disclose.Policy{Threshold: 5}, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := disclose.Apply(context.Background(), oneDim(3, 4, 30), tt.policy, disclose.Options{})
			if err != nil {
				t.Fatal(err)
			}
			risk := findings(r)[disclose.RuleResidual]
			if !tt.wantAny {
				if len(risk) != 0 {
					t.Errorf("residual findings %+v, want none", risk)
				}
				return
			}
			if len(risk) != 2 {
				t.Fatalf("residual findings %+v, want two (cells a and b)", risk)
			}
			for _, f := range risk {
				if f.Low != tt.low || f.High != tt.high {
					t.Errorf("cell %v bounded to [%d, %d], want [%d, %d]", f.Levels, f.Low, f.High, tt.low, tt.high)
				}
			}
		})
	}
}

func TestReportDominanceAndMissingIDs(t *testing.T) {
	tab := disclose.NewTable("firms", disclose.Dim{Name: "ward", Levels: []string{"w1", "w2", "w3"}})
	tab.SumName = "turnover"
	tab.Cells[0] = disclose.Cell{Count: 15, Sum: 900, Top: []float64{700}}
	tab.Cells[1] = disclose.Cell{Count: 40, Sum: 800, Top: []float64{60}}
	tab.Cells[2] = disclose.Cell{Count: 35, Sum: 600, Top: []float64{50}}
	r, err := disclose.Apply(context.Background(), tab, disclose.Policy{}, disclose.Options{Dataset: "business", Auditor: disclose.NewAuditor()})
	if err != nil {
		t.Fatal(err)
	}
	f := findings(r)
	if d := f[disclose.RuleDominance]; len(d) != 1 || d[0].Levels[0] != "w1" {
		t.Errorf("dominance findings %+v, want one for w1", d)
	}
	if len(f[disclose.RuleNoAudit]) != 1 {
		t.Errorf("no finding that the differencing audit could not run without ids: %+v", r.Report.Findings)
	}
}

func TestReportDP(t *testing.T) {
	l := ledgerWith(t, "crime", disclose.Budget{Epsilon: 2})
	r, err := disclose.Apply(context.Background(), districtMonth(), disclose.Policy{DP: laplace(0.5)},
		disclose.Options{Dataset: "crime", Ledger: l, Random: seeded(5)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Report.Mechanism != "laplace" || r.Report.Spent == nil || r.Report.Spent.Epsilon != 0.5 || r.Report.BudgetLeft.Epsilon != 1.5 {
		t.Errorf("report = %+v, want laplace, spent ε=0.5, left ε=1.5", r.Report)
	}
	if len(findings(r)[disclose.RuleNoise]) != 1 {
		t.Errorf("no noise finding in %+v", r.Report.Findings)
	}
}
