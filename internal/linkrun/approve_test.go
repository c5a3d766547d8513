package linkrun_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/store"
)

// TestApprovalByEveryOwner attacks adoption by the data owners of a run
// over three partners' datasets (real DuckDB store, real audit log):
// users who are not a data owner of one of those partners are refused and
// leave nothing behind; each approval short of the last changes nothing
// anyone else sees; the last two owners approve at once, each twice over,
// and exactly one approval per partner and exactly one adoption land;
// approvals given against an earlier current run no longer count once a
// steward changes it.
func TestApprovalByEveryOwner(t *testing.T) {
	st, svc, staff, _ := county(t, 300)
	ctx := context.Background()
	ls := &linkrun.Service{Store: st, Gov: svc, Audit: svc.Audit}
	log := svc.Audit.(govern.AuditRecorder).Log.(*store.Audit)
	analyst := staff["police.analyst"]
	req := linkrun.Request{Datasets: []string{"police_incidents", "ae_attendances"}, Purpose: "violence-and-vulnerability"}
	first, err := ls.Run(ctx, analyst, req, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	req.Datasets = append(req.Datasets, "homelessness")
	draft, err := ls.Run(ctx, analyst, req, link.Options{})
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
	state, err := ls.Approvals(ctx, analyst, draft.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	var owners []string
	for _, p := range state.Partners {
		owners = append(owners, p.Partner)
	}
	if len(owners) < 3 || !slices.Equal(state.Missing, owners) {
		t.Fatalf("approvals of a fresh draft: partners %v missing %v, want 3 partners all missing", owners, state.Missing)
	}
	t.Logf("run %d over %v needs the data owners of %v", draft.Run.ID, req.Datasets, owners)

	// Refused: an analyst of an owning partner, a data owner of a partner
	// with no dataset in the run, a disabled data owner.
	var outsider *govern.User
	for id, u := range staff {
		if u.Has(govern.DataOwner) && !slices.Contains(owners, u.PartnerID) {
			outsider = staff[id]
			break
		}
	}
	if outsider == nil {
		t.Fatal("the demo county has no data owner outside the run's partners")
	}
	disabled := *staff[owners[0]+".admin"]
	disabled.Disabled = true
	for _, u := range []*govern.User{analyst, outsider, &disabled} {
		if _, err := ls.Approve(ctx, u, draft.Run.ID, "let me"); fault.Code(err) != fault.Forbidden {
			t.Errorf("%s (%s, disabled %v) approves: %v, want forbidden", u.ID, u.PartnerID, u.Disabled, err)
		} else {
			t.Logf("attack: %s approves → refused: %v", u.ID, err)
		}
	}
	if got, _ := ls.Approvals(ctx, analyst, draft.Run.ID); len(got.Missing) != len(owners) {
		t.Fatalf("refused approvals were recorded: missing %v", got.Missing)
	}
	if denied, _ := log.Entries(ctx, audit.Filter{Action: "link.approve", Outcome: "denied"}); len(denied) != 3 {
		t.Errorf("%d denied approvals on the audit log, want 3", len(denied))
	}

	// Every owner but the last two approves, one at a time: nothing moves.
	for _, p := range owners[:len(owners)-2] {
		st2, err := ls.Approve(ctx, staff[p+".admin"], draft.Run.ID, "checked the comparison")
		if err != nil {
			t.Fatal(err)
		}
		if st2.Adopted || slices.Contains(st2.Missing, p) || len(st2.Missing) != len(owners)-1 {
			t.Fatalf("after %s approves: %+v", p, st2)
		}
		if got := current(); got != first.Run.ID {
			t.Fatalf("a partial approval changed the current run to %d", got)
		}
		if _, err := ls.Approve(ctx, staff[p+".admin"], draft.Run.ID, "again"); fault.Code(err) != fault.Conflict {
			t.Errorf("%s approves twice: %v, want conflict", p, err)
		}
		if other := staff["county.analyst"]; other.PartnerID != p {
			if _, err := ls.Compare(ctx, other, draft.Run.ID); fault.Code(err) != fault.Forbidden {
				t.Errorf("after a partial approval another analyst sees the draft: %v", err)
			}
		}
	}

	// The last two owners approve at once, each from two places.
	last := owners[len(owners)-2:]
	type answer struct {
		partner string
		state   *linkrun.ApprovalState
		err     error
	}
	answers := make([]answer, 4)
	var wg sync.WaitGroup
	for i := range answers {
		p := last[i%2]
		wg.Go(func() {
			s, err := ls.Approve(ctx, staff[p+".admin"], draft.Run.ID, "all good")
			answers[i] = answer{p, s, err}
		})
	}
	wg.Wait()
	ok := map[string]int{}
	adopting := 0
	for _, a := range answers {
		switch {
		case a.err == nil:
			ok[a.partner]++
			if a.state.Comparison != nil {
				adopting++
			}
		case fault.Code(a.err) != fault.Conflict:
			t.Errorf("%s approves in parallel: %v, want success or conflict", a.partner, a.err)
		}
	}
	t.Logf("attack: 4 parallel approvals by %v → accepted %v, adopting %d", last, ok, adopting)
	for _, p := range last {
		if ok[p] != 1 {
			t.Errorf("%d of 2 parallel approvals by %s accepted, want 1", ok[p], p)
		}
	}
	if adopting != 1 {
		t.Errorf("%d approvals adopted the run, want 1", adopting)
	}
	if got := current(); got != draft.Run.ID {
		t.Fatalf("after every owner approved the current run is %d, want %d", got, draft.Run.ID)
	}
	hist, err := st.Adoptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[1].RunID != draft.Run.ID || hist[1].Action != "adopt" {
		t.Errorf("adoption history %+v, want first then one adoption of run %d", hist, draft.Run.ID)
	}
	if adopted, _ := log.Entries(ctx, audit.Filter{Action: "link.adopt", Outcome: "allowed"}); len(adopted) != 1 {
		t.Errorf("%d adoptions on the audit log, want 1", len(adopted))
	}
	if approved, _ := log.Entries(ctx, audit.Filter{Action: "link.approve", Outcome: "allowed"}); len(approved) != len(owners) {
		t.Errorf("%d approvals on the audit log, want %d", len(approved), len(owners))
	}
	if _, err := ls.Approve(ctx, staff[owners[0]+".admin"], draft.Run.ID, ""); fault.Code(err) != fault.Conflict {
		t.Errorf("approving the current run: %v, want conflict", err)
	}

	// Approvals are given against a current run: when a steward changes it,
	// they lapse.
	again, err := ls.Run(ctx, analyst, req, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ls.Approve(ctx, staff[owners[0]+".admin"], again.Run.ID, ""); err != nil {
		t.Fatal(err)
	}
	steward := &govern.User{ID: "county.steward", PartnerID: "county", Name: "Steward", Roles: []govern.Role{govern.LinkageSteward}}
	if err := svc.CreateUser(ctx, staff["county.admin"], steward, "a long enough passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := ls.Rollback(ctx, steward, "back"); err != nil {
		t.Fatal(err)
	}
	lapsed, err := ls.Approvals(ctx, steward, again.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(lapsed.Missing, owners) {
		t.Errorf("after the current run changed, run %d still counts approvals: missing %v, want %v", again.Run.ID, lapsed.Missing, owners)
	}
}
