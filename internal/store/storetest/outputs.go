package storetest

import (
	"context"
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
