package insight_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	gt "github.com/civiclink/civiclink/internal/govern/governtest"
	"github.com/civiclink/civiclink/internal/insight"
)

// TestDPTablesHaveOneShape asks for the same differentially private tables
// over two datasets, one with records in a district and one without, and
// over a filter that matches nothing: every answer has every declared
// level (all districts, every category code, every month of the data) and
// the same cells, and each is charged.
func TestDPTablesHaveOneShape(t *testing.T) {
	ctx := context.Background()
	county, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := gt.NewFixture(t, govern.NewGate(insight.Operations()...))
	// Two LSOAs in different districts; "without" has no record in the second.
	first, other := county.LSOAs[0], county.LSOAs[len(county.LSOAs)-1]
	load := func(id string, lsoas ...geo.LSOA) {
		d := &catalog.Dataset{ID: id, PartnerID: gt.OwnerPartner, Schema: gt.Schema()}
		if err := f.Store.CreateDataset(ctx, d); err != nil {
			t.Fatal(err)
		}
		w, err := f.Store.BeginLoad(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Abort()
		n := 0
		for _, l := range lsoas {
			for i := range 40 {
				n++
				if err := w.Append(fmt.Sprintf("r%d", n), gt.Start.AddDate(0, -3, i), l.Code, "a", "tok"); err != nil {
					t.Fatal(err)
				}
			}
		}
		v := &catalog.Version{Rows: int64(n), SHA256: id, Source: id, Format: "csv", LoadedBy: "t", Quality: &catalog.Quality{
			Columns: []catalog.ColumnQuality{{Name: "event_date", Type: catalog.TypeDate, Min: gt.Start.AddDate(0, -3, 0).Format("2006-01-02"), Max: gt.Start.AddDate(0, -3, 39).Format("2006-01-02")}}}}
		if err := w.Commit(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	load("with", first, other)
	load("without", first)
	a := gt.Agreement()
	cols := gt.Columns()
	budget := &govern.PrivacyBudget{Epsilon: 10, Period: "month"}
	a.Datasets = append(a.Datasets, govern.Share{Dataset: "with", Columns: cols, Budget: budget}, govern.Share{Dataset: "without", Columns: cols, Budget: budget})
	f.Activate(t, a)
	u := f.AddUser(t, "ana", gt.RecipientPartner, govern.Analyst)
	e := &insight.Engine{Store: f.Store, Gov: f.Service, Ledger: f.Store, Clock: f.Clock, Geo: county}
	dp := &disclose.DPConfig{Mechanism: disclose.Laplace, Epsilon: 0.5}
	shape := func(r *disclose.Result) string {
		var b strings.Builder
		for _, d := range r.Dims {
			fmt.Fprintf(&b, "%s:%s;", d.Name, strings.Join(d.Levels, ","))
		}
		for _, c := range r.Cells {
			fmt.Fprintf(&b, "%v/%v|", c.Levels, c.Margin)
		}
		return b.String()
	}
	nothing := "lsoa = '" + other.Code + "'"
	for _, by := range [][]string{{"district", "category"}, {"month"}} {
		var shapes []string
		for _, q := range []insight.AggregateQuery{{Dataset: "with"}, {Dataset: "without"}, {Dataset: "without", Where: nothing}} {
			q.Purpose, q.By, q.DP = gt.Purpose, by, dp
			before := spent(t, f, a, q.Dataset)
			res, err := e.Aggregate(ctx, u, q)
			if err != nil {
				t.Fatalf("%s by %v where %q: %v", q.Dataset, by, q.Where, err)
			}
			if got := spent(t, f, a, q.Dataset) - before; got < 0.49 {
				t.Errorf("%s by %v where %q: charged ε %g, want 0.5", q.Dataset, by, q.Where, got)
			}
			shapes = append(shapes, shape(res))
		}
		if shapes[0] != shapes[1] || shapes[1] != shapes[2] {
			t.Errorf("by %v: the shapes differ:\nwith:    %s\nwithout: %s\nnothing: %s", by, shapes[0], shapes[1], shapes[2])
		}
		if by[0] == "district" && !strings.Contains(shapes[1], other.LADCode) {
			t.Errorf("the district without records, %s, is missing: %s", other.LADCode, shapes[1])
		}
	}
	// A dimension without declared levels is refused, not answered in the
	// shape of the data.
	_, err = e.Aggregate(ctx, u, insight.AggregateQuery{Dataset: "with", Purpose: gt.Purpose, By: []string{"event_date"}, DP: dp})
	if fault.Code(err) != fault.Disclosure {
		t.Errorf("grouping a DP table by a column without declared levels: got %v, want refused", err)
	}
	if last := lastEntry(t, f); last.Outcome != govern.OutcomeDenied || !strings.HasPrefix(last.Reason, "disclosure: a differentially private table groups only") {
		t.Errorf("the refusal is on the record as %s (%q), want denied for disclosure", last.Outcome, last.Reason)
	}
	if !slices.Contains(county.LADCodes(), other.LADCode) {
		t.Fatalf("LSOA %s is not in a county district", other.Code)
	}
}

// spent is the ε spent on dataset under a this period.
func spent(tb testing.TB, f *gt.Fixture, a *govern.Agreement, dataset string) float64 {
	tb.Helper()
	bs, err := insight.Budgets(context.Background(), f.Store, a, f.Clock.Now())
	if err != nil {
		tb.Fatal(err)
	}
	for _, b := range bs {
		if b.Dataset == dataset {
			return b.Spent.Epsilon
		}
	}
	return 0
}
