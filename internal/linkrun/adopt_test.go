package linkrun_test

import (
	"context"
	"slices"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/store"
)

// TestAdoption: the store's first run is current; a later run is a draft
// that only its creator and stewards see and figures do not read; an
// analyst's adoption is refused and changes nothing; a steward compares,
// adopts and rolls back.
func TestAdoption(t *testing.T) {
	st, svc, staff, _ := county(t, 400)
	ctx := context.Background()
	ls := &linkrun.Service{Store: st, Gov: svc, Audit: svc.Audit}
	analyst := staff["police.analyst"]
	req := linkrun.Request{Datasets: []string{"police_incidents", "ae_attendances"}, Purpose: "violence-and-vulnerability"}
	first, err := ls.Run(ctx, analyst, req, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	current := func() int64 {
		t.Helper()
		r, err := st.CurrentLinkageRun(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	if got := current(); got != first.Run.ID {
		t.Fatalf("current run %d, want the first run %d", got, first.Run.ID)
	}
	req.Datasets = append(req.Datasets, "homelessness")
	draft, err := ls.Run(ctx, analyst, req, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := current(); got != first.Run.ID {
		t.Fatalf("after a second run the current run is %d, want still %d", got, first.Run.ID)
	}
	steward := &govern.User{ID: "county.steward", PartnerID: "county", Name: "Steward", Roles: []govern.Role{govern.LinkageSteward}}
	if err := svc.CreateUser(ctx, staff["county.admin"], steward, "a long enough passphrase"); err != nil {
		t.Fatal(err)
	}
	sees := func(u *govern.User, id int64) bool {
		runs, err := ls.Runs(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(runs, func(r *linkrun.LinkageRun) bool { return r.ID == id })
	}
	for _, c := range []struct {
		who  *govern.User
		want bool
	}{{analyst, true}, {steward, true}, {staff["county.analyst"], false}} {
		if got := sees(c.who, draft.Run.ID); got != c.want {
			t.Errorf("%s sees the draft: %v, want %v", c.who.ID, got, c.want)
		}
	}
	if !sees(staff["county.analyst"], first.Run.ID) {
		t.Error("another analyst does not see the adopted run")
	}
	if _, err := ls.Compare(ctx, staff["county.analyst"], draft.Run.ID); fault.Code(err) != fault.Forbidden {
		t.Errorf("another analyst compares the draft: %v, want forbidden", err)
	}
	for _, u := range []*govern.User{analyst, staff["police.admin"]} {
		if _, err := ls.Adopt(ctx, u, draft.Run.ID, ""); fault.Code(err) != fault.Forbidden {
			t.Errorf("%s adopts: %v, want forbidden", u.ID, err)
		}
	}
	if got := current(); got != first.Run.ID {
		t.Fatalf("a refused adoption changed the current run to %d", got)
	}
	cmp, err := ls.Compare(ctx, analyst, draft.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("comparison %+v", cmp)
	if cmp.Current != first.Run.ID || cmp.Records != draft.Records || cmp.CurrentRecords != first.Records || cmp.Records <= cmp.CurrentRecords {
		t.Errorf("comparison %+v: want run %d (%d records) against %d (%d records)", cmp, draft.Run.ID, draft.Records, first.Run.ID, first.Records)
	}
	if cmp.Unchanged+cmp.Gained >= cmp.Entities {
		t.Errorf("comparison %+v: the homelessness records join no entity", cmp)
	}
	if cmp.Unchanged+cmp.Merged+cmp.Gained > cmp.Entities || cmp.Unchanged > cmp.CurrentEntities {
		t.Errorf("comparison %+v does not add up", cmp)
	}
	if _, err := ls.Adopt(ctx, steward, draft.Run.ID, "adds homelessness"); err != nil {
		t.Fatal(err)
	}
	if got := current(); got != draft.Run.ID {
		t.Fatalf("after adoption the current run is %d, want %d", got, draft.Run.ID)
	}
	if _, err := ls.Adopt(ctx, steward, draft.Run.ID, ""); fault.Code(err) != fault.Conflict {
		t.Errorf("adopting the current run again: %v, want conflict", err)
	}
	if _, err := ls.Rollback(ctx, analyst, ""); fault.Code(err) != fault.Forbidden {
		t.Errorf("an analyst rolls back: %v, want forbidden", err)
	}
	if _, err := ls.Rollback(ctx, steward, "undo"); err != nil {
		t.Fatal(err)
	}
	if got := current(); got != first.Run.ID {
		t.Fatalf("after rollback the current run is %d, want %d", got, first.Run.ID)
	}
	hist, err := st.Adoptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range hist {
		actions = append(actions, a.Action)
	}
	if !slices.Equal(actions, []string{"first", "adopt", "rollback"}) {
		t.Errorf("adoption history %v, want first, adopt, rollback", actions)
	}
}

// TestCompareCounts compares two hand-made runs: one entity kept, one
// gained, one lost, two merged into one, one split in two.
func TestCompareCounts(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows := func(pairs ...string) []linkrun.EntityRow {
		var out []linkrun.EntityRow
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, linkrun.EntityRow{DatasetID: "d", RecordID: pairs[i], EntityID: pairs[i+1]})
		}
		return out
	}
	cur := &linkrun.LinkageRun{CreatedBy: "ann", Datasets: []linkrun.LinkedVersion{{DatasetID: "d", Version: 1}}}
	// kept: r1 r2; lost: r3; merged: r4 | r5; split: r6 r7.
	if err := st.WriteLinkageRun(ctx, cur, linkrun.LinkageWrite{Entities: rows("r1", "K", "r2", "K", "r3", "L", "r4", "A", "r5", "B", "r6", "S", "r7", "S")}); err != nil {
		t.Fatal(err)
	}
	run := &linkrun.LinkageRun{CreatedBy: "ann", Datasets: cur.Datasets}
	if err := st.WriteLinkageRun(ctx, run, linkrun.LinkageWrite{Entities: rows("r1", "k", "r2", "k", "r4", "m", "r5", "m", "r6", "s1", "r7", "s2", "r8", "g")}); err != nil {
		t.Fatal(err)
	}
	ls := &linkrun.Service{Store: st}
	got, err := ls.Compare(ctx, &govern.User{ID: "ann", PartnerID: "p", Roles: []govern.Role{govern.Analyst}}, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := linkrun.Comparison{Run: run.ID, Current: cur.ID, Records: 7, Entities: 5, CurrentRecords: 7, CurrentEntities: 5,
		Unchanged: 1, Gained: 1, Lost: 1, Merged: 1, Split: 1}
	if *got != want {
		t.Errorf("comparison\n got %+v\nwant %+v", *got, want)
	}
}
