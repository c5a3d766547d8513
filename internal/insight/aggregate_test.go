package insight_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/definitions"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/query/expr"
	"github.com/civiclink/civiclink/internal/refdata"
	"github.com/civiclink/civiclink/internal/store"
)

// governed is governance over st as in production: the store's own
// hash-chained audit log, a real Service, and an analyst of the police who
// owns the test datasets.
func governed(tb testing.TB, st *store.Store) (*govern.Service, *govern.User) {
	tb.Helper()
	ctx := context.Background()
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		tb.Fatal(err)
	}
	log, err := st.AuditLog(ctx, key)
	if err != nil {
		tb.Fatal(err)
	}
	svc := govern.NewService(st, govern.AuditRecorder{Log: log})
	u := &govern.User{ID: "ana", PartnerID: "police", Name: "Ana Analyst", Roles: []govern.Role{govern.Analyst}}
	if err := svc.Bootstrap(ctx, u, "correct horse battery staple"); err != nil {
		tb.Fatal(err)
	}
	return svc, u
}

// maxShift is the most the default perturbation table moves a count.
var maxShift = disclose.DefaultPTable().MaxPerturbation()

// near reports whether a published count (a number, not [c]) is within
// the perturbation table's reach of the true count.
func near(published string, truth int64) bool {
	var n int64
	if _, err := fmt.Sscan(published, &n); err != nil {
		return false
	}
	return n >= truth-maxShift && n <= truth+maxShift
}

// engine is an insight engine over st with governance and the auditor.
func engine(tb testing.TB, st *store.Store, auditor bool) (*insight.Engine, *govern.User) {
	tb.Helper()
	svc, u := governed(tb, st)
	e := &insight.Engine{Store: st, Gov: svc}
	if auditor {
		e.Auditor = disclose.NewAuditor()
	}
	return e, u
}

func openStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), "")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if err := st.CreatePartner(context.Background(), &catalog.Partner{ID: "police", Name: "Police"}); err != nil {
		tb.Fatal(err)
	}
	return st
}

func addDataset(tb testing.TB, st *store.Store, id string, sc *catalog.Schema, files ...string) {
	tb.Helper()
	ctx := context.Background()
	if err := st.CreateDataset(ctx, &catalog.Dataset{ID: id, PartnerID: "police", Schema: sc}); err != nil {
		tb.Fatal(err)
	}
	for _, f := range files {
		if _, err := ingest.Run(ctx, st, ingest.Request{DatasetID: id, Path: f, User: "test"}); err != nil {
			tb.Fatal(err)
		}
	}
}

// casualtiesStore is a store holding DfT's STATS19 casualty files for
// Essex, 2015–18, as versions 1–4 of dataset id; it skips without the
// reference data.
func casualtiesStore(t *testing.T, id string) *store.Store {
	t.Helper()
	b, err := definitions.FS.ReadFile("schemas/road-casualties.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := catalog.ParseSchema(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for y := 2015; y <= 2018; y++ {
		p, err := refdata.Path("road_safety_stats19", fmt.Sprintf("essex_pf42_casualties_%d.csv", y))
		if err != nil {
			t.Skipf("reference data: %v", err)
		}
		files = append(files, p)
	}
	st := openStore(t)
	addDataset(t, st, id, sc, files...)
	return st
}

// TestKSIMatchesDfT checks the whole path on real data: DfT's STATS19
// casualty files for Essex, one version per year, give the killed and
// seriously injured counts in DfT's own data. The killed counts for 2015,
// 2017 and 2018 (44, 46, 49) are also those Essex Police and the Safer
// Essex Roads Partnership published; for 2016 the police's January release
// said 64 killed and 970 seriously injured, later revised in DfT's data.
func TestKSIMatchesDfT(t *testing.T) {
	want := map[int][2]int64{2015: {44, 734}, 2016: {63, 962}, 2017: {46, 881}, 2018: {49, 882}}
	st := casualtiesStore(t, "casualties")
	e, u := engine(t, st, true)
	for i, y := 1, 2015; y <= 2018; i, y = i+1, y+1 {
		res, err := e.Aggregate(context.Background(), u, insight.AggregateQuery{Purpose: "road-safety", Dataset: "casualties", Version: i, By: []string{"Casualty_Severity"}, Where: "Casualty_Severity IN ('1', '2')"})
		if err != nil {
			t.Fatal(err)
		}
		killed, _ := res.Cell("1")
		serious, _ := res.Cell("2")
		if !near(killed.Display(), want[y][0]) || !near(serious.Display(), want[y][1]) || killed.Status != disclose.Perturbed || serious.Status != disclose.Perturbed {
			t.Errorf("%d: killed %s (%s), serious %s (%s); want %d and %d, perturbed by at most %d", y, killed.Display(), killed.Status, serious.Display(), serious.Status, want[y][0], want[y][1], maxShift)
		}
		if total, _ := res.Cell(disclose.TotalLevel); !near(total.Display(), want[y][0]+want[y][1]) {
			t.Errorf("%d: KSI total %d, want %d perturbed by at most %d", y, total.Count, want[y][0]+want[y][1], maxShift)
		}
	}
}

