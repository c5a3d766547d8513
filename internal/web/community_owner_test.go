package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// TestCommunityEditorsOwnEntries has two voluntary-sector partners' community
// editors: each changes only its own partner's entries. Another partner's
// editor sees a correction to the fixture's services in the queue but
// cannot publish or reject it (refused with the reason, audited, the
// directory unchanged), cannot import a change to them or post
// volunteering for their organisation; its own new service is its own, and
// the first editor is refused on it in turn.
func TestCommunityEditorsOwnEntries(t *testing.T) {
	f, dir := communityFixture(t, 0)
	ctx := context.Background()
	h, err := govern.HashPasswordWith(password, cheapArgon)
	if err != nil {
		t.Fatal(err)
	}
	other := &govern.User{ID: "pat", PartnerID: "police", Name: "Pat Editor", Roles: []govern.Role{govern.CommunityEditor},
		PasswordHash: h, CreatedAt: f.clock.Now(), CreatedBy: "test"}
	if err := f.st.CreateUser(ctx, other); err != nil {
		t.Fatal(err)
	}
	vera, err := f.st.User(ctx, editorID)
	if err != nil {
		t.Fatal(err)
	}
	corr := suggestion()
	corr.Set("service", "svc-lunch-club")
	corr.Set("name", "Friday lunch club and quiz")
	if res := f.client(t).form("/community/suggest", corr, false); res.StatusCode != http.StatusOK {
		t.Fatalf("correction: %d", res.StatusCode)
	}
	subs, _ := f.st.CommunitySubmissions(ctx, community.Pending)
	id := itoa(subs[0].ID)

	pat := f.client(t)
	pat.signIn(other.ID, password)
	code, page := pat.get("/community/queue")
	if code != http.StatusOK || !strings.Contains(page, `id="not-yours-`+id+`"`) || strings.Contains(page, `id="publish-`+id+`"`) {
		t.Errorf("another partner's editor's queue: %d, want the correction without its Publish button: %s", code, between(page, "<ol", "</ol>"))
	}
	for _, action := range []string{"publish", "reject"} {
		res := pat.form("/community/queue/"+id+"/"+action, url.Values{"reason": {"not ours"}}, true)
		if body := readBody(t, res); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "an entry of partner county") {
			t.Errorf("%s by another partner's editor: %d, want 403 naming the owner", action, res.StatusCode)
		}
	}
	if sub, _ := f.st.CommunitySubmission(ctx, subs[0].ID); sub.Status != community.Pending {
		t.Errorf("the refused decisions left the submission %s", sub.Status)
	}
	if vs, _ := dir.History(ctx, "svc-lunch-club"); len(vs) != 1 || vs[0].Owner != "county" {
		t.Errorf("history after refusals: %d versions (owner %q), want 1 owned by county", len(vs), vs[0].Owner)
	}
	denied := 0
	for _, e := range append(f.rec.find("community.publish"), f.rec.find("community.reject")...) {
		if e.User == other.ID && e.Outcome == govern.OutcomeDenied && strings.Contains(e.Reason, "partner county") {
			denied++
		}
	}
	if denied != 2 {
		t.Errorf("%d refusals audited, want 2", denied)
	}

	ix, _ := dir.Published(ctx)
	lunch, _ := ix.Get("svc-lunch-club")
	changed := lunch.Service
	changed.Description = "Changed by another partner"
	if _, err := dir.Import(ctx, other, []community.Service{changed}, true, "their feed"); fault.Code(err) != fault.Forbidden || !strings.Contains(fault.Message(err), "svc-lunch-club") {
		t.Errorf("import changing county's service: %v, want refused naming it", err)
	}
	if _, err := dir.Import(ctx, other, []community.Service{lunch.Service}, true, "an export"); err != nil {
		t.Errorf("re-importing county's unchanged service: %v, want it left alone", err)
	}
	_, err = dir.PostOpportunity(ctx, other, community.Opportunity{OrganisationID: lunch.Service.Organisation.ID, Title: "Wash up", Themes: []string{"food"},
		Minutes: 30, Respond: "Ask at the hall", RespondURL: "https://example.org/help", Location: community.Location{LSOA: "E01021637"}})
	if err == nil || !strings.Contains(err.Error(), "other partners' entries") {
		t.Errorf("posting for county's organisation: %v, want refused", err)
	}

	theirs := changed
	theirs.ID, theirs.Name, theirs.Organisation.ID = "svc-police-cadets", "Cadets drop-in", "org-cadets"
	if _, err := dir.Import(ctx, other, []community.Service{theirs}, true, "their feed"); err != nil {
		t.Fatal(err)
	}
	theirs.Name = "Cadets drop-in, changed by county"
	if _, err := dir.Import(ctx, vera, []community.Service{theirs}, true, "county feed"); fault.Code(err) != fault.Forbidden || !strings.Contains(fault.Message(err), "partner police") {
		t.Errorf("county's editor changing police's new service: %v, want refused", err)
	}
	if _, err := dir.Import(ctx, other, []community.Service{theirs}, true, "their feed"); err != nil {
		t.Errorf("police's editor changing its own service: %v", err)
	}
	vs, _ := dir.History(ctx, "svc-police-cadets")
	if len(vs) != 2 || vs[1].Owner != "police" || vs[1].Service.Name != theirs.Name {
		t.Errorf("police's service: %d versions, want 2 owned by police", len(vs))
	}
}
