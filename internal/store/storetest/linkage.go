package storetest

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// linkedCounty loads incidents and attendances and stores a run linking
// them into five people: A = p1+a1, B = p2+a2, … E = p5+a5, with two
// kept pairs and one pair under review.
func linkedCounty(tb testing.TB, st Store) (inc, att *catalog.Version, run *linkrun.LinkageRun) {
	tb.Helper()
	_, inc = load(tb, st, "incidents", "police", incidentsSchema, incidentsCSV)
	_, att = load(tb, st, "attendances", "nhs", attendancesSchema, attendancesCSV)
	var w linkrun.LinkageWrite
	for i, e := range []string{"A", "B", "C", "D", "E"} {
		n := fmt.Sprint(i + 1)
		w.Entities = append(w.Entities, linkrun.EntityRow{DatasetID: "incidents", RecordID: "p" + n, EntityID: e, Fingerprint: int64(10 + i)},
			linkrun.EntityRow{DatasetID: "attendances", RecordID: "a" + n, EntityID: e, Fingerprint: int64(20 + i)})
	}
	w.Pairs = []linkrun.PairRow{
		{DatasetL: "incidents", RecordL: "p1", DatasetR: "attendances", RecordR: "a1", Probability: 0.99, Weight: 12.5},
		{DatasetL: "incidents", RecordL: "p2", DatasetR: "attendances", RecordR: "a2", Probability: 0.97, Weight: 9.2},
	}
	w.Review = []linkrun.ReviewRow{{Pair: 1, DatasetL: "incidents", RecordL: "p5", DatasetR: "attendances", RecordR: "a5", Probability: 0.5, Weight: 0.1,
		Fields: []linkrun.ReviewField{{Comparison: "dob", Level: "exact", Weight: 3.5}, {Comparison: "name", Level: "else", Weight: -3.4}}}}
	run = &linkrun.LinkageRun{CreatedBy: "test", Purpose: "violence-and-vulnerability", Params: []byte(`{"threshold":0.9}`), Quality: []byte(`{"records":10}`),
		Datasets: []linkrun.LinkedVersion{{DatasetID: "incidents", Version: inc.Number}, {DatasetID: "attendances", Version: att.Number}}}
	if err := st.WriteLinkageRun(context.Background(), run, w); err != nil {
		tb.Fatal(err)
	}
	return inc, att, run
}

