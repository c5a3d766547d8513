package postgres_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/programme"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/voice"
)

// embedded makes a DuckDB store with users, a token, a purpose, a budget
// with a spend, a published community service with a correction waiting,
// a volunteering opportunity and n audit entries.
func embedded(t *testing.T, n int) (*store.Store, ed25519.PrivateKey) {
	t.Helper()
	ctx := context.Background()
	src, err := store.Open(ctx, filepath.Join(t.TempDir(), "src.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"ada", "bo"} {
		if err := src.CreateUser(ctx, &govern.User{ID: id, PartnerID: "county", Name: id, Roles: []govern.Role{govern.Analyst}, CreatedBy: "test", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	exp := now.Add(24 * time.Hour)
	if err := src.CreateToken(ctx, &govern.Token{ID: "t1", UserID: "ada", Name: "nightly", Hash: "ab", CreatedAt: now, ExpiresAt: &exp}); err != nil {
		t.Fatal(err)
	}
	if err := src.CreatePurpose(ctx, &govern.Purpose{ID: "road-safety", Name: "Road safety", CreatedBy: "ada", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := src.SetBudget(ctx, "incidents", disclose.Budget{Epsilon: 2, Delta: 1e-6}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Spend(ctx, disclose.Spend{Dataset: "incidents", Cost: disclose.Budget{Epsilon: 0.5}, Query: "q", By: "ada", At: now}); err != nil {
		t.Fatal(err)
	}
	svc := community.Service{ID: "svc-1", Name: "Lunch club", Themes: []string{"food"}, Organisation: community.Organisation{ID: "org-1", Name: "Neighbours", Kind: community.Informal},
		Locations: []community.Location{{ID: "loc-1", LSOA: "E01021637", Precision: community.PrecisionLSOA}}}
	subs := []*community.Submission{
		{Service: svc, SubmittedBy: "ada", SubmittedAt: now, Status: community.Published, DecidedBy: "ada", DecidedAt: now, Owner: "county"},
		{Service: svc, Correction: true, SubmittedBy: "public", SubmittedAt: now, Status: community.Pending},
	}
	if err := src.AddCommunitySubmissions(ctx, subs); err != nil {
		t.Fatal(err)
	}
	if err := src.AddCommunityOpportunity(ctx, &community.Opportunity{OrganisationID: "org-1", Title: "Wash up", Status: community.Open, PostedAt: now}); err != nil {
		t.Fatal(err)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	log, err := src.AuditLog(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		e := audit.Event{User: fmt.Sprint("u", i%3), Action: "dataset.read", Outcome: audit.Allowed, Datasets: []audit.Dataset{{ID: "incidents@1", Owner: "police"}}}
		if _, err := log.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	return src, key
}

// TestImportState copies an embedded store's state into an empty
// database: users, tokens, purposes, budgets and the audit log (verified
// before and after, the same root), and a second import into the now
// non-empty database is refused.
func TestImportState(t *testing.T) {
	ctx := context.Background()
	src, key := embedded(t, 70) // past one saved tree state
	// Citizen voice: a programme and two captured responses.
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	response := func(id string) *voice.Response {
		return &voice.Response{ID: id, ProgrammeID: "p", SessionID: "s", District: "E07000070", CapturedBy: "ada", CapturedAt: at,
			Answers: []voice.Answer{{QuestionID: "say", Text: voice.Redact("More buses " + id)}}}
	}
	if err := src.CreateVoiceProgramme(ctx, &voice.Programme{ID: "p", Title: "P", CreatedAt: at, CreatedBy: "ada",
		Sessions: []voice.Session{{ID: "s", ProgrammeID: "p", Date: at, District: "E07000070"}}}); err != nil {
		t.Fatal(err)
	}
	if err := src.AddVoiceResponses(ctx, []*voice.Response{response("r2"), response("r1")}); err != nil {
		t.Fatal(err)
	}
	pg := open(t)
	trusted := audit.Options{Trusted: []ed25519.PublicKey{key.Public().(ed25519.PublicKey)}}
	got, err := pg.ImportState(ctx, src, trusted)
	if err != nil {
		t.Fatal(err)
	}
	// The copy keeps capture order, and a capture on PostgreSQL follows.
	if err := pg.AddVoiceResponses(ctx, []*voice.Response{response("r0")}); err != nil {
		t.Fatal(err)
	}
	if rs, err := pg.VoiceResponses(ctx, "p"); err != nil || len(rs) != 3 || rs[0].ID != "r2" || rs[1].ID != "r1" || rs[2].ID != "r0" || rs[0].Answers[0].Text.String() != "More buses r2" {
		t.Errorf("voice responses after the import and a capture: %v (%v), want r2, r1, r0 with their answers", rs, err)
	}
	if got.Audit.Size != 70 || got.Rows["users"] != 2 || got.Rows["audit_leaves"] != 70 {
		t.Errorf("imported %v, audit %d entries; want 2 users and 70 entries", got.Rows, got.Audit.Size)
	}
	if us, err := pg.Users(ctx); err != nil || len(us) != 2 || us[0].ID != "ada" || us[0].Roles[0] != govern.Analyst {
		t.Errorf("users after the import: %v, %v", us, err)
	}
	if tok, err := pg.Token(ctx, "t1"); err != nil || tok.ExpiresAt == nil || tok.Hash != "ab" {
		t.Errorf("token after the import: %+v, %v", tok, err)
	}
	if b, err := pg.Balance(ctx, "incidents"); err != nil || b.Spent.Epsilon != 0.5 || b.Total.Epsilon != 2 {
		t.Errorf("budget after the import: %+v, %v", b, err)
	}
	if cur, err := pg.CommunityCurrent(ctx); err != nil || len(cur) != 1 || cur[0].Owner != "county" || cur[0].Service.Name != "Lunch club" {
		t.Errorf("community directory after the import: %+v, %v", cur, err)
	}
	next := &community.Submission{Service: community.Service{ID: "svc-2"}, SubmittedBy: "public", SubmittedAt: time.Now(), Status: community.Pending}
	if err := pg.AddCommunitySubmissions(ctx, []*community.Submission{next}); err != nil || next.ID != 3 {
		t.Errorf("a submission after the import got id %d (%v), want 3: ids go on past the copied ones", next.ID, err)
	}
	opp := &community.Opportunity{OrganisationID: "org-1", Title: "Lay tables", Status: community.Open, PostedAt: time.Now()}
	if err := pg.AddCommunityOpportunity(ctx, opp); err != nil || opp.ID != 2 {
		t.Errorf("an opportunity after the import got id %d (%v), want 2", opp.ID, err)
	}
	// The copy goes on: appends with the same key extend the same chain.
	log, err := pg.AuditLog(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if e, err := log.Append(ctx, audit.Event{User: "ada", Action: "dataset.read", Outcome: audit.Allowed}); err != nil || e.Index != 70 {
		t.Fatalf("append after the import: %+v, %v; want entry 70", e, err)
	}
	if rep, err := log.Verify(ctx, trusted); err != nil || rep.Problem != nil || rep.Size != 71 {
		t.Errorf("verify after the import and an append: %d entries, %v, %v", rep.Size, rep.Problem, err)
	}
	if uses, err := log.Entries(ctx, audit.Filter{Owner: "police", User: "u1"}); err != nil || len(uses) != 23 {
		t.Errorf("police uses by u1 after the import: %d, %v; want 23", len(uses), err)
	}
	_, err = pg.ImportState(ctx, src, trusted)
	if fault.Code(err) != fault.Conflict || !strings.Contains(fault.Message(err), "already holds civiclink state") {
		t.Errorf("a second import: %v, want a refusal naming the non-empty target", err)
	}
	// A database holding only a shared catalogue is not empty either.
	cat := open(t)
	if err := cat.CreatePartner(ctx, &catalog.Partner{ID: "county", Name: "County"}); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.ImportState(ctx, src, trusted); fault.Code(err) != fault.Conflict || !strings.Contains(fault.Message(err), "catalog_partners") {
		t.Errorf("an import into a database with a catalogue: %v, want a refusal naming catalog_partners", err)
	}
	if us, err := cat.Users(ctx); err != nil || len(us) != 0 {
		t.Errorf("the refused import left users %v (%v)", us, err)
	}
}

// TestImportStateRefusesTampered: a source whose audit log does not verify
// is refused, and the target stays empty.
func TestImportStateRefusesTampered(t *testing.T) {
	ctx := context.Background()
	src, _ := embedded(t, 10)
	// The appends may still be in the audit journal: a read of the log
	// waits until they are in the tables, so the edit below hits one.
	if log, err := src.AuditLog(ctx, nil); err != nil {
		t.Fatal(err)
	} else if n, err := log.Count(ctx); err != nil || n < 5 {
		t.Fatalf("the source's log holds %d entries (%v), want at least 5", n, err)
	}
	if res, err := src.DB().ExecContext(ctx, `UPDATE audit_leaves SET actor_user = 'nobody' WHERE idx = 4`); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("the tampering edited %d rows, want 1", n)
	}
	pg := open(t)
	_, err := pg.ImportState(ctx, src, audit.Options{})
	if err == nil || !strings.Contains(fault.Message(err), "does not verify") {
		t.Fatalf("import of a tampered store: %v, want a refusal", err)
	}
	if us, _ := pg.Users(ctx); len(us) != 0 {
		t.Errorf("the refused import left %d users behind", len(us))
	}
}

// TestImportStateProgramme: the programme (the eight shipped projects, an
// update that changed a deliverable, the six claims, a self-assessment)
// comes across whole, and ids go on from the copied ones.
func TestImportStateProgramme(t *testing.T) {
	ctx := context.Background()
	src, key := embedded(t, 3)
	ps, cs, err := programme.Shipped()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if err := src.SaveProject(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cs {
		if err := src.SaveClaim(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	d := ps[0].Deliverables[0]
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	up := &programme.Update{Project: ps[0].ID, Author: "ada", Partner: "county", At: at, Text: "done", Deliverable: d.ID, From: d.Status, To: programme.Done}
	if err := src.AddUpdate(ctx, up); err != nil {
		t.Fatal(err)
	}
	if err := src.SaveAssessment(ctx, &programme.Assessment{Partner: "county", Round: "2026-03", Answers: map[string]int{"asset-register": 3}, By: "ada", At: at}); err != nil {
		t.Fatal(err)
	}
	pg := open(t)
	got, err := pg.ImportState(ctx, src, audit.Options{Trusted: []ed25519.PublicKey{key.Public().(ed25519.PublicKey)}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Rows["programme_projects"] != 8 || got.Rows["programme_claims"] != 6 || got.Rows["programme_updates"] != 1 || got.Rows["programme_assessments"] != 1 {
		t.Errorf("imported %v; want 8 projects, 6 claims, 1 update, 1 assessment", got.Rows)
	}
	want, _ := src.Projects(ctx)
	have, err := pg.Projects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range want {
		p.UpdatedAt = p.UpdatedAt.UTC()
	}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("projects after the import differ from the source's:\n got %+v\nwant %+v", have[0], want[0])
	}
	if p, err := pg.Project(ctx, ps[0].ID); err != nil || p.Deliverables[0].Status != programme.Done {
		t.Errorf("the updated deliverable after the import: %+v, %v; want done", p, err)
	}
	next := &programme.Update{Project: ps[0].ID, Author: "ada", Partner: "county", At: at.Add(time.Hour), Text: "next"}
	if err := pg.AddUpdate(ctx, next); err != nil || next.ID != up.ID+1 {
		t.Errorf("an update after the import: id %d, %v; want id %d", next.ID, err, up.ID+1)
	}
	if cl, err := pg.Claims(ctx); err != nil || len(cl) != 6 || len(cl[0].Figures) == 0 {
		t.Errorf("claims after the import: %d, %v", len(cl), err)
	}
}
