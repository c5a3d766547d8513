package govern_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	gt "github.com/civiclink/civiclink/internal/govern/governtest"
)

func lastEvent(f *gt.Fixture) govern.Event {
	ev := f.Events()
	return ev[len(ev)-1]
}

func TestLoginAndTokens(t *testing.T) {
	ctx := context.Background()
	f := gt.NewFixture(t, &govern.Gate{})
	svc := f.Service
	admin := f.Admins[gt.RecipientPartner]
	u := &govern.User{ID: "ana", PartnerID: gt.RecipientPartner, Name: "Ana", Roles: []govern.Role{govern.Analyst}}
	if err := svc.CreateUser(ctx, admin, u, "a long enough passphrase"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Login(ctx, "ana", "a long enough passphrase"); err != nil {
		t.Fatalf("login: %v", err)
	}
	if e := lastEvent(f); e.Action != "login" || e.Outcome != govern.OutcomeAllowed || e.User != "ana" {
		t.Errorf("login event: got %+v", e)
	}
	for _, try := range [][2]string{{"ana", "wrong passphrase!!"}, {"nobody", "a long enough passphrase"}} {
		if _, err := svc.Login(ctx, try[0], try[1]); fault.Code(err) != fault.Unauthorized {
			t.Errorf("login %s: got %v, want unauthorized", try[0], err)
		}
		if e := lastEvent(f); e.Action != "login" || e.Outcome != govern.OutcomeDenied || e.User != try[0] {
			t.Errorf("failed login event: got %+v", e)
		}
	}

	tok, text, err := svc.IssueToken(ctx, u, "nightly", 0)
	if err != nil {
		t.Fatal(err)
	}
	if e := lastEvent(f); e.Action != "token.issue" || e.Target != tok.ID {
		t.Errorf("token event: got %+v", e)
	}
	if got, err := svc.TokenUser(ctx, text); err != nil || got.ID != "ana" {
		t.Fatalf("TokenUser: got %v, %v; want ana", got, err)
	}
	other := f.AddUser(t, "other", gt.OwnerPartner, govern.PartnerAdmin)
	if err := svc.RevokeToken(ctx, other, tok.ID); fault.Code(err) != fault.Forbidden {
		t.Errorf("another partner's admin revokes: got %v, want forbidden", err)
	}
	if err := svc.RevokeToken(ctx, admin, tok.ID); err != nil {
		t.Fatalf("own partner admin revokes: %v", err)
	}
	if _, err := svc.TokenUser(ctx, text); fault.Code(err) != fault.Unauthorized {
		t.Errorf("revoked token: got %v, want unauthorized", err)
	}
	if e := lastEvent(f); e.Action != "login" || e.Outcome != govern.OutcomeDenied {
		t.Errorf("revoked-token event: got %+v", e)
	}

	if err := svc.SetDisabled(ctx, admin, "ana", true); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Login(ctx, "ana", "a long enough passphrase"); fault.Code(err) != fault.Unauthorized {
		t.Errorf("disabled login: got %v, want unauthorized", err)
	}
	if _, err := svc.Actor(ctx, "ana"); fault.Code(err) != fault.Unauthorized {
		t.Errorf("disabled actor: got %v, want unauthorized", err)
	}
}

func TestUserAdministration(t *testing.T) {
	ctx := context.Background()
	f := gt.NewFixture(t, &govern.Gate{})
	svc := f.Service
	if err := svc.Bootstrap(ctx, &govern.User{ID: "late", PartnerID: gt.OwnerPartner, Name: "Late"}, ""); fault.Code(err) != fault.Conflict {
		t.Errorf("bootstrap on a store with users: got %v, want conflict", err)
	}
	ana := f.AddUser(t, "ana", gt.RecipientPartner, govern.Analyst)
	tests := []struct {
		name  string
		actor *govern.User
		do    func(actor *govern.User) error
		code  string
	}{
		{"an analyst cannot add users", ana, func(a *govern.User) error {
			return svc.CreateUser(ctx, a, &govern.User{ID: "x", PartnerID: gt.RecipientPartner, Name: "X", Roles: []govern.Role{govern.Analyst}}, "")
		}, fault.Forbidden},
		{"an admin cannot add users to another partner", f.Admins[gt.OwnerPartner], func(a *govern.User) error {
			return svc.CreateUser(ctx, a, &govern.User{ID: "y", PartnerID: gt.RecipientPartner, Name: "Y", Roles: []govern.Role{govern.Analyst}}, "")
		}, fault.Forbidden},
		{"nor another admin to a partner that has users", f.Admins[gt.OwnerPartner], func(a *govern.User) error {
			return svc.CreateUser(ctx, a, &govern.User{ID: "y", PartnerID: gt.RecipientPartner, Name: "Y", Roles: []govern.Role{govern.PartnerAdmin}}, "")
		}, fault.Forbidden},
		{"an admin onboards a new partner's first admin", f.Admins[gt.OwnerPartner], func(a *govern.User) error {
			if err := f.Store.CreatePartner(ctx, &catalog.Partner{ID: "fire", Name: "Fire"}); err != nil {
				return err
			}
			return svc.CreateUser(ctx, a, &govern.User{ID: "f.admin", PartnerID: "fire", Name: "F", Roles: []govern.Role{govern.PartnerAdmin}}, "")
		}, ""},
		{"but only an admin", f.Admins[gt.OwnerPartner], func(a *govern.User) error {
			if err := f.Store.CreatePartner(ctx, &catalog.Partner{ID: "uni", Name: "Uni"}); err != nil {
				return err
			}
			return svc.CreateUser(ctx, a, &govern.User{ID: "u.ana", PartnerID: "uni", Name: "U", Roles: []govern.Role{govern.Analyst}}, "")
		}, fault.Forbidden},
		{"an admin cannot grant roles at another partner", f.Admins[gt.OwnerPartner], func(a *govern.User) error {
			return svc.SetRoles(ctx, a, "ana", []govern.Role{govern.DataOwner})
		}, fault.Forbidden},
		{"a user sets their own password", ana, func(a *govern.User) error {
			return svc.SetPassword(ctx, a, "ana", "my new long passphrase")
		}, ""},
		{"a user cannot set another's password", ana, func(a *govern.User) error {
			return svc.SetPassword(ctx, a, gt.RecipientPartner+".admin", "my new long passphrase")
		}, fault.Forbidden},
		{"the admin grants roles", f.Admins[gt.RecipientPartner], func(a *govern.User) error {
			return svc.SetRoles(ctx, a, "ana", []govern.Role{govern.Analyst, govern.Caseworker})
		}, ""},
	}
	for _, tt := range tests {
		err := tt.do(tt.actor)
		if fault.Code(err) != tt.code {
			t.Errorf("%s: got %v, want code %q", tt.name, err, tt.code)
		}
		if e := lastEvent(f); tt.code == fault.Forbidden && (e.Outcome != govern.OutcomeDenied || e.User != tt.actor.ID) {
			t.Errorf("%s: refusal not recorded, last event %+v", tt.name, e)
		}
	}
	got, _ := f.Store.User(ctx, "ana")
	if !slices.Equal(got.Roles, []govern.Role{govern.Analyst, govern.Caseworker}) {
		t.Errorf("roles: got %v", got.Roles)
	}
	if _, err := svc.Login(ctx, "ana", "my new long passphrase"); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
}

func TestAuthorizeRecordsEveryDecision(t *testing.T) {
	ctx := context.Background()
	g := &govern.Gate{}
	g.Register(govern.Operation{Name: "test.read", Output: govern.Aggregate})
	f := gt.NewFixture(t, g)
	u := f.AddUser(t, "ana", gt.RecipientPartner, govern.Analyst)
	req := govern.Request{Operation: "test.read", Purpose: gt.Purpose, Output: govern.Aggregate,
		Reads: []govern.Read{{Dataset: gt.Dataset, Columns: []string{"lsoa"}}}}
	if _, err := f.Service.Authorize(ctx, u, req); fault.Code(err) != fault.Forbidden {
		t.Fatalf("without agreement: got %v, want forbidden", err)
	}
	e := lastEvent(f)
	if e.Action != "access" || e.Outcome != govern.OutcomeDenied || e.Purpose != gt.Purpose || e.Target != "test.read" ||
		len(e.Datasets) != 1 || e.Datasets[0] != (govern.DatasetRef{ID: gt.Dataset, Owner: gt.OwnerPartner}) || e.Reason == "" {
		t.Errorf("deny event: got %+v", e)
	}
	f.Activate(t, gt.Agreement())
	d, err := f.Service.Authorize(ctx, u, req)
	if err != nil || d.Agreement != gt.AgreementID {
		t.Fatalf("with agreement: got %s, %v", d, err)
	}
	if e := lastEvent(f); e.Outcome != govern.OutcomeAllowed || e.Agreement != gt.AgreementID {
		t.Errorf("allow event: got %+v", e)
	}
	f.Clock.Set(gt.Start.AddDate(2, 0, 0))
	if _, err := f.Service.Authorize(ctx, u, req); fault.Code(err) != fault.Forbidden {
		t.Errorf("after the end date: got %v, want forbidden", err)
	}

	failing := &govern.Service{Store: f.Service.Store, Clock: f.Service.Clock, Gate: f.Service.Gate, Argon2: f.Service.Argon2}
	failing.Audit = govern.RecorderFunc(func(context.Context, govern.Event) error { return fault.Errorf(fault.Internal, "disk full") })
	f.Clock.Set(gt.Start)
	if d, err := failing.Authorize(ctx, u, req); err == nil || d.Allow {
		t.Errorf("with a failing audit log: got %s, %v; want refused", d, err)
	}
}

func TestAgreementThroughService(t *testing.T) {
	ctx := context.Background()
	f := gt.NewFixture(t, &govern.Gate{})
	svc := f.Service
	bad := gt.Agreement()
	bad.Datasets[0].Columns = append(bad.Datasets[0].Columns, "surname")
	if err := svc.CreateAgreement(ctx, f.Admins[gt.RecipientPartner], bad); fault.Code(err) != fault.Invalid {
		t.Errorf("unknown column: got %v, want invalid", err)
	}
	roads := gt.Agreement()
	roads.Purpose = "road-safety"
	if err := svc.CreateAgreement(ctx, f.Admins[gt.RecipientPartner], roads); fault.Code(err) != fault.Invalid {
		t.Errorf("record-level for a non-safeguarding purpose: got %v, want invalid", err)
	}
	f.Activate(t, gt.Agreement())
	a, err := f.Store.Agreement(ctx, gt.AgreementID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range a.History {
		got = append(got, h.Action+" by "+h.By)
	}
	want := []string{"create by recipient-org.admin", "approve by owner-org.admin", "approve by recipient-org.admin", "activate by recipient-org.admin"}
	if !slices.Equal(got, want) {
		t.Errorf("history: got %v, want %v", got, want)
	}
	var actions []string
	for _, e := range f.Events() {
		if e.Agreement == gt.AgreementID {
			actions = append(actions, e.Action)
		}
	}
	if !slices.Equal(actions, []string{"agreement.create", "agreement.approve", "agreement.approve", "agreement.activate"}) {
		t.Errorf("audit: got %v", actions)
	}
	ana := f.AddUser(t, "ana", gt.RecipientPartner, govern.Analyst)
	if _, err := svc.ChangeAgreement(ctx, ana, gt.AgreementID, govern.ActionSuspend, ""); fault.Code(err) != fault.Forbidden {
		t.Errorf("analyst suspends: got %v, want forbidden", err)
	}
	if e := lastEvent(f); e.Action != "agreement.suspend" || e.Outcome != govern.OutcomeDenied {
		t.Errorf("refused suspend not recorded: %+v", e)
	}
}

func TestOptOutsAndPurge(t *testing.T) {
	ctx := context.Background()
	f := gt.NewFixture(t, &govern.Gate{})
	svc := f.Service
	o := &govern.OptOuts{Dataset: gt.Dataset, Purposes: []string{gt.Purpose}, Records: []string{"fixture-incidents-001", "fixture-incidents-002"}, Source: "ndoo"}
	if _, err := svc.AddOptOuts(ctx, f.Admins[gt.RecipientPartner], o); fault.Code(err) != fault.Forbidden {
		t.Errorf("another partner's data owner: got %v, want forbidden", err)
	}
	if n, err := svc.AddOptOuts(ctx, f.Admins[gt.OwnerPartner], o); err != nil || n != 2 {
		t.Fatalf("add: got %d, %v", n, err)
	}
	ex, err := svc.Excluded(ctx, gt.Dataset, gt.Purpose)
	if err != nil || len(ex) != 2 || !ex["fixture-incidents-001"] {
		t.Errorf("excluded for %s: got %v, %v", gt.Purpose, ex, err)
	}
	if ex, _ := svc.Excluded(ctx, gt.Dataset, "road-safety"); len(ex) != 0 {
		t.Errorf("excluded for road-safety: got %v, want none", ex)
	}

	f.Activate(t, gt.Agreement()) // retention 90 days
	if plan, err := svc.PurgePlan(ctx); err != nil || len(plan) != 0 {
		t.Fatalf("plan on day one: got %v, %v; want nothing", plan, err)
	}
	f.Clock.Advance(91 * 24 * time.Hour)
	plan, err := svc.PurgePlan(ctx)
	if err != nil || len(plan) != 2 {
		t.Fatalf("plan after 91 days: got %d, %v; want both versions", len(plan), err)
	}
	if n, err := svc.Purge(ctx, f.Admins[gt.OwnerPartner], plan); fault.Code(err) != fault.Forbidden || n != 0 {
		t.Errorf("owner purges both partners' data: got %d, %v; want 0 and forbidden", n, err)
	}
	owners := govern.Owners{gt.Dataset: gt.OwnerPartner, gt.RecipientDataset: gt.RecipientPartner}
	for _, p := range []string{gt.OwnerPartner, gt.RecipientPartner} {
		mine := govern.PlanFor(plan, owners, p)
		if n, err := svc.Purge(ctx, f.Admins[p], mine); err != nil || n != 1 {
			t.Errorf("%s purges its own: got %d, %v; want 1", p, n, err)
		}
	}
	if plan, _ := svc.PurgePlan(ctx); len(plan) != 0 {
		t.Errorf("plan after purge: got %v, want nothing", plan)
	}
	purges := 0
	for _, e := range f.Events() {
		if e.Action == "retention.purge" && e.Outcome == govern.OutcomeAllowed {
			purges++
		}
	}
	if purges != 2 {
		t.Errorf("purge events: got %d, want 2", purges)
	}
	// Every opt-out and purge, allowed or refused, names the datasets it
	// touched and their owners: the owner sees it among its data's uses.
	for _, e := range f.Events() {
		if e.Action != "optout.add" && e.Action != "retention.purge" {
			continue
		}
		if len(e.Datasets) != 1 || e.Datasets[0].Owner != owners[e.Datasets[0].ID] {
			t.Errorf("%s %s by %s names datasets %v, want its dataset and owner", e.Action, e.Outcome, e.User, e.Datasets)
		}
	}
	uses, err := f.Audit.Entries(ctx, audit.Filter{Owner: gt.RecipientPartner})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(uses, func(en audit.Entry) bool {
		return en.Event.Action == "retention.purge" && en.Event.Partner == gt.RecipientPartner && en.Event.Outcome == govern.OutcomeAllowed
	}) {
		t.Errorf("the uses of %s's data do not show its purge", gt.RecipientPartner)
	}
}
