package web

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/civiclink/civiclink/internal/govern"
)

// TestBrowserAdmin administers a partner's users and API tokens in a real
// Chromium as the partner admin would: adds a colleague with the labelled
// form (a too-short password first, refused with the reason and the typed
// name kept), gives them another role, resets their password and second
// factor, disables them; creates an API token and reads it once off the
// page (it signs a request in), revokes the colleague's token; and axe
// finds nothing serious on either page at 1280 and 390 px.
func TestBrowserAdmin(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	axe := axeSource(t)
	ctx := browser(t)
	g := newGovernFixture(t)
	dir := artefacts(t)
	base := g.ts.URL
	carl, err := g.gov.Actor(context.Background(), analystID)
	if err != nil {
		t.Fatal(err)
	}
	carlTok, _, err := g.gov.IssueToken(context.Background(), carl, "carl's export", 0)
	if err != nil {
		t.Fatal(err)
	}
	submit := func(form string) chromedp.Action {
		return through(chromedp.Click(`form[action="`+form+`"] button[type=submit]`, chromedp.ByQuery))
	}
	var refused, keptName, added, rolesDone, pwDone, mfaDone, disabled, created, tokenText, revoked string
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"sign in as the partner admin", append([]chromedp.Action{chromedp.Navigate(base + "/admin/users")}, signInAs(adminID)...)},
		{"add a colleague: a short password is refused", []chromedp.Action{
			chromedp.Navigate(base + "/admin/users"),
			chromedp.WaitVisible(`#add-user`, chromedp.ByQuery),
			chromedp.SendKeys(`#new-id`, "dave", chromedp.ByQuery),
			chromedp.SendKeys(`#new-name`, "Dave Smith", chromedp.ByQuery),
			chromedp.Click(`#add-user input[value="analyst"]`, chromedp.ByQuery),
			// minlength would stop the browser sending it: the server's
			// refusal is what is under test.
			chromedp.Evaluate(`document.querySelector('#new-password').removeAttribute('minlength')`, nil),
			chromedp.SendKeys(`#new-password`, "short", chromedp.ByQuery),
			submit("/admin/users"),
			chromedp.Text(`#admin-problem`, &refused, chromedp.ByQuery),
			chromedp.Value(`#new-name`, &keptName, chromedp.ByQuery),
			shot(t, dir, "admin-01-refused"),
		}},
		{"add a colleague", []chromedp.Action{
			chromedp.SendKeys(`#new-password`, password, chromedp.ByQuery),
			submit("/admin/users"),
			chromedp.Text(`#admin-notice`, &added, chromedp.ByQuery),
		}},
		{"another role, a new password, a new second factor, disabled", []chromedp.Action{
			chromedp.Click(`form[action="/admin/users/dave/roles"] input[value="output-checker"]`, chromedp.ByQuery),
			submit("/admin/users/dave/roles"),
			chromedp.Text(`#admin-notice`, &rolesDone, chromedp.ByQuery),
			chromedp.SendKeys(`#pw-dave`, "a different long passphrase", chromedp.ByQuery),
			submit("/admin/users/dave/password"),
			chromedp.Text(`#admin-notice`, &pwDone, chromedp.ByQuery),
			submit("/admin/users/dave/mfa-reset"),
			chromedp.Text(`#admin-notice`, &mfaDone, chromedp.ByQuery),
			submit("/admin/users/dave/disable"),
			chromedp.Text(`#admin-notice`, &disabled, chromedp.ByQuery),
			shot(t, dir, "admin-02-users"),
		}},
		{"create a token, revoke a colleague's", []chromedp.Action{
			clickThrough(`nav a[href="/admin/tokens"]`),
			chromedp.SendKeys(`#token-name`, "nightly ingest", chromedp.ByQuery),
			chromedp.SetValue(`#token-ttl`, "720h", chromedp.ByQuery),
			submit("/admin/tokens"),
			chromedp.Text(`#created-heading`, &created, chromedp.ByQuery),
			chromedp.Text(`#token-text`, &tokenText, chromedp.ByQuery),
			shot(t, dir, "admin-03-token"),
			clickThrough(`#revoke-` + carlTok.ID),
			chromedp.Text(`#admin-notice`, &revoked, chromedp.ByQuery),
			shot(t, dir, "admin-04-revoked"),
		}},
	}
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions...); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	checks := []struct{ what, got, want string }{
		{"refusal", refused, "the password is too short"},
		{"typed name kept", keptName, "Dave Smith"},
		{"added", added, "Added dave (Dave Smith) with roles analyst"},
		{"roles", rolesDone, "Done: roles for dave"},
		{"password", pwDone, "Done: password for dave"},
		{"second factor", mfaDone, "Done: mfa-reset for dave"},
		{"disabled", disabled, "Done: disable for dave"},
		{"created", created, "created: copy it now"},
		{"revoked", revoked, "Revoked token " + carlTok.ID},
	}
	for _, c := range checks {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("%s: %q, want %q", c.what, c.got, c.want)
		}
	}
	if u, err := g.gov.TokenUser(context.Background(), tokenText); err != nil || u.ID != adminID {
		t.Errorf("the token read off the page: %v %v, want it to act as %s", u, err, adminID)
	}
	if u, err := g.st.User(context.Background(), "dave"); err != nil || !u.Disabled || !slices.Contains(u.Roles, govern.OutputChecker) {
		t.Errorf("dave after the forms: %+v %v, want disabled with output-checker", u, err)
	}
	for _, path := range []string{"/admin/users", "/admin/tokens"} {
		problems, _, err := a11yCheck(ctx, base, path, axe, true)
		if err != nil {
			t.Fatalf("axe on %s: %v", path, err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", path, p)
		}
	}
}
