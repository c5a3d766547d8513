package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

// GovernFixture adds partners police and council and a police dataset
// "incidents" to st.
func GovernFixture(tb testing.TB, st Store) {
	tb.Helper()
	ctx := context.Background()
	for _, p := range []string{"police", "council"} {
		if err := st.CreatePartner(ctx, &catalog.Partner{ID: p, Name: p}); err != nil {
			tb.Fatal(err)
		}
	}
	sc := &catalog.Schema{Columns: []catalog.Column{
		{Name: "id", Type: catalog.TypeString, Role: catalog.RoleRecordID},
		{Name: "lsoa", Type: catalog.TypeLSOA, Role: catalog.RoleGeography},
	}}
	if err := st.CreateDataset(ctx, &catalog.Dataset{ID: "incidents", PartnerID: "police", Schema: sc}); err != nil {
		tb.Fatal(err)
	}
}

func users(t *testing.T, st Store) {
	ctx := context.Background()
	GovernFixture(t, st)
	admin := &govern.User{ID: "a.admin", PartnerID: "police", Name: "A Admin", Roles: []govern.Role{govern.PartnerAdmin, govern.DataOwner},
		PasswordHash: "$argon2id$x", CreatedBy: "bootstrap", CreatedAt: t0}
	if err := st.BootstrapUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	second := &govern.User{ID: "b.other", PartnerID: "council", Name: "B", Roles: []govern.Role{govern.Analyst}, CreatedAt: t0}
	if err := st.BootstrapUser(ctx, second); fault.Code(err) != fault.Conflict {
		t.Fatalf("second bootstrap: got %v, want a conflict", err)
	}
	if err := st.CreateUser(ctx, second); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, second); fault.Code(err) != fault.Conflict {
		t.Fatalf("duplicate user: got %v, want a conflict", err)
	}
	got, err := st.User(ctx, "a.admin")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, admin) {
		t.Errorf("got %+v, want %+v", got, admin)
	}
	got.Roles, got.Disabled, got.PasswordHash = []govern.Role{govern.Auditor}, true, "new"
	if err := st.UpdateUser(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, _ := st.User(ctx, "a.admin")
	if !reflect.DeepEqual(again, got) {
		t.Errorf("after update got %+v, want %+v", again, got)
	}
	if _, err := st.User(ctx, "nobody"); fault.Code(err) != fault.NotFound {
		t.Errorf("missing user: got %v, want not found", err)
	}
	us, err := st.Users(ctx)
	if err != nil || len(us) != 2 || us[0].ID != "a.admin" || us[1].ID != "b.other" {
		t.Errorf("Users: got %v, %v; want a.admin, b.other", us, err)
	}
}

