package linkrun_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/store"
)

var linked = []string{"police_incidents", "ae_attendances", "homelessness"}

const purpose = "violence-and-vulnerability"

// change says how a new version of a dataset differs from the last.
type change struct {
	removed, changed, added int
}

// newVersion writes and loads a new version of dataset (encoded as the
// county shared it): the first c.removed records gone, the next
// c.changed given the identifiers of another person's record in donor,
// and c.added new records copying the identifiers of donor records
// (people already known). It returns the truth updated to match and the
// ids of the changed records.
func newVersion(tb testing.TB, st *store.Store, dir, dataset, donor string, c change, truth eval.Truth) (eval.Truth, map[string]bool) {
	tb.Helper()
	rows := readCSV(tb, filepath.Join(dir, "encoded", dataset+".csv"))
	drows := readCSV(tb, filepath.Join(dir, "encoded", donor+".csv"))
	head, dhead := rows[0], drows[0]
	col := func(h []string, name string) int {
		for i, n := range h {
			if n == name {
				return i
			}
		}
		return -1
	}
	var idCols [][2]int // (dataset column, donor column)
	for i, n := range head {
		if strings.HasPrefix(n, "tok_") || strings.HasPrefix(n, "bf_") {
			if j := col(dhead, n); j >= 0 {
				idCols = append(idCols, [2]int{i, j})
			}
		}
	}
	rid, drid := col(head, "record_id"), col(dhead, "record_id")
	out := eval.Truth{}
	for k, v := range truth {
		if k.Dataset != dataset {
			out[k] = v
		}
	}
	body := rows[1+c.removed:]
	changed := map[string]bool{}
	for i, r := range body {
		ref := eval.Ref{Dataset: dataset, ID: r[rid]}
		out[ref] = truth[ref]
		if i < c.changed {
			d := drows[1+len(drows)/2+i] // a donor record far from the dataset's first ones
			for _, p := range idCols {
				r[p[0]] = d[p[1]]
			}
			out[ref] = truth[eval.Ref{Dataset: donor, ID: d[drid]}]
			changed[r[rid]] = true
		}
	}
	for i := range c.added {
		d := drows[1+i*7%(len(drows)-1)]
		r := append([]string(nil), body[len(body)-1]...)
		r[rid] = fmt.Sprintf("new-%04d", i)
		for _, p := range idCols {
			r[p[0]] = d[p[1]]
		}
		body = append(body, r)
		out[eval.Ref{Dataset: dataset, ID: r[rid]}] = truth[eval.Ref{Dataset: donor, ID: d[drid]}]
	}
	path := filepath.Join(tb.TempDir(), dataset+"-v2.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(head)
	w.WriteAll(body)
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	if _, err := ingest.Run(context.Background(), st, ingest.Request{DatasetID: dataset, Path: path, User: "test"}); err != nil {
		tb.Fatal(err)
	}
	return out, changed
}

func readCSV(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

// entities reads a run's entity of every record.
func entities(tb testing.TB, st *store.Store, run int64) map[linkrun.RecordKey]string {
	tb.Helper()
	rows, err := st.EntityRows(context.Background(), run)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[linkrun.RecordKey]string{}
	for _, r := range rows {
		out[linkrun.RecordKey{DatasetID: r.DatasetID, RecordID: r.RecordID}] = r.EntityID
	}
	return out
}

func TestIncrementalKeepsEntitiesAndQuality(t *testing.T) {
	st, svc, staff, dir := county(t, 1500)
	ctx := context.Background()
	u := staff["police.analyst"]
	tr := truth(t, dir)
	first, err := linkrun.Run(ctx, st, svc, u, linkrun.Request{Datasets: linked, Purpose: purpose, Truth: tr}, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := change{removed: 10, changed: 10, added: 25}
	tr2, changed := newVersion(t, st, dir, "homelessness", "police_incidents", c, tr)
	inc, err := linkrun.Run(ctx, st, svc, u, linkrun.Request{Datasets: linked, Purpose: purpose, Truth: tr2, Incremental: true}, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep := inc.Incremental
	t.Logf("incremental: %+v", *rep)
	if rep.Parent != first.Run.ID || rep.Removed != c.removed || rep.Changed != c.changed || rep.Added != c.added || rep.Unchanged != first.Records-c.removed-c.changed {
		t.Errorf("report %+v, want parent %d, %d removed, %d changed, %d added, %d unchanged", *rep, first.Run.ID, c.removed, c.changed, c.added, first.Records-c.removed-c.changed)
	}
	if inc.Run.Mode != "incremental" || inc.Run.ParentID != first.Run.ID || inc.Link.Model.Lambda != first.Link.Model.Lambda {
		t.Errorf("run mode %q parent %d, λ %g; want incremental from %d with the parent's model", inc.Run.Mode, inc.Run.ParentID, inc.Link.Model.Lambda, first.Run.ID)
	}
	before, after := entities(t, st, first.Run.ID), entities(t, st, inc.Run.ID)
	moved := 0
	for k, e := range before {
		if a, ok := after[k]; ok && a != e && !(k.DatasetID == "homelessness" && changed[k.RecordID]) {
			moved++
		}
	}
	if want := first.Records - c.removed - c.changed; len(after) != want+c.changed+c.added {
		t.Errorf("incremental run has %d records, want %d", len(after), want+c.changed+c.added)
	}
	if moved > 0 {
		t.Errorf("%d unchanged records changed entity in the incremental run", moved)
	}
	joined, known := 0, 0
	byPerson := map[string]string{}
	for k, e := range after {
		if k.DatasetID == "police_incidents" {
			byPerson[tr2[eval.Ref{Dataset: k.DatasetID, ID: k.RecordID}]] = e
		}
	}
	for i := range c.added {
		ref := eval.Ref{Dataset: "homelessness", ID: fmt.Sprintf("new-%04d", i)}
		if e, ok := byPerson[tr2[ref]]; ok {
			known++
			if after[linkrun.RecordKey{DatasetID: ref.Dataset, RecordID: ref.ID}] == e {
				joined++
			}
		}
	}
	if known == 0 || float64(joined) < 0.9*float64(known) {
		t.Errorf("%d of %d new records of known people joined their entity, want at least 90%%", joined, known)
	}
	full, err := linkrun.Run(ctx, st, svc, u, linkrun.Request{Datasets: linked, Purpose: purpose, Truth: tr2}, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fi, ii := full.Evaluation, inc.Evaluation
	t.Logf("full re-link: pairs F1 %.4f B-cubed F1 %.4f; incremental: pairs F1 %.4f B-cubed F1 %.4f", fi.Implied.F1, fi.Clusters.BCubedF1, ii.Implied.F1, ii.Clusters.BCubedF1)
	if math.Abs(fi.Implied.F1-ii.Implied.F1) > 0.01 || math.Abs(fi.Clusters.BCubedF1-ii.Clusters.BCubedF1) > 0.01 {
		t.Errorf("incremental quality (F1 %.4f, B-cubed %.4f) is more than 0.01 from the full re-link's (%.4f, %.4f)", ii.Implied.F1, ii.Clusters.BCubedF1, fi.Implied.F1, fi.Clusters.BCubedF1)
	}
	same := 0
	refull := entities(t, st, full.Run.ID)
	for k, e := range refull {
		if after[k] == e {
			same++
		}
	}
	if share := float64(same) / float64(len(refull)); share < 0.97 {
		t.Errorf("the full re-link kept the entity id of %.3f of records, want at least 0.97", share)
	}
	if full.Run.ParentID != inc.Run.ID {
		t.Errorf("full re-link took ids from run %d, want %d", full.Run.ParentID, inc.Run.ID)
	}
}
