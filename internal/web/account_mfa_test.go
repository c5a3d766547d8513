package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/pquerna/otp/totp"
)

// TestAccountMFA: an analyst (second factor optional) sets one up on the
// account page with a code from a real TOTP generator; a wrong code is
// refused with what to do and enrols nothing; without the CSRF token the
// form is refused; once enrolled, sign-in asks for a code.
func TestAccountMFA(t *testing.T) {
	f := newFixtureWith(t, func(c *Config) { c.SecondFactor = true })
	c := f.client(t)
	if res := c.signIn(analystID, password); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	if body := readBody(t, c.do("GET", "/account", nil, "")); !strings.Contains(body, `id="mfa-start"`) {
		t.Fatalf("the account page offers no second factor:\n%s", body)
	}
	post := func(path string, v url.Values) *http.Response {
		return c.do("POST", path, strings.NewReader(v.Encode()), "application/x-www-form-urlencoded")
	}
	if res := post("/account/mfa", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Fatalf("enrol without the CSRF token: %d, want 403", res.StatusCode)
	}
	enrol := func() string {
		body := readBody(t, post("/account/mfa", url.Values{"csrf": {c.csrf}}))
		m := regexp.MustCompile(`id="mfa-secret">([A-Z2-7]+)<`).FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, `id="mfa-qr"`) || strings.Count(body, "<li><code>") != 10 {
			t.Fatalf("enrolment page lacks the key, QR code or 10 recovery codes:\n%s", body)
		}
		return m[1]
	}
	enrol()
	res := post("/account/mfa/confirm", url.Values{"csrf": {c.csrf}, "code": {"000000"}})
	if body := readBody(t, res); res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Start again") {
		t.Fatalf("a wrong code: %d\n%s", res.StatusCode, body)
	}
	if ok, _ := f.gov.MFAEnrolled(context.Background(), analystID); ok {
		t.Fatal("a wrong code enrolled")
	}
	secret := enrol()
	code, _ := totp.GenerateCode(secret, f.clock.Now())
	if res := post("/account/mfa/confirm", url.Values{"csrf": {c.csrf}, "code": {code}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the right code: %d %s", res.StatusCode, readBody(t, res))
	}
	if ok, _ := f.gov.MFAEnrolled(context.Background(), analystID); !ok {
		t.Fatal("not enrolled after the right code")
	}
	if body := readBody(t, c.do("GET", "/account?mfa=on", nil, "")); !strings.Contains(body, `id="account-done"`) || strings.Contains(body, `id="mfa-start"`) {
		t.Errorf("the account page after enrolment:\n%s", body)
	}
	again := f.client(t)
	res = again.signIn(analystID, password)
	if body := readBody(t, res); res.StatusCode != http.StatusOK || !strings.Contains(body, `action="/signin/mfa"`) {
		t.Errorf("after enrolling, sign-in does not ask for a code: %d", res.StatusCode)
	}
}