func tokens(t *testing.T, st Store) {
	ctx := context.Background()
	GovernFixture(t, st)
	tok, text, err := govern.NewToken("a.admin", "nightly", t0, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	got, err := st.Token(ctx, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, tok) {
		t.Errorf("got %+v, want %+v", got, tok)
	}
	if err := got.Check(text, t0); err != nil {
		t.Errorf("stored token does not check: %v", err)
	}
	if err := st.RevokeToken(ctx, tok.ID, "a.admin", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeToken(ctx, tok.ID, "a.admin", t0.Add(time.Hour)); fault.Code(err) != fault.NotFound {
		t.Errorf("second revoke: got %v, want not found", err)
	}
	ts, err := st.Tokens(ctx, "a.admin")
	if err != nil || len(ts) != 1 || ts[0].RevokedAt == nil || !ts[0].RevokedAt.Equal(t0.Add(time.Hour)) || ts[0].RevokedBy != "a.admin" {
		t.Fatalf("Tokens: got %+v, %v; want one revoked at %v", ts, err, t0.Add(time.Hour))
	}
	if err := ts[0].Check(text, t0.Add(2*time.Hour)); fault.Code(err) != fault.Unauthorized {
		t.Errorf("revoked token checks: got %v, want unauthorized", err)
	}
}

func testAgreement() *govern.Agreement {
	return &govern.Agreement{
		ID: "vvp-2026", Title: "VVP", Purpose: "violence-and-vulnerability",
		Parties: []govern.Party{
			{Partner: "police", Owner: true, LawfulBasis: []string{"uk-gdpr-6-1-e", "cda-1998-s115"}},
			{Partner: "council", Recipient: true, LawfulBasis: []string{"uk-gdpr-6-1-e"}},
		},
		Datasets:  []govern.Share{{Dataset: "incidents", Columns: []string{"id", "lsoa"}}},
		Outputs:   []govern.OutputKind{govern.Aggregate},
		Threshold: 10, RetentionDays: 365,
		Start: govern.DateOf(t0), End: govern.DateOf(t0.AddDate(1, 0, 0)), Review: govern.DateOf(t0.AddDate(0, 6, 0)),
	}
}

func agreements(t *testing.T, st Store) {
	ctx := context.Background()
	GovernFixture(t, st)
	owner := &govern.User{ID: "p.owner", PartnerID: "police", Roles: []govern.Role{govern.DataOwner, govern.PartnerAdmin}}
	a := testAgreement()
	if err := a.Create(owner, t0); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAgreement(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAgreement(ctx, a); fault.Code(err) != fault.Conflict {
		t.Errorf("duplicate agreement: got %v, want conflict", err)
	}
	stale, err := st.Agreement(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stale, a) {
		t.Errorf("got\n%s\nwant\n%s", stale.MarshalIndent(), a.MarshalIndent())
	}
	owners := govern.Owners{"incidents": "police"}
	if err := a.Approve(owner, owners, t0.Add(time.Hour), "DPIA v2 checked"); err != nil { // the note round-trips in the stored body
		t.Fatal(err)
	}
	if err := st.SaveAgreement(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := a.Activate(owner, t0.Add(2*time.Hour), "go"); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveAgreement(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := stale.Terminate(owner, t0.Add(3*time.Hour), "late"); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveAgreement(ctx, stale); fault.Code(err) != fault.Conflict {
		t.Errorf("saving a stale copy: got %v, want conflict", err)
	}
	got, err := st.Agreements(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("Agreements: got %v, %v", got, err)
	}
	if !reflect.DeepEqual(got[0], a) {
		t.Errorf("got\n%s\nwant\n%s", got[0].MarshalIndent(), a.MarshalIndent())
	}
	var actions []string
	for _, h := range got[0].History {
		actions = append(actions, h.Action+":"+string(h.To))
	}
	if want := []string{"create:draft", "approve:approved", "activate:active"}; !reflect.DeepEqual(actions, want) {
		t.Errorf("history: got %v, want %v", actions, want)
	}
}

func purposes(t *testing.T, st Store) {
	ctx := context.Background()
	GovernFixture(t, st)
	p := &govern.Purpose{ID: "loneliness", Name: "Loneliness", Description: "d", Safeguarding: true, CreatedBy: "x", CreatedAt: t0}
	if err := st.CreatePurpose(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := st.CreatePurpose(ctx, p); fault.Code(err) != fault.Conflict {
		t.Errorf("duplicate: got %v, want conflict", err)
	}
	got, err := st.Purposes(ctx)
	if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], *p) {
		t.Errorf("got %+v, %v; want [%+v]", got, err, *p)
	}
}

func optOuts(t *testing.T, st Store) {
	ctx := context.Background()
	GovernFixture(t, st)
	o := &govern.OptOuts{Dataset: "incidents", Purposes: []string{"road-safety", "domestic-abuse"}, Records: []string{"r1", "r2"}, Source: "test"}
	n, err := st.AddOptOuts(ctx, o, "p.owner", t0)
	if err != nil || n != 4 {
		t.Fatalf("first add: got %d, %v; want 4 new", n, err)
	}
	all := &govern.OptOuts{Dataset: "incidents", Purposes: []string{govern.AllPurposes}, Records: []string{"r2", "r3"}}
	if n, err = st.AddOptOuts(ctx, all, "p.owner", t0); err != nil || n != 2 {
		t.Fatalf("second add: got %d, %v; want 2 new", n, err)
	}
	if n, err = st.AddOptOuts(ctx, o, "p.owner", t0); err != nil || n != 0 {
		t.Fatalf("repeat add: got %d, %v; want 0 new", n, err)
	}
	for purpose, want := range map[string][]string{
		"road-safety":       {"r1", "r2", "r3"},
		"school-readiness":  {"r2", "r3"},
		"domestic-abuse":    {"r1", "r2", "r3"},
		"mental-health-any": {"r2", "r3"},
	} {
		got, err := st.OptedOut(ctx, "incidents", purpose)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("OptedOut(%s): got %v, %v; want %v", purpose, got, err, want)
		}
	}
}

func decisionState(t *testing.T, st Store) {
	ctx := context.Background()
	GovernFixture(t, st)
	a := testAgreement()
	if err := a.Create(&govern.User{ID: "p", PartnerID: "police", Roles: []govern.Role{govern.DataOwner}}, t0); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAgreement(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := st.CreatePurpose(ctx, &govern.Purpose{ID: "loneliness", Name: "Loneliness", Safeguarding: true, CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	owners, as, ps, err := st.DecisionState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(owners, govern.Owners{"incidents": "police"}) {
		t.Errorf("owners: got %v", owners)
	}
	want := *a
	want.History = nil
	if len(as) != 1 || !reflect.DeepEqual(*as[0], want) {
		t.Errorf("agreements: got %+v, want %+v", as, want)
	}
	if len(ps) != 1 || ps[0].ID != "loneliness" || !ps[0].Safeguarding || ps[0].Name != "Loneliness" {
		t.Errorf("purposes: got %+v", ps)
	}
}
