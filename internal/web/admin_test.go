package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
)

// TestAdminTokens administers API tokens through the API and the partner
// admin's page: a token issued through the API is shown once and works;
// a nameless token or a lifetime that is not one is refused naming the
// field; a partner admin lists their partner's users' tokens and no other
// partner's, revokes a colleague's from the page (it stops working) and is
// refused another partner's, with the reason, recorded as denied; an
// analyst sees only their own tokens and not the page.
func TestAdminTokens(t *testing.T) {
	g := newGovernFixture(t)
	ctx := context.Background()
	issue := func(id string) (*govern.Token, string) {
		u, err := g.gov.Actor(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		tok, text, err := g.gov.IssueToken(ctx, u, "script of "+id, 0)
		if err != nil {
			t.Fatal(err)
		}
		return tok, text
	}
	_, pamText := issue(adminID)
	carlTok, carlText := issue(analystID)
	oliveTok, _ := issue(ownerID)
	c := g.client(t)
	bearer := func(text string) []string { return []string{"Authorization", "Bearer " + text} }
	api := func(method, path, body, text string) (int, string) {
		res := c.do(method, path, strings.NewReader(body), "application/json", bearer(text)...)
		return res.StatusCode, readBody(t, res)
	}

	st, body := api("POST", "/api/tokens", `{"name": "nightly ingest", "ttl": "720h"}`, pamText)
	var issued struct {
		Token govern.Token `json:"token"`
		Text  string       `json:"text"`
	}
	if json.Unmarshal([]byte(body), &issued); st != http.StatusCreated || !strings.HasPrefix(issued.Text, "cvl_") || issued.Token.ExpiresAt == nil {
		t.Fatalf("issue: %d %s", st, body)
	}
	if st, body := api("GET", "/api/me", "", issued.Text); st != http.StatusOK || !strings.Contains(body, `"id": "pam"`) {
		t.Errorf("the issued token does not act as pam: %d %s", st, body)
	}
	for _, bad := range []struct{ body, want string }{
		{`{"name": ""}`, `"field": "name"`},
		{`{"name": "x", "ttl": "soon"}`, `"field": "ttl"`},
		{`{"name": "x", "ttl": "-5h"}`, `not a positive duration`},
		{`name=x`, `must be JSON`},
	} {
		if st, body := api("POST", "/api/tokens", bad.body, pamText); st != http.StatusBadRequest || !strings.Contains(body, bad.want) {
			t.Errorf("issue %s: %d %s, want 400 with %s", bad.body, st, body, bad.want)
		}
	}

	var list struct {
		Tokens []govern.Token `json:"tokens"`
	}
	st, body = api("GET", "/api/tokens", "", pamText)
	json.Unmarshal([]byte(body), &list)
	var users []string
	for _, tk := range list.Tokens {
		users = append(users, tk.UserID)
	}
	if st != http.StatusOK || !slices.Contains(users, analystID) || slices.Contains(users, ownerID) || strings.Contains(body, "cvl_") {
		t.Errorf("pam's list: %d %v, want county's tokens only and no secrets: %s", st, users, body)
	}
	if st, body := api("GET", "/api/tokens", "", carlText); st != http.StatusOK || strings.Count(body, `"id"`) != 1 {
		t.Errorf("an analyst lists only their own token: %d %s", st, body)
	}
	if st, body := api("POST", "/api/tokens/"+oliveTok.ID+"/revoke", "", pamText); st != http.StatusForbidden || !strings.Contains(body, `cannot manage users of partner \"police\"`) {
		t.Errorf("pam revokes police's token: %d %s, want 403 naming the partner", st, body)
	}
	if st, body := api("POST", "/api/tokens/nosuchtoken1/revoke", "", pamText); st != http.StatusNotFound || !strings.Contains(body, "no API token") {
		t.Errorf("revoke an unknown token: %d %s", st, body)
	}

	// The page, as pam: revoke carl's token, create one, refusals shown.
	admin := g.as(t, adminID)
	st, page := admin.get("/admin/tokens")
	if st != http.StatusOK || !has(page, "revoke-"+carlTok.ID) || strings.Contains(page, oliveTok.ID) || !strings.Contains(page, `<label for="token-name">`) {
		t.Fatalf("/admin/tokens: %d %.600s", st, page)
	}
	res := admin.form("/admin/tokens/"+carlTok.ID+"/revoke", nil, true)
	if page := readBody(t, res); res.StatusCode != http.StatusOK || !strings.Contains(page, "Revoked token "+carlTok.ID) {
		t.Errorf("revoke by form: %d %.300s", res.StatusCode, page)
	}
	if st, _ := api("GET", "/api/me", "", carlText); st != http.StatusUnauthorized {
		t.Errorf("carl's revoked token still works: %d", st)
	}
	res = admin.form("/admin/tokens/"+oliveTok.ID+"/revoke", nil, true)
	if page := readBody(t, res); res.StatusCode != http.StatusForbidden || !has(page, "admin-problem") || !strings.Contains(page, "cannot manage users of partner") {
		t.Errorf("revoke police's token by form: %d, want 403 with the reason on the page", res.StatusCode)
	}
	res = admin.form("/admin/tokens", url.Values{"name": {"backup script"}, "ttl": {"2160h"}}, true)
	page = readBody(t, res)
	text := regexp.MustCompile(`<code id="token-text">(cvl_[^<]+)</code>`).FindStringSubmatch(page)
	if res.StatusCode != http.StatusCreated || text == nil {
		t.Fatalf("create by form: %d %.600s", res.StatusCode, page)
	}
	if st, _ := api("GET", "/api/me", "", text[1]); st != http.StatusOK {
		t.Errorf("the token made on the page does not work: %d", st)
	}
	if _, again := admin.get("/admin/tokens"); strings.Contains(again, text[1]) {
		t.Error("the token's text is shown again after it was created")
	}
	res = admin.form("/admin/tokens", url.Values{"name": {""}}, true)
	if page := readBody(t, res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "name the token for what it is for") {
		t.Errorf("a nameless token by form: %d %.300s", res.StatusCode, page)
	}
	if st, _ := g.as(t, analystID).get("/admin/tokens"); st != http.StatusForbidden {
		t.Errorf("an analyst opens /admin/tokens: %d, want 403", st)
	}

	allowed, denied := g.actions(t, govern.OutcomeAllowed), g.actions(t, govern.OutcomeDenied)
	if n := strings.Count(strings.Join(allowed, " "), "token.issue"); n < 5 || !slices.Contains(allowed, "token.revoke") {
		t.Errorf("allowed actions lack the issues (%d) or the revoke: %v", n, allowed)
	}
	if strings.Count(strings.Join(denied, " "), "token.revoke") != 2 {
		t.Errorf("denied actions: %v, want both refused revokes", denied)
	}
}

// TestAdminUsersPage adds a user from the partner admin's page (the typed
// values are kept when refused, the refusal names its cause), and refuses
// a partner admin who acts on another partner's user, recorded as denied.
func TestAdminUsersPage(t *testing.T) {
	g := newGovernFixture(t)
	admin := g.as(t, adminID)
	st, page := admin.get("/admin/users")
	if st != http.StatusOK || !has(page, "add-user") || !strings.Contains(page, `<label for="new-id">`) || strings.Contains(page, checkerID) {
		t.Fatalf("/admin/users: %d %.600s", st, page)
	}
	add := func(id, name, pw string, roles ...string) (int, string) {
		res := admin.form("/admin/users", url.Values{"id": {id}, "name": {name}, "password": {pw}, "roles": roles}, true)
		return res.StatusCode, readBody(t, res)
	}
	for _, bad := range []struct {
		id, name, pw string
		roles        []string
		want         string
	}{
		{"Dave Smith", "Dave Smith", password, []string{"analyst"}, "is not valid: use lower-case letters"},
		{"dave", "Dave Smith", password, nil, "no roles given"},
		{"dave", "Dave Smith", "short", []string{"analyst"}, "the password is too short"},
		{"dave", "Dave Smith", password, []string{"wizard"}, "wizard"},
		{ownerID, "Another Olive", password, []string{"analyst"}, ownerID},
	} {
		st, page := add(bad.id, bad.name, bad.pw, bad.roles...)
		if st < 400 || st >= 500 || !has(page, "admin-problem") || !strings.Contains(page, bad.want) || !strings.Contains(page, `value="Dave Smith"`) && bad.name == "Dave Smith" {
			t.Errorf("add %q %v: %d, want a refusal with %q and the typed name kept:\n%.500s", bad.id, bad.roles, st, bad.want, problem(page))
		}
	}
	if st, page := add("dave", "Dave Smith", password, "analyst", "output-checker"); st != http.StatusCreated || !strings.Contains(page, "Added dave (Dave Smith) with roles analyst, output-checker") {
		t.Fatalf("add dave: %d %.400s", st, problem(page))
	}
	if res := g.client(t).signIn("dave", password); res.StatusCode != http.StatusSeeOther {
		t.Errorf("dave signs in: %d", res.StatusCode)
	}
	res := admin.form("/admin/users/"+checkerID+"/disable", nil, true)
	if page := readBody(t, res); res.StatusCode != http.StatusForbidden || !strings.Contains(page, `cannot manage users of partner &#34;police&#34;`) {
		t.Errorf("pam disables police's chris: %d %.300s", res.StatusCode, problem(page))
	}
	res = admin.form("/admin/users/nobody/mfa-reset", nil, true)
	if page := readBody(t, res); res.StatusCode != http.StatusNotFound || !strings.Contains(problem(page), `no user &#34;nobody&#34;`) || strings.Contains(page, "civiclink user") {
		t.Errorf("reset the second factor of an unknown user: %d %.300s", res.StatusCode, problem(page))
	}
	if u, err := g.gov.Actor(context.Background(), checkerID); err != nil || u.Disabled {
		t.Errorf("chris after the refused disable: %v %v", u, err)
	}
	if denied := g.actions(t, govern.OutcomeDenied); !slices.Contains(denied, "user.disable") {
		t.Errorf("the refused disable is not recorded: %v", denied)
	}
	if allowed := g.actions(t, govern.OutcomeAllowed); !slices.Contains(allowed, "user.create") {
		t.Errorf("the added user is not recorded: %v", allowed)
	}
}

// problem returns the refusal a page shows, or the page.
func problem(page string) string {
	if m := regexp.MustCompile(`(?s)id="admin-problem">(.*?)</p>`).FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return page
}
