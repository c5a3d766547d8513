package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/civiclink/civiclink/internal/govern"
)

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post fills the form on page (its csrf token) and posts it to path.
func (b *browser) post(path, page string, vals url.Values) (int, string) {
	b.t.Helper()
	tok := csrfField.FindStringSubmatch(page)
	if tok == nil {
		b.t.Fatalf("no csrf token on the page before %s: %.300s", path, page)
	}
	vals.Set("csrf", tok[1])
	res, err := b.hc.PostForm(b.base+path, vals)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, string(body)
}

func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	res, err := b.hc.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, string(body)
}

// signIn posts the password form and returns the answer.
func (b *browser) signIn(user, password string) (int, string) {
	b.t.Helper()
	_, page := b.get("/signin")
	return b.post("/signin", page, url.Values{"user": {user}, "password": {password}})
}

// TestSignInSecondFactor signs a data owner in with a second factor over
// real HTTP: the first sign-in enrols (QR code, key, recovery codes) and
// needs a code from a real TOTP generator; later ones ask for a code, and
// refuse a wrong or used one; a recovery code works once; an analyst,
// who need not have one, signs in with the password alone.
func TestSignInSecondFactor(t *testing.T) {
	m, ts := servedWith(t, func(o *webOptions) { o.secondFactorOff = false })
	ctx := context.Background()

	b := newBrowser(t, ts.URL)
	status, page := b.signIn("pat", servedPassword)
	if status != http.StatusOK || !strings.Contains(page, "Set up your second factor") || !strings.Contains(page, `src="data:image/png;base64,`) {
		t.Fatalf("first sign-in: %d, want the enrolment page with a QR code: %.400s", status, page)
	}
	secret := regexp.MustCompile(`id="mfa-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)
	codes := regexp.MustCompile(`<li><code>([a-z2-9-]+)</code></li>`).FindAllStringSubmatch(page, -1)
	if secret == nil || len(codes) != 10 {
		t.Fatalf("the enrolment page shows no key or not 10 recovery codes: %.600s", page)
	}
	if s, _ := b.get("/api/me"); s != http.StatusUnauthorized {
		t.Fatalf("before the second factor /api/me = %d, want 401", s)
	}
	status, page2 := b.post("/signin/mfa", page, url.Values{"code": {"000000"}})
	if status != http.StatusUnauthorized || !strings.Contains(page2, "wrong or out of date") || !strings.Contains(page2, secret[1]) {
		t.Fatalf("a wrong code while enrolling: %d, want 401 and the enrolment again: %.300s", status, page2)
	}
	code, _ := totp.GenerateCode(secret[1], time.Now())
	if status, _ := b.post("/signin/mfa", page2, url.Values{"code": {code}}); status != http.StatusSeeOther {
		t.Fatalf("the right code: %d, want 303", status)
	}
	if s, _ := b.get("/api/me"); s != http.StatusOK {
		t.Fatalf("after enrolling /api/me = %d, want 200", s)
	}

	// Next sign-in: a code, not an enrolment; the used code is refused.
	b2 := newBrowser(t, ts.URL)
	status, page = b2.signIn("pat", servedPassword)
	if status != http.StatusOK || !strings.Contains(page, "Second factor") || strings.Contains(page, "mfa-secret") {
		t.Fatalf("second sign-in: %d, want the code page without the key: %.300s", status, page)
	}
	if status, page = b2.post("/signin/mfa", page, url.Values{"code": {code}}); status != http.StatusUnauthorized {
		t.Fatalf("a used code: %d, want 401", status)
	}
	if status, _ = b2.post("/signin/mfa", page, url.Values{"code": {codes[0][1]}}); status != http.StatusSeeOther {
		t.Fatalf("a recovery code: %d, want 303", status)
	}
	b3 := newBrowser(t, ts.URL)
	_, page = b3.signIn("pat", servedPassword)
	if status, _ = b3.post("/signin/mfa", page, url.Values{"code": {codes[0][1]}}); status != http.StatusUnauthorized {
		t.Fatalf("a recovery code used twice: %d, want 401", status)
	}

	// An analyst need not have a second factor.
	gov, _, err := m.governService(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gov.Argon2 = cheapArgon
	pat, _ := gov.Actor(ctx, "pat")
	pat.Roles = append(pat.Roles, govern.PartnerAdmin)
	st, err := m.currentStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.UpdateUser(ctx, pat); err != nil {
		t.Fatal(err)
	}
	ana := &govern.User{ID: "ana", PartnerID: "police", Name: "Ana", Roles: []govern.Role{govern.Analyst}}
	if err := gov.CreateUser(ctx, pat, ana, servedPassword); err != nil {
		t.Fatal(err)
	}
	if status, page = newBrowser(t, ts.URL).signIn("ana", servedPassword); status != http.StatusSeeOther {
		t.Fatalf("an analyst's sign-in: %d, want 303: %.300s", status, page)
	}
}
