package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
)

// TestLinkageAdoptPage: a second run's page says it is a draft and how it
// compares with the current run; another partner's analyst can neither
// see nor adopt it (the current run stays); the data owner of both its
// datasets adopts it from the page, which then says it is current; a
// linkage steward rolls back.
func TestLinkageAdoptPage(t *testing.T) {
	f := newFixture(t)
	f.addLinkable(t)
	c := f.client(t)
	c.signIn(ownerID, password)
	first := startRun(t, c)
	second := startRun(t, c)
	page := "/linkage/runs/" + fmt.Sprint(second.RunID)
	body := readBody(t, c.do("GET", page, nil, ""))
	if !strings.Contains(body, "This run is a draft") || !strings.Contains(body, `id="adoption-compare"`) || !strings.Contains(body, fmt.Sprintf("run %d</a>", first.RunID)) {
		t.Fatalf("the draft's page does not say it is a draft against run %d: %.2000s\n%s", first.RunID, body, f.logs)
	}
	other := f.client(t)
	other.signIn(analystID, password)
	if res := other.do("GET", page, nil, ""); res.StatusCode != http.StatusForbidden {
		t.Errorf("another user sees the draft: %d, want 403", res.StatusCode)
	}
	adopt := func(cl *client) int {
		form := url.Values{"csrf": {cl.csrf}, "note": {"test"}}
		return cl.do("POST", page+"/adopt", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded").StatusCode
	}
	if got := adopt(other); got != http.StatusForbidden {
		t.Errorf("another partner's analyst adopts: %d, want 403", got)
	}
	cur, err := f.st.CurrentLinkageRun(context.Background())
	if err != nil || cur.ID != first.RunID {
		t.Fatalf("after a refused adoption the current run is %v (%v), want %d", cur, err, first.RunID)
	}
	if got := adopt(c); got != http.StatusSeeOther {
		t.Fatalf("the data owner of both datasets adopts: %d, want 303", got)
	}
	if body := readBody(t, c.do("GET", page, nil, "")); !strings.Contains(body, "This is the partnership's current run") {
		t.Errorf("after adoption the page does not say the run is current")
	}
	h, err := govern.HashPasswordWith(password, cheapArgon)
	if err != nil {
		t.Fatal(err)
	}
	steward := &govern.User{ID: "sue.steward", PartnerID: "county", Name: "Sue", Roles: []govern.Role{govern.LinkageSteward}, PasswordHash: h}
	if err := f.st.CreateUser(context.Background(), steward); err != nil {
		t.Fatal(err)
	}
	s := f.client(t)
	s.signIn(steward.ID, password)
	form := url.Values{"csrf": {s.csrf}}
	if res := s.do("POST", "/linkage/rollback", strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the steward rolls back: %d, want 303", res.StatusCode)
	}
	if cur, err := f.st.CurrentLinkageRun(context.Background()); err != nil || cur.ID != first.RunID {
		t.Errorf("after the rollback the current run is %v (%v), want %d", cur, err, first.RunID)
	}
}
