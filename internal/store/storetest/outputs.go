package storetest

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/output"
)

func outputs(t *testing.T, st Store) {
	ctx := context.Background()
	draft := func(series string) *output.Output {
		t.Helper()
		o := &output.Output{Series: series, Title: "Violence by district", Indicator: series, By: []string{"district"}, Purpose: "violence-and-vulnerability",
			Datasets: []string{"incidents"}, Columns: map[string][]string{"incidents": {"district"}}, Status: output.Draft,
			Table: &disclose.Result{}, Report: &disclose.Report{}, CreatedBy: "ana", CreatedAt: t0}
		if err := st.CreateOutput(ctx, o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	first, second, other := draft("violence"), draft("violence"), draft("theft")
	if first.Version != 1 || second.Version != 2 || other.Version != 1 || first.ID == second.ID {
		t.Errorf("versions %d, %d, %d (ids %d, %d); want 1, 2 of one series and 1 of another", first.Version, second.Version, other.Version, first.ID, second.ID)
	}
	got, err := st.Output(ctx, second.ID)
	if err != nil || got.Series != "violence" || got.Status != output.Draft || got.Columns["incidents"][0] != "district" || !got.CreatedAt.Equal(t0) {
		t.Errorf("Output = %+v, %v", got, err)
	}
	if _, err := st.Output(ctx, other.ID+100); fault.Code(err) != fault.NotFound {
		t.Errorf("missing output: err %v, want not found", err)
	}
	all, err := st.Outputs(ctx)
	if err != nil || len(all) != 3 || all[0].ID != other.ID {
		t.Errorf("Outputs = %v, %v; want 3, newest first", all, err)
	}
	at := t0.Add(time.Hour)
	if err := st.TransitionOutput(ctx, first.ID, output.Draft, output.Checked, "chris", at, "fine"); err != nil {
		t.Fatal(err)
	}
	if err := st.TransitionOutput(ctx, first.ID, output.Draft, output.Rejected, "other", at, "late"); fault.Code(err) != fault.Conflict {
		t.Errorf("second checker: err %v, want conflict", err)
	}
	if err := st.TransitionOutput(ctx, first.ID, output.Checked, output.Released, "rita", at.Add(time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	got, err = st.Output(ctx, first.ID)
	if err != nil || got.Status != output.Released || got.CheckedBy != "chris" || got.Note != "fine" || got.ReleasedBy != "rita" || !got.ReleasedAt.Equal(at.Add(time.Hour)) {
		t.Errorf("released output = %+v, %v", got, err)
	}
}

func releases(t *testing.T, st Store) {
	ctx := context.Background()
	if ds, err := st.Releases(ctx, "incidents"); err != nil || len(ds) != 0 {
		t.Fatalf("Releases before any = %v, %v; want none", ds, err)
	}
	key := disclose.MemberKey(7)
	want := []*disclose.Digest{disclose.DigestOf(key, []string{"p1", "p2"}), disclose.DigestOf(key, []string{"p3"})}
	if err := st.SaveReleases(ctx, "incidents", want[:1]); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveReleases(ctx, "incidents", want[1:]); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveReleases(ctx, "attendances", []*disclose.Digest{disclose.DigestOf(key, []string{"a1"})}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Releases(ctx, "incidents")
	if err != nil || len(got) != 2 {
		t.Fatalf("Releases = %v, %v; want the two saved under the key", got, err)
	}
	seen := map[uint64]bool{}
	for _, d := range got {
		seen[d.Sum] = d.Units > 0
	}
	for _, d := range want {
		if !seen[d.Sum] {
			t.Errorf("digest of %d units missing from %v", d.Units, got)
		}
	}
}

// reportOutputs: a report output keeps its kind, document and scopes
// exactly, versions its series like a table, and a table reads back as
// kind "table" with no document.
func reportOutputs(t *testing.T, st Store) {
	ctx := context.Background()
	doc := json.RawMessage(`{"title":"Report to the Assembly","claims":[{"id":"road-ksi","status":"differs"}]}`)
	scopes := []output.Scope{
		{Purpose: "road-safety", Datasets: []string{"road_casualties"}, Columns: map[string][]string{"road_casualties": {"severity", "date"}}},
		{Purpose: "homelessness", Datasets: []string{"homelessness"}, Columns: map[string][]string{"homelessness": {"district"}}},
	}
	var ids []int64
	for range 2 {
		o := &output.Output{Series: "programme-report", Kind: output.KindReport, Title: "Report", Indicator: "programme-report", By: []string{"project"},
			Datasets: []string{"road_casualties", "homelessness"}, Columns: map[string][]string{}, Status: output.Draft,
			Report: &disclose.Report{Cells: 12}, Document: doc, Scopes: scopes, CreatedBy: "ana", CreatedAt: t0}
		if err := st.CreateOutput(ctx, o); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.ID)
	}
	got, err := st.Output(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != output.KindReport || got.Version != 2 || string(got.Document) != string(doc) || !reflect.DeepEqual(got.Scopes, scopes) || got.Table != nil || got.Report.Cells != 12 {
		t.Errorf("report output read back as kind %q version %d document %s scopes %+v table %v report %+v", got.Kind, got.Version, got.Document, got.Scopes, got.Table, got.Report)
	}
	tab := &output.Output{Series: "violence", Title: "Violence", Indicator: "violence", By: []string{"district"}, Purpose: "violence-and-vulnerability",
		Datasets: []string{"incidents"}, Columns: map[string][]string{"incidents": {"district"}}, Status: output.Draft,
		Table: &disclose.Result{}, Report: &disclose.Report{}, CreatedBy: "ana", CreatedAt: t0}
	if err := st.CreateOutput(ctx, tab); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Output(ctx, tab.ID); err != nil || got.Kind != output.KindTable || got.Document != nil || got.Table == nil {
		t.Errorf("table output read back as %+v, %v; want kind table with a table and no document", got, err)
	}
	bad := &output.Output{Series: "programme-report", Kind: output.KindReport, Status: output.Draft, Document: json.RawMessage(`{"broken"`), CreatedBy: "ana", CreatedAt: t0}
	if err := st.CreateOutput(ctx, bad); err == nil {
		t.Error("a report with a broken document was stored")
	}
}
