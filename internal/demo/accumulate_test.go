package demo_test

import (
	"context"
	"crypto/ed25519"
	"encoding/csv"
	"io"
	"os"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/refdata"
	"github.com/civiclink/civiclink/internal/store"
)

// violenceInCSV counts the violence and sexual offences in one
// data.police.uk street file, read directly.
func violenceInCSV(tb testing.TB, name string) int64 {
	tb.Helper()
	path, err := refdata.Path("police_crime", name)
	if err != nil {
		tb.Skipf("reference data not available: %v", err)
	}
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		tb.Fatal(err)
	}
	col := -1
	for i, h := range head {
		if h == "crime_type" {
			col = i
		}
	}
	var n int64
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return n
		}
		if err != nil {
			tb.Fatal(err)
		}
		if rec[col] == "Violence and sexual offences" {
			n++
		}
	}
}

// TestStreetViolenceReadsEveryMonth loads the six monthly police files as
// versions of the accumulating street-crime dataset: the street-violence
// indicator by month then has all six months, each matching the count
// taken straight from its CSV; a purged month drops out; and the
// replacing road-casualties dataset still reads its latest version only.
func TestStreetViolenceReadsEveryMonth(t *testing.T) {
	months := []string{"2018-01", "2018-02", "2018-03", "2018-04", "2018-05", "2018-06"}
	want := map[string]int64{}
	for _, m := range months {
		want[m] = violenceInCSV(t, m+"-essex-street.csv")
	}
	ctx := context.Background()
	st, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := demo.LoadRealData(ctx, st, demo.Options{User: "test", Log: io.Discard}); err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	log, err := st.AuditLog(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	svc := govern.NewService(st, govern.AuditRecorder{Log: log})
	datasets, err := st.Datasets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	staff, err := demo.SetUpGovernance(ctx, svc, demo.Partners, datasets, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	county, err := geo.Load()
	if err != nil {
		t.Skipf("geography not available: %v", err)
	}
	auditor, err := st.Auditor(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e := &insight.Engine{Store: st, Gov: svc, Geo: county, Ledger: st, Auditor: auditor}
	ind, err := insight.FindIndicator("street-violence")
	if err != nil {
		t.Fatal(err)
	}
	analyst := staff["police.analyst"]
	byMonth := func() *disclose.Result {
		t.Helper()
		tab, err := e.Indicator(ctx, analyst, ind, []string{"month"})
		if err != nil {
			t.Fatal(err)
		}
		return tab.Result
	}
	res := byMonth()
	for _, m := range months {
		c, ok := res.Cell(m)
		if !ok || c.Status.Suppressed() || !within(c.Count, want[m]) {
			t.Errorf("%s: got %d (%s, found %v), want %d from the CSV, perturbed by at most %d", m, c.Count, c.Status, ok, want[m], maxShift)
		}
	}
	if n := len(res.Dims[0].Levels); n != len(months) {
		t.Errorf("%d months, want %d: %v", n, len(months), res.Dims[0].Levels)
	}

	// Retention: a purged month is no longer read.
	first, err := st.Version(ctx, "street-crime", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PurgeVersion(ctx, first, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	res = byMonth()
	if c, ok := res.Cell("2018-01"); ok && c.Count != 0 {
		t.Errorf("2018-01 after its version was purged: %d (%s), want none", c.Count, c.Status)
	}
	if c, _ := res.Cell("2018-06"); !within(c.Count, want["2018-06"]) {
		t.Errorf("2018-06 after purging 2018-01: %d, want %d", c.Count, want["2018-06"])
	}

	// A replacing dataset reads its latest version only.
	latest, err := st.Version(ctx, "road-casualties", 0)
	if err != nil {
		t.Fatal(err)
	}
	road, err := e.Aggregate(ctx, analyst, insight.AggregateQuery{Dataset: "road-casualties", By: []string{"Casualty_Severity"}, Purpose: "road-safety"})
	if err != nil {
		t.Fatal(err)
	}
	if tot, _ := road.Cell(disclose.TotalLevel); latest.Number < 2 || !within(tot.Count, latest.Rows) {
		t.Errorf("road casualties: total %d, want the latest version's %d rows alone (version %d)", tot.Count, latest.Rows, latest.Number)
	}
}

// maxShift is the most the default perturbation table moves a count.
var maxShift = disclose.DefaultPTable().MaxPerturbation()

// within reports whether a published count is within the perturbation
// table's reach of the truth.
func within(published, truth int64) bool {
	return published >= truth-maxShift && published <= truth+maxShift
}
