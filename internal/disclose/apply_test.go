package disclose_test

import (
	"context"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
)

// oneDim returns a 1-D table of counts over levels a, b, c, ...
func oneDim(counts ...int64) *disclose.Table {
	d := disclose.Dim{Name: "district"}
	for i := range counts {
		d.Levels = append(d.Levels, string(rune('a'+i)))
	}
	t := disclose.NewTable("count", d)
	for i, n := range counts {
		t.Cells[i].Count = n
	}
	return t
}

// displays returns every published cell's display string, margins last.
func displays(r *disclose.Result) string {
	var s []string
	for _, c := range r.Cells {
		s = append(s, c.Display())
	}
	return strings.Join(s, " ")
}

func TestPrimarySuppression(t *testing.T) {
	tests := []struct {
		name   string
		counts []int64
		policy disclose.Policy
		want   string
	}{
		{"default threshold 10, zeros shown", []int64{0, 3, 9, 10, 25}, disclose.Policy{}, "0 [c] [c] 10 25 47"},
		{"threshold 5", []int64{0, 3, 9, 10, 25}, disclose.Policy{Threshold: 5}, "0 [c] [c] 10 25 47"},
		{"zeros suppressed", []int64{0, 12, 30}, disclose.Policy{SuppressZeros: true}, "[c] [c] 30 42"},
		{"nothing small", []int64{10, 11, 12}, disclose.Policy{}, "10 11 12 33"},
		{"one small cell takes a complement", []int64{4, 20, 30}, disclose.Policy{}, "[c] [c] 30 54"},
		{"small total", []int64{2, 0, 3}, disclose.Policy{}, "[c] 0 [c] [c]"},
		{"rounded to 5, total independently", []int64{11, 11, 11}, disclose.Policy{RoundTo: 5}, "10 10 10 35"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := disclose.Apply(context.Background(), oneDim(tt.counts...), tt.policy, disclose.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := displays(r); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStatusesAndReasons(t *testing.T) {
	r, err := disclose.Apply(context.Background(), oneDim(4, 20, 30), disclose.Policy{RoundTo: 5}, disclose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []disclose.Status{disclose.SuppressedPrimary, disclose.SuppressedSecondary, disclose.Rounded, disclose.Rounded}
	for i, c := range r.Cells {
		if c.Status != want[i] {
			t.Errorf("cell %v status = %s, want %s", c.Levels, c.Status, want[i])
		}
		if c.Status.Suppressed() && (c.Count != 0 || strings.ContainsAny(c.Reason, "0123456789") && !strings.Contains(c.Reason, "10")) {
			t.Errorf("withheld cell %v carries count %d or a value in its reason %q", c.Levels, c.Count, c.Reason)
		}
	}
	if got, want := r.Cells[3].Levels[0], disclose.TotalLevel; got != want || !r.Cells[3].Margin {
		t.Errorf("last cell = %v (margin %v), want the %s margin", r.Cells[3].Levels, r.Cells[3].Margin, want)
	}
	if r.Report.Primary != 1 || r.Report.Secondary != 1 || r.Report.MinShown != 30 {
		t.Errorf("report primary=%d secondary=%d min=%d, want 1, 1, 30", r.Report.Primary, r.Report.Secondary, r.Report.MinShown)
	}
}

func TestRoundingBase(t *testing.T) {
	tests := []struct{ v, base, want int64 }{
		{0, 5, 0}, {2, 5, 0}, {3, 5, 5}, {12, 5, 10}, {13, 5, 15}, {7, 1, 7}, {7, 0, 7}, {15, 10, 20}, {14, 10, 10},
	}
	for _, tt := range tests {
		r, err := disclose.Apply(context.Background(), oneDim(tt.v), disclose.Policy{Threshold: 1, RoundTo: tt.base}, disclose.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Cells[0].Count; got != tt.want {
			t.Errorf("round %d to base %d = %d, want %d", tt.v, tt.base, got, tt.want)
		}
	}
}

func TestOmitMargins(t *testing.T) {
	tab := randomTableShape(3, 4)
	r, err := disclose.Apply(context.Background(), tab, disclose.Policy{OmitMargins: true}, disclose.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(r.Cells), 12; got != want {
		t.Fatalf("got %d cells, want %d interior cells", got, want)
	}
	for _, c := range r.Cells {
		if c.Margin {
			t.Errorf("margin %v published with OmitMargins", c.Levels)
		}
	}
}

func randomTableShape(rows, cols int) *disclose.Table {
	t := disclose.NewTable("count",
		disclose.Dim{Name: "district", Levels: levels("d", rows)},
		disclose.Dim{Name: "month", Levels: levels("m", cols)})
	for i := range t.Cells {
		t.Cells[i].Count = int64((i*37)%23 + 1)
	}
	return t
}

func levels(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, prefix+string(rune('A'+i)))
	}
	return out
}

func TestInvalidTables(t *testing.T) {
	tests := []struct {
		name string
		tab  *disclose.Table
		p    disclose.Policy
	}{
		{"no dimensions", &disclose.Table{}, disclose.Policy{}},
		{"wrong cell count", &disclose.Table{Dims: []disclose.Dim{{Name: "a", Levels: []string{"x", "y"}}}, Cells: make([]disclose.Cell, 1)}, disclose.Policy{}},
		{"repeated dimension", disclose.NewTable("", disclose.Dim{Name: "a", Levels: []string{"x"}}, disclose.Dim{Name: "a", Levels: []string{"y"}}), disclose.Policy{}},
		{"reserved level", disclose.NewTable("", disclose.Dim{Name: "a", Levels: []string{disclose.TotalLevel}}), disclose.Policy{}},
		{"negative count", oneDim(-1), disclose.Policy{}},
		{"ids do not match count", &disclose.Table{Dims: []disclose.Dim{{Name: "a", Levels: []string{"x"}}}, Cells: []disclose.Cell{{Count: 2, IDs: []string{"p1"}}}}, disclose.Policy{}},
		{"negative threshold", oneDim(1), disclose.Policy{Threshold: -1}},
		{"groups do not match levels", disclose.NewTable("", disclose.Dim{Name: "a", Levels: []string{"x", "y"}, Groups: []string{"g"}}), disclose.Policy{}},
		{"group named like a level", disclose.NewTable("", disclose.Dim{Name: "a", Levels: []string{"x", "y"}, Groups: []string{"y", "y"}}), disclose.Policy{}},
		{"bad dominance", oneDim(1), disclose.Policy{Dominance: disclose.Dominance{N: 1, K: 150}}},
		{"unknown mechanism", oneDim(1), disclose.Policy{DP: &disclose.DPConfig{Mechanism: "uniform", Epsilon: 1}}},
		{"gaussian without delta", oneDim(1), disclose.Policy{DP: &disclose.DPConfig{Mechanism: disclose.Gaussian, Epsilon: 1}}},
		{"laplace with delta", oneDim(1), disclose.Policy{DP: &disclose.DPConfig{Mechanism: disclose.Laplace, Epsilon: 1, Delta: 1e-6}}},
		{"zero epsilon", oneDim(1), disclose.Policy{DP: &disclose.DPConfig{Mechanism: disclose.Laplace}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := disclose.Apply(context.Background(), tt.tab, tt.p, disclose.Options{})
			if got, want := fault.Code(err), fault.Invalid; got != want {
				t.Errorf("error code = %q (%v), want %q", got, err, want)
			}
		})
	}
}

func TestTableIndex(t *testing.T) {
	tab := disclose.NewTable("count",
		disclose.Dim{Name: "district", Levels: []string{"Basildon", "Harlow"}},
		disclose.Dim{Name: "month", Levels: []string{"2018-01", "2018-02", "2018-03"}})
	if err := tab.Set(disclose.Cell{Count: 7}, "Harlow", "2018-02"); err != nil {
		t.Fatal(err)
	}
	if got, want := tab.Cells[4].Count, int64(7); got != want {
		t.Errorf("cell (Harlow, 2018-02) = %d, want %d at row-major position 4", got, want)
	}
	for _, bad := range [][]string{{"Harlow"}, {"Colchester", "2018-01"}} {
		if err := tab.Set(disclose.Cell{}, bad...); fault.Code(err) != fault.Invalid {
			t.Errorf("Set(%v) error = %v, want invalid", bad, err)
		}
	}
}

func TestDominance(t *testing.T) {
	tests := []struct {
		name string
		cell disclose.Cell
		dom  disclose.Dominance
		want disclose.Status
	}{
		{"top contributor over half", disclose.Cell{Count: 12, Sum: 1000, Top: []float64{600}}, disclose.Dominance{}, disclose.SuppressedPrimary},
		{"no dominant contributor", disclose.Cell{Count: 12, Sum: 1000, Top: []float64{300}}, disclose.Dominance{}, disclose.Shown},
		{"(2, 80) rule", disclose.Cell{Count: 12, Sum: 1000, Top: []float64{450, 400}}, disclose.Dominance{N: 2, K: 80}, disclose.SuppressedPrimary},
		{"(2, 80) rule, second unknown bounded by first", disclose.Cell{Count: 12, Sum: 1000, Top: []float64{450}}, disclose.Dominance{N: 2, K: 80}, disclose.SuppressedPrimary},
		{"p% rule passes", disclose.Cell{Count: 12, Sum: 1000, Top: []float64{400, 300}}, disclose.Dominance{N: 1, K: 50, P: 10}, disclose.Shown},
		{"p% rule fails", disclose.Cell{Count: 12, Sum: 1000, Top: []float64{480, 490}}, disclose.Dominance{N: 1, K: 100, P: 10}, disclose.SuppressedPrimary},
		{"no contribution data", disclose.Cell{Count: 12, Sum: 1000}, disclose.Dominance{}, disclose.SuppressedPrimary},
		{"small count beats dominance", disclose.Cell{Count: 3, Sum: 10, Top: []float64{4}}, disclose.Dominance{}, disclose.SuppressedPrimary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := disclose.NewTable("people", disclose.Dim{Name: "ward", Levels: []string{"w1", "w2", "w3"}})
			tab.SumName = "days"
			tab.Cells[0] = tt.cell
			for i := 1; i < 3; i++ {
				tab.Cells[i] = disclose.Cell{Count: 50, Sum: 5000, Top: []float64{200, 190}}
			}
			r, err := disclose.Apply(context.Background(), tab, disclose.Policy{Dominance: tt.dom}, disclose.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Cells[0].Status; got != tt.want {
				t.Errorf("status = %s (%s), want %s", got, r.Cells[0].Reason, tt.want)
			}
		})
	}
}
