package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSSO signs in through a partner's identity provider in a real
// Chromium, the provider being a real OpenID Connect provider on another
// site (localhost, the server 127.0.0.1): the button on the sign-in page,
// the provider's own sign-in form, back to civiclink and on to the page
// asked for, signed in; sign out; the provider's answer replayed is
// refused with a page saying so; an account linked to no user is refused
// with a page saying to ask the partner admin.
func TestBrowserSSO(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	f := newSSOFixture(t, nil, nil)
	dir := artefacts(t)
	var location, user, callback, replayed, unmapped string
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"the sign-in page offers the provider", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/datasets"),
			chromedp.WaitVisible(`#sso-providers a`, chromedp.ByQuery),
			shot(t, dir, "sso-01-signin"),
			clickThrough(`#sso-providers a`),
		}},
		{"sign in at the provider", []chromedp.Action{
			chromedp.WaitVisible(`#login`, chromedp.ByQuery),
			chromedp.Location(&location),
			chromedp.SendKeys(`#login`, "carl", chromedp.ByQuery),
			shot(t, dir, "sso-02-provider"),
			chromedp.Click(`#idp-submit`, chromedp.ByQuery),
			chromedp.WaitVisible(`form.signout`, chromedp.ByQuery),
			chromedp.Evaluate(`document.querySelector('form.signout') && document.body.innerText`, &user),
			chromedp.Evaluate(`location.pathname`, &callback),
			shot(t, dir, "sso-03-signed-in"),
		}},
		{"sign out", []chromedp.Action{signOut()}},
	}
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions...); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
	if !strings.HasPrefix(location, f.op.URL+"/authorize") {
		t.Errorf("the button led to %q, want the provider", location)
	}
	if callback != "/datasets" {
		t.Errorf("after the provider the browser is at %q, want /datasets", callback)
	}
	if !strings.Contains(user, "Carl Analyst") {
		t.Errorf("the signed-in page does not name Carl Analyst:\n%s", user)
	}

	// An attacker replays a provider's answer (its callback URL, as a
	// proxy log or browser history would hold it) that signed someone in.
	f.op.AutoLogin("carl")
	c := f.client(t)
	answer := c.ssoAuthorise(f.op, "carl")
	if res := c.visit(answer); res.StatusCode != 200 {
		t.Fatalf("first use of the answer: %d", res.StatusCode)
	}
	if err := chromedp.Run(ctx,
		chromedp.Navigate(answer),
		chromedp.WaitVisible(`#signin-error`, chromedp.ByQuery),
		chromedp.Text(`#signin-error`, &replayed, chromedp.ByQuery),
		shot(t, dir, "sso-04-replayed"),
	); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if !strings.Contains(replayed, "could not be finished") {
		t.Errorf("the replayed answer's page says %q", replayed)
	}
	f.op.AutoLogin("")
	if err := chromedp.Run(ctx,
		chromedp.Navigate(f.ts.URL+"/signin"),
		clickThrough(`#sso-providers a`),
		chromedp.WaitVisible(`#login`, chromedp.ByQuery),
		chromedp.SendKeys(`#login`, "stranger", chromedp.ByQuery),
		chromedp.Click(`#idp-submit`, chromedp.ByQuery),
		chromedp.WaitVisible(`#signin-error`, chromedp.ByQuery),
		chromedp.Text(`#signin-error`, &unmapped, chromedp.ByQuery),
		shot(t, dir, "sso-05-unmapped"),
	); err != nil {
		t.Fatalf("unmapped: %v", err)
	}
	if !strings.Contains(unmapped, "not linked to a civiclink user") {
		t.Errorf("the unmapped account's page says %q", unmapped)
	}
}
