package web

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// TestBrowserAccountMFA sets up a second factor on /account in a real
// Chromium as a user would: the key is read off the page and a code made
// from it by a real TOTP generator (pquerna/otp), then confirmed; after
// signing out, sign-in asks for a code and the generator's next code
// signs in; a recovery code read off the enrolment page signs in once,
// and the same recovery code a second time is refused with a page saying
// why.
func TestBrowserAccountMFA(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	ctx := browser(t)
	f := newFixtureWith(t, func(c *Config) { c.SecondFactor = true })
	dir := artefacts(t)
	var secret, done, signedIn, mfaPage, afterRecovery, refused string
	var recovery []string
	code := func(at time.Time) string {
		c, err := totp.GenerateCode(secret, at)
		if err != nil {
			t.Fatalf("generate a code from the page's key %q: %v", secret, err)
		}
		return c
	}
	typeCode := func(c *string) chromedp.Action {
		return chromedp.ActionFunc(func(ctx2 context.Context) error {
			return chromedp.Tasks{chromedp.SendKeys(`#code`, *c, chromedp.ByQuery), through(chromedp.Submit(`#code`, chromedp.ByQuery))}.Do(ctx2)
		})
	}
	var enrolCode, signInCode, recoveryCode string
	steps := []struct {
		name    string
		actions []chromedp.Action
	}{
		{"sign in with the password", append([]chromedp.Action{chromedp.Navigate(f.ts.URL + "/account")}, signInAs(analystID)...)},
		{"start the second factor", []chromedp.Action{
			chromedp.Navigate(f.ts.URL + "/account"),
			chromedp.WaitVisible(`#mfa-start`, chromedp.ByQuery),
			clickThrough(`#mfa-start`),
			chromedp.WaitVisible(`#mfa-qr`, chromedp.ByQuery),
			chromedp.Text(`#mfa-secret`, &secret, chromedp.ByQuery),
			chromedp.Evaluate(`[...document.querySelectorAll('#mfa-recovery code')].map(c => c.textContent)`, &recovery),
			shot(t, dir, "account-01-enrol"),
			chromedp.ActionFunc(func(context.Context) error { enrolCode = code(f.clock.Now()); return nil }),
			typeCode(&enrolCode),
			chromedp.WaitVisible(`#account-done`, chromedp.ByQuery),
			chromedp.Text(`#account-done`, &done, chromedp.ByQuery),
			shot(t, dir, "account-02-done"),
		}},
		{"sign out, sign in with a code", []chromedp.Action{
			signOut(),
			chromedp.SendKeys(`#user`, analystID, chromedp.ByQuery),
			chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
			through(chromedp.Submit(`#password`, chromedp.ByQuery)),
			chromedp.WaitVisible(`#code`, chromedp.ByQuery),
			chromedp.Evaluate(`document.body.innerText`, &mfaPage),
			shot(t, dir, "account-03-code"),
			// The next 30-second step: a code once used is never taken again.
			chromedp.ActionFunc(func(context.Context) error {
				f.clock.Advance(30 * time.Second)
				signInCode = code(f.clock.Now())
				return nil
			}),
			typeCode(&signInCode),
			chromedp.WaitVisible(`form.signout`, chromedp.ByQuery),
			chromedp.Evaluate(`document.body.innerText`, &signedIn),
		}},
		{"sign in with a recovery code", []chromedp.Action{
			signOut(),
			chromedp.ActionFunc(func(context.Context) error { recoveryCode = recovery[3]; return nil }),
			chromedp.SendKeys(`#user`, analystID, chromedp.ByQuery),
			chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
			through(chromedp.Submit(`#password`, chromedp.ByQuery)),
			chromedp.WaitVisible(`#code`, chromedp.ByQuery),
			typeCode(&recoveryCode),
			chromedp.WaitVisible(`form.signout`, chromedp.ByQuery),
			chromedp.Evaluate(`document.body.innerText`, &afterRecovery),
			shot(t, dir, "account-04-recovery"),
		}},
		{"the same recovery code again", []chromedp.Action{
			signOut(),
			chromedp.SendKeys(`#user`, analystID, chromedp.ByQuery),
			chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
			through(chromedp.Submit(`#password`, chromedp.ByQuery)),
			chromedp.WaitVisible(`#code`, chromedp.ByQuery),
			typeCode(&recoveryCode),
			chromedp.WaitVisible(`#mfa-error`, chromedp.ByQuery),
			chromedp.Text(`#mfa-error`, &refused, chromedp.ByQuery),
			shot(t, dir, "account-05-recovery-reused"),
		}},
	}
	for _, s := range steps {
		if err := chromedp.Run(ctx, s.actions...); err != nil {
			t.Fatalf("%s: %v\n%s", s.name, err, f.logs)
		}
	}
	if len(secret) < 16 || len(recovery) != 10 {
		t.Fatalf("the enrolment page showed key %q and %d recovery codes, want a base-32 key and 10 codes", secret, len(recovery))
	}
	if !strings.Contains(done, "Your second factor is set up") {
		t.Errorf("after confirming, the account page says %q", done)
	}
	if !strings.Contains(mfaPage, "Enter the six-digit code") {
		t.Errorf("sign-in after enrolment did not ask for a code:\n%s", mfaPage)
	}
	if !strings.Contains(signedIn, "Carl Analyst") || !strings.Contains(afterRecovery, "Carl Analyst") {
		t.Errorf("not signed in after the code (%t) or the recovery code (%t)", strings.Contains(signedIn, "Carl Analyst"), strings.Contains(afterRecovery, "Carl Analyst"))
	}
	if refused == "" {
		t.Error("a recovery code used twice signed in")
	}
	t.Logf("attack: recovery code %s used a second time → refused: %q", recoveryCode, refused)
	if n := len(f.rec.find("login")); n < 3 {
		t.Errorf("%d sign-ins on the audit log, want at least 3", n)
	}
}