// county writes a small incidents file: Basildon 30 violence (one person
// aged 44) and 20 thefts, Braintree 4 violence and 15 thefts, Chelmsford 25
// of each.
func county(tb testing.TB) (*store.Store, *catalog.Schema) {
	tb.Helper()
	sc, err := catalog.ParseSchema(strings.NewReader(`{"columns": [
	 {"name": "id", "type": "string", "role": "record-id"},
	 {"name": "on", "type": "date", "role": "event-date"},
	 {"name": "district", "type": "lad-code", "role": "geography"},
	 {"name": "kind", "type": "category", "codes": ["violence", "theft"]},
	 {"name": "age", "type": "integer"},
	 {"name": "cost", "type": "decimal"}]}`))
	if err != nil {
		tb.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("id,on,district,kind,age,cost\n")
	n := 0
	add := func(district string, count int, kind string) {
		for range count {
			n++
			age := 20 + n%20
			if n == 7 {
				age = 44
			}
			fmt.Fprintf(&b, "r%d,2024-0%d-15,%s,%s,%d,%d\n", n, 1+n%3, district, kind, age, 100+n)
		}
	}
	add("E07000066", 30, "violence")
	add("E07000066", 20, "theft")
	add("E07000067", 4, "violence")
	add("E07000067", 15, "theft")
	add("E07000070", 25, "violence")
	add("E07000070", 25, "theft")
	p := filepath.Join(tb.TempDir(), "incidents.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		tb.Fatal(err)
	}
	st := openStore(tb)
	addDataset(tb, st, "incidents", sc, p)
	return st, sc
}

func TestAggregatePerturbsAndSuppressesSmallCells(t *testing.T) {
	st, _ := county(t)
	e, u := engine(t, st, true)
	res, err := e.Aggregate(context.Background(), u, insight.AggregateQuery{Purpose: "road-safety", Dataset: "incidents", By: []string{"district", "kind"}})
	if err != nil {
		t.Fatal(err)
	}
	var csv bytes.Buffer
	if err := disclose.WriteCSV(&csv, res); err != nil {
		t.Fatal(err)
	}
	out := csv.String()
	if !strings.Contains(out, "E07000067,violence,[c],") {
		t.Errorf("Braintree's 4 incidents are not suppressed as [c]:\n%s", out)
	}
	// Every other count, totals included, is published within the
	// perturbation table's reach of the truth: no complementary
	// suppression, since the totals are perturbed in their own right.
	truth := map[string]int64{"E07000066,violence": 30, "E07000066,theft": 20, "E07000066,Total": 50,
		"E07000067,theft": 15, "E07000070,Total": 50, "Total,Total": 119}
	for cell, n := range truth {
		lv := strings.Split(cell, ",")
		c, ok := res.Cell(lv...)
		if !ok || c.Status != disclose.Perturbed || !near(c.Display(), n) {
			t.Errorf("%s = %s (%s), want %d perturbed by at most %d:\n%s", cell, c.Display(), c.Status, n, maxShift, out)
		}
	}
	if !strings.Contains(out, "district,kind,count,protection,threshold,reference_period\n") || !strings.Contains(out, ",perturbation+suppression,10,2024-01-15 to 2024-03-15\n") {
		t.Errorf("the CSV does not say how it was protected:\n%s", out)
	}
}

func TestAggregateQueryErrors(t *testing.T) {
	st, _ := county(t)
	e, u := engine(t, st, false)
	tests := []struct {
		q    insight.AggregateQuery
		code string
		want string
	}{
		{insight.AggregateQuery{Dataset: "nope", By: []string{"kind"}}, fault.NotFound, "no dataset"},
		{insight.AggregateQuery{Dataset: "incidents"}, fault.Invalid, "say what to group by"},
		{insight.AggregateQuery{Dataset: "incidents", By: []string{"id"}}, fault.Forbidden, "id is the record id: " + expr.RuleSinglesOut},
		{insight.AggregateQuery{Dataset: "incidents", By: []string{"kind"}, Where: "id = 'r7' AND kind = 'violence'"}, fault.Forbidden, "id is the record id"},
		{insight.AggregateQuery{Dataset: "incidents", By: []string{"kind"}, Where: "cost > 120"}, fault.Forbidden, "cost holds a different value for nearly every record"},
		{insight.AggregateQuery{Dataset: "incidents", By: []string{"cost"}}, fault.Invalid, "too many distinct values"},
		{insight.AggregateQuery{Dataset: "incidents", By: []string{"colour"}}, fault.Invalid, "no such column"},
		{insight.AggregateQuery{Dataset: "incidents", By: []string{"kind"}, Where: "age = 'old'"}, fault.Invalid, "whole number"},
		{insight.AggregateQuery{Dataset: "incidents", By: []string{"kind"}, Measure: "median:age"}, fault.Invalid, "unknown measure"},
		{insight.AggregateQuery{Dataset: "incidents", By: []string{"kind"}, Measure: "sum:kind"}, fault.Invalid, "no numeric column"},
	}
	for _, tt := range tests {
		tt.q.Purpose = "violence-and-vulnerability"
		_, err := e.Aggregate(context.Background(), u, tt.q)
		if fault.Code(err) != tt.code || !strings.Contains(fault.Message(err), tt.want) {
			t.Errorf("%+v: error %v (%s), want %s containing %q", tt.q, err, fault.Code(err), tt.code, tt.want)
		}
	}
}

// TestDifferencingAttack is the attack an analyst could try: count incidents
// in Basildon, then count them again leaving out people aged 44. The
// difference of the two published figures is that one person plus the
// noise of two independent perturbations, which the cell-key method
// protects: the pair is published. Averaging that noise away needs more
// pairs that leave out the same person (here, again, from the incidents
// of people not aged 21): once the person has been exposed as often as
// the perturbation table's exposure budget allows, the next such table is
// withheld, whole, so the refusal does not say where the person is.
func TestDifferencingAttack(t *testing.T) {
	st, _ := county(t)
	e, u := engine(t, st, true)
	ctx := context.Background()
	ask := func(where string) *disclose.Result {
		t.Helper()
		r, err := e.Aggregate(ctx, u, insight.AggregateQuery{Purpose: "road-safety", Dataset: "incidents", By: []string{"district"}, Where: where})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	whole := func(r *disclose.Result) bool {
		n := 0
		for _, c := range r.Cells {
			if c.Status.Suppressed() {
				n++
			}
		}
		return n == len(r.Cells)
	}
	first, second := ask(""), ask("age != 44")
	a, _ := first.Cell("E07000066")
	b, _ := second.Cell("E07000066")
	if a.Status.Suppressed() || b.Status.Suppressed() {
		t.Fatalf("one pair leaving out one person was withheld (Basildon %s then %s): the perturbation protects a single difference", a.Status, b.Status)
	}
	// Basildon and the county total each exposed the person once: the
	// shipped table's budget (2) is spent.
	if third := ask("age != 21"); whole(third) {
		t.Fatalf("a filter leaving out others was withheld: %s", third.Protection.Withheld)
	}
	fourth := ask("age != 21 AND age != 44")
	if !whole(fourth) {
		c, _ := fourth.Cell("E07000066")
		t.Fatalf("a third pair isolating the same person was published (Basildon %s %d); its noise could be averaged away", c.Status, c.Count)
	}
	if fourth.Protection.Withheld == "" {
		t.Error("the withheld table does not say why")
	}
}

// TestDifferencingAttackNeedsTheAuditor is the control for the test above:
// without the auditor both tables are published (perturbed, so their
// difference is the person plus noise), so the auditor is what withholds.
func TestDifferencingAttackNeedsTheAuditor(t *testing.T) {
	st, _ := county(t)
	e, u := engine(t, st, false)
	ctx := context.Background()
	first, err := e.Aggregate(ctx, u, insight.AggregateQuery{Purpose: "road-safety", Dataset: "incidents", By: []string{"district"}})
	if err != nil {
		t.Fatal(err)
	}
	second, err := e.Aggregate(ctx, u, insight.AggregateQuery{Purpose: "road-safety", Dataset: "incidents", By: []string{"district"}, Where: "age != 44"})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := first.Cell("E07000066")
	b, _ := second.Cell("E07000066")
	if a.Status.Suppressed() || b.Status.Suppressed() || !near(a.Display(), 50) || !near(b.Display(), 49) {
		t.Errorf("without the auditor: %d (%s) then %d (%s); the control expects both published near 50 and 49", a.Count, a.Status, b.Count, b.Status)
	}
}