func linkageRuns(t *testing.T, st Store) {
	ctx := context.Background()
	inc, _, run := linkedCounty(t, st)
	if run.ID == 0 || run.CreatedAt.IsZero() || run.Mode != "full" {
		t.Errorf("written run = %+v; want an id, a time and mode full", run)
	}
	got, err := st.LinkageRun(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.CreatedBy != "test" || got.Purpose != run.Purpose || !reflect.DeepEqual(got.Datasets, run.Datasets) || string(got.Quality) != `{"records":10}` || got.CreatedAt.Sub(run.CreatedAt).Abs() > time.Millisecond { // a backend may keep microseconds
		t.Errorf("LinkageRun = %+v, want %+v", got, run)
	}
	next := &linkrun.LinkageRun{CreatedBy: "test", Mode: "incremental", ParentID: run.ID, Datasets: run.Datasets[:1]}
	dropped := []linkrun.RecordKey{{DatasetID: "incidents", RecordID: "p2"}}
	if err := st.WriteLinkageRun(ctx, next, linkrun.LinkageWrite{CarryFrom: run.ID, CarryEntities: true, Dropped: dropped,
		Entities: []linkrun.EntityRow{{DatasetID: "incidents", RecordID: "p2", EntityID: "F"}}}); err != nil {
		t.Fatal(err)
	}
	if latest, err := st.LinkageRun(ctx, 0); err != nil || latest.ID != next.ID || latest.ParentID != run.ID || latest.Mode != "incremental" {
		t.Errorf("LinkageRun(0) = %+v, %v; want the incremental run %d", latest, err, next.ID)
	}
	if _, err := st.LinkageRun(ctx, next.ID+100); fault.Code(err) != fault.NotFound {
		t.Errorf("missing run: err %v, want not found", err)
	}
	runs, err := st.LinkageRuns(ctx)
	if err != nil || len(runs) != 2 || runs[0].ID != next.ID || runs[1].ID != run.ID {
		t.Errorf("LinkageRuns = %v, %v; want newest first", runs, err)
	}
	// The incremental run carried every entity but p2's, which it re-linked,
	// and the pair not touching p2.
	ents, err := st.EntityRows(ctx, next.ID)
	if err != nil {
		t.Fatal(err)
	}
	byRecord := map[string]string{}
	for _, e := range ents {
		byRecord[e.RecordID] = e.EntityID
	}
	if len(ents) != 10 || byRecord["p2"] != "F" || byRecord["p1"] != "A" || byRecord["a2"] != "B" {
		t.Errorf("carried entities = %v, want 10 with p2 in F and the rest kept", byRecord)
	}
	pairs, weights, err := st.LinkagePairStats(ctx, next.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 1 || pairs[0].Pairs != 1 || pairs[0].DatasetL != "attendances" || pairs[0].DatasetR != "incidents" {
		t.Errorf("carried pair counts = %+v, want one attendances–incidents pair", pairs)
	}
	if len(weights) != 1 || weights[0].From != 12 || weights[0].Pairs != 1 {
		t.Errorf("carried weights = %+v, want one pair in [12, 13)", weights)
	}
	// Record-level reads: an entity's own records in the named datasets, and
	// a version's identifiers.
	recs, err := st.EntityRecords(ctx, run.ID, []string{"A", "C"}, []string{"attendances"})
	if want := [][2]string{{"attendances", "a1"}, {"attendances", "a3"}}; err != nil || !reflect.DeepEqual(recs, want) {
		t.Errorf("EntityRecords = %v, %v; want %v", recs, err, want)
	}
	var rows [][]string
	err = st.IdentifierRows(ctx, inc, "incident_id", []string{"kind", "absent"}, func(r []string) error {
		rows = append(rows, slices.Clone(r))
		return nil
	})
	if err != nil || len(rows) != 5 || !reflect.DeepEqual(rows[0], []string{"p1", "violence", ""}) {
		t.Errorf("IdentifierRows = %v, %v; want 5 rows from [p1 violence \"\"]", rows, err)
	}
}

func reviewAndLabels(t *testing.T, st Store) {
	ctx := context.Background()
	_, _, run := linkedCounty(t, st)
	rows, err := st.ReviewRows(ctx, run.ID, 0)
	if err != nil || len(rows) != 1 {
		t.Fatalf("ReviewRows = %v, %v; want one", rows, err)
	}
	r := rows[0]
	if r.RecordL != "p5" || r.RecordR != "a5" || len(r.Fields) != 2 || r.Fields[1].Weight != -3.4 || r.Decision != nil {
		t.Errorf("review row = %+v", r)
	}
	if _, err := st.ReviewPair(ctx, run.ID, 2); fault.Code(err) != fault.NotFound {
		t.Errorf("missing pair: err %v, want not found", err)
	}
	for _, d := range []string{"match", "non-match"} {
		l := &linkrun.Label{RunID: run.ID, Pair: 1, DatasetL: r.DatasetL, RecordL: r.RecordL, DatasetR: r.DatasetR, RecordR: r.RecordR, Decision: d, By: "reviewer"}
		if err := st.SaveLabel(ctx, l); err != nil {
			t.Fatal(err)
		}
		if l.ID == 0 || l.At.IsZero() {
			t.Errorf("saved label = %+v; want an id and a time", l)
		}
	}
	p, err := st.ReviewPair(ctx, run.ID, 1)
	if err != nil || p.Decision == nil || p.Decision.Decision != "non-match" || p.Decision.By != "reviewer" {
		t.Errorf("ReviewPair = %+v, %v; want the latest decision, non-match", p, err)
	}
	ls, err := st.Labels(ctx, []string{"incidents", "attendances"})
	if err != nil || len(ls) != 1 || ls[0].Decision != "non-match" || ls[0].RecordL != "p5" {
		t.Errorf("Labels = %+v, %v; want the decision in force, non-match", ls, err)
	}
	if ls, err := st.Labels(ctx, []string{"incidents"}); err != nil || len(ls) != 0 {
		t.Errorf("Labels(incidents only) = %+v, %v; want none", ls, err)
	}
}

// adoptionsAndApprovals: a store's first run is current as it is written;
// an adoption lands only as the next in the history (one of eight at
// once); approvals are kept per partner and history, once each.
func adoptionsAndApprovals(t *testing.T, st Store) {
	ctx := context.Background()
	if _, err := st.CurrentLinkageRun(ctx); fault.Code(err) != fault.NotFound {
		t.Errorf("current run of an empty store: %v, want not found", err)
	}
	_, _, first := linkedCounty(t, st)
	hist, err := st.Adoptions(ctx)
	if err != nil || len(hist) != 1 || hist[0].Seq != 1 || hist[0].RunID != first.ID || hist[0].Action != "first" {
		t.Fatalf("history after the first run = %+v, %v; want it adopted as the first", hist, err)
	}
	second := &linkrun.LinkageRun{CreatedBy: "test", Datasets: first.Datasets}
	if err := st.WriteLinkageRun(ctx, second, linkrun.LinkageWrite{CarryFrom: first.ID, CarryEntities: true}); err != nil {
		t.Fatal(err)
	}
	if cur, err := st.CurrentLinkageRun(ctx); err != nil || cur.ID != first.ID {
		t.Errorf("current run after a second = %+v, %v; want still the first", cur, err)
	}
	a := &linkrun.Approval{RunID: second.ID, PartnerID: "police", Base: 1, By: "owner", At: time.Now()}
	if err := st.AddApproval(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := st.AddApproval(ctx, a); fault.Code(err) != fault.Conflict {
		t.Errorf("the same approval twice: %v, want a conflict", err)
	}
	if got, err := st.Approvals(ctx, second.ID, 1); err != nil || len(got) != 1 || got[0].PartnerID != "police" || got[0].By != "owner" {
		t.Errorf("Approvals = %+v, %v; want police's", got, err)
	}
	if got, err := st.Approvals(ctx, second.ID, 2); err != nil || len(got) != 0 {
		t.Errorf("Approvals against another history = %+v, %v; want none", got, err)
	}
	errs := make(chan error, 8)
	for i := range 8 {
		go func() {
			errs <- st.AddAdoption(ctx, &linkrun.Adoption{Seq: 2, RunID: second.ID, Action: "adopt", By: fmt.Sprint("steward", i), At: time.Now()})
		}()
	}
	landed := 0
	for range 8 {
		switch err := <-errs; fault.Code(err) {
		case "":
			landed++
		case fault.Conflict:
		default:
			t.Errorf("an adoption at once with others: %v, want it landed or a conflict", err)
		}
	}
	if landed != 1 {
		t.Errorf("%d of 8 adoptions at once landed, want 1", landed)
	}
	if cur, err := st.CurrentLinkageRun(ctx); err != nil || cur.ID != second.ID {
		t.Errorf("current run after the adoption = %+v, %v; want %d", cur, err, second.ID)
	}
	if err := st.AddAdoption(ctx, &linkrun.Adoption{Seq: 2, RunID: first.ID, Action: "rollback", By: "late", At: time.Now()}); fault.Code(err) != fault.Conflict {
		t.Errorf("an adoption on a stale history: %v, want a conflict", err)
	}
}
