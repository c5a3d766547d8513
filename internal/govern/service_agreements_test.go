package govern_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	gt "github.com/civiclink/civiclink/internal/govern/governtest"
)

// recipientOnly is an agreement to which only the recipient partner is a
// party, so the owner partner's users may not see it.
func recipientOnly() *govern.Agreement {
	a := gt.Agreement()
	a.ID = "recipient-only"
	a.Parties = a.Parties[1:]
	a.Datasets = a.Datasets[1:]
	return a
}

func TestAgreementViewsAreAudited(t *testing.T) {
	ctx := context.Background()
	f := gt.NewFixture(t, &govern.Gate{})
	svc := f.Service
	f.Activate(t, gt.Agreement())
	if err := svc.CreateAgreement(ctx, f.Admins[gt.RecipientPartner], recipientOnly()); err != nil {
		t.Fatal(err)
	}
	ana := f.AddUser(t, "ana", gt.RecipientPartner, govern.Analyst)
	outsider := f.AddUser(t, "olly", gt.OwnerPartner, govern.Analyst)
	auditor := f.AddUser(t, "aud", gt.OwnerPartner, govern.Auditor)

	tests := []struct {
		name    string
		user    *govern.User
		id      string
		code    string // of the error
		outcome string // of the event recorded
		reason  string // in the event's reason
	}{
		{"a party's analyst", ana, gt.AgreementID, "", govern.OutcomeAllowed, ""},
		{"a party's analyst, the other agreement", ana, "recipient-only", "", govern.OutcomeAllowed, ""},
		{"an outsider", outsider, "recipient-only", fault.NotFound, govern.OutcomeDenied, "is not a party to it"},
		{"an auditor of an outsider", auditor, "recipient-only", "", govern.OutcomeAllowed, ""},
		{"an unknown agreement", ana, "nope", fault.NotFound, govern.OutcomeDenied, "no agreement \"nope\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.Events())
			a, err := svc.ViewAgreement(ctx, tt.user, tt.id)
			if fault.Code(err) != tt.code {
				t.Fatalf("got %v (code %q), want code %q", err, fault.Code(err), tt.code)
			}
			if err == nil && (a.ID != tt.id || len(a.History) == 0 || a.Status == "") {
				t.Errorf("got agreement %q with %d history entries and status %q", a.ID, len(a.History), a.Status)
			}
			if err != nil && !strings.Contains(err.Error(), "only to users of its parties and to auditors") {
				t.Errorf("the refusal does not say who may see an agreement: %v", err)
			}
			evs := f.Events()
			if len(evs) != before+1 {
				t.Fatalf("%d events recorded, want 1", len(evs)-before)
			}
			e := evs[before]
			if e.Action != "agreement.view" || e.User != tt.user.ID || e.Target != tt.id || e.Outcome != tt.outcome || !strings.Contains(e.Reason, tt.reason) {
				t.Errorf("event: got %+v", e)
			}
			if tt.outcome == govern.OutcomeAllowed && (e.Agreement != tt.id || e.Purpose != gt.Purpose) {
				t.Errorf("allowed view event lacks the agreement or purpose: %+v", e)
			}
		})
	}

	lists := []struct {
		name string
		user *govern.User
		want []string
	}{
		{"a party's analyst", ana, []string{gt.AgreementID, "recipient-only"}},
		{"a user of a party to one", outsider, []string{gt.AgreementID}},
		{"an auditor", auditor, []string{gt.AgreementID, "recipient-only"}},
	}
	for _, tt := range lists {
		t.Run("list as "+tt.name, func(t *testing.T) {
			as, err := svc.ListAgreements(ctx, tt.user)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range as {
				got = append(got, a.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			e := lastEvent(f)
			var details struct {
				Agreements []string `json:"agreements"`
			}
			raw, _ := e.Details.(json.RawMessage)
			if err := json.Unmarshal(raw, &details); err != nil || e.Action != "agreement.list" || e.User != tt.user.ID || !slices.Equal(details.Agreements, tt.want) {
				t.Errorf("list event: got %+v (%v)", e, err)
			}
		})
	}
}

func TestApprovalNote(t *testing.T) {
	ctx := context.Background()
	f := gt.NewFixture(t, &govern.Gate{})
	svc := f.Service
	if err := svc.CreateAgreement(ctx, f.Admins[gt.RecipientPartner], gt.Agreement()); err != nil {
		t.Fatal(err)
	}
	owner := f.Admins[gt.OwnerPartner]
	before := len(f.Events())
	_, err := svc.ChangeAgreement(ctx, owner, gt.AgreementID, govern.ActionApprove, strings.Repeat("n", govern.MaxNoteLength+1))
	if fault.Code(err) != fault.Invalid {
		t.Fatalf("a note too long: got %v, want invalid", err)
	}
	if a, _ := f.Store.Agreement(ctx, gt.AgreementID); len(a.Approvals) != 0 || len(a.History) != 1 || a.Revision != 0 {
		t.Errorf("a refused approval was stored: %+v", a)
	}
	if n := len(f.Events()) - before; n != 0 {
		t.Errorf("a malformed approval recorded %d events", n)
	}

	const note = "DPIA v3 checked; columns limited to the minimum"
	if _, err := svc.ChangeAgreement(ctx, owner, gt.AgreementID, govern.ActionApprove, note); err != nil {
		t.Fatal(err)
	}
	a, err := svc.ViewAgreement(ctx, f.Admins[gt.RecipientPartner], gt.AgreementID)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Approvals) != 1 || a.Approvals[0].Note != note || a.Approvals[0].By != owner.ID {
		t.Errorf("approvals after a noted approval: %+v", a.Approvals)
	}
	if h := a.History[len(a.History)-1]; h.Note != "approved for "+gt.OwnerPartner+": "+note {
		t.Errorf("history note: got %q", h.Note)
	}
	var approve govern.Event
	for _, e := range f.Events() {
		if e.Action == "agreement.approve" {
			approve = e
		}
	}
	var details struct {
		Approval govern.Approval `json:"approval"`
		Note     string          `json:"note"`
	}
	raw, _ := approve.Details.(json.RawMessage)
	if err := json.Unmarshal(raw, &details); err != nil || details.Approval.Note != note || !strings.HasSuffix(details.Note, note) {
		t.Errorf("the approval's audit event lacks the note: %s (%v)", raw, err)
	}
}

// TestChangeHiddenAgreement checks a change to an agreement the actor may
// not see is refused as not found and recorded with the reason.
func TestChangeHiddenAgreement(t *testing.T) {
	ctx := context.Background()
	f := gt.NewFixture(t, &govern.Gate{})
	if err := f.Service.CreateAgreement(ctx, f.Admins[gt.RecipientPartner], recipientOnly()); err != nil {
		t.Fatal(err)
	}
	_, err := f.Service.ChangeAgreement(ctx, f.Admins[gt.OwnerPartner], "recipient-only", govern.ActionEnd, "")
	if fault.Code(err) != fault.NotFound {
		t.Fatalf("an outsider ends it: got %v, want not found", err)
	}
	if e := lastEvent(f); e.Action != "agreement.end" || e.Outcome != govern.OutcomeDenied || !strings.Contains(e.Reason, "not a party") {
		t.Errorf("refusal event: %+v", e)
	}
	if a, _ := f.Store.Agreement(ctx, "recipient-only"); a.Status != govern.Draft {
		t.Errorf("an outsider's end changed the status to %s", a.Status)
	}
}
