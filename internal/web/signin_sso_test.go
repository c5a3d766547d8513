package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/sso"
	"github.com/civiclink/civiclink/internal/sso/ssotest"
)

// ssoFixture is a server whose county partner signs in through a real
// OpenID Connect provider started for the test; carl (county) is linked
// to the provider's account "carl", olive (police) to "olive".
type ssoFixture struct {
	*fixture
	op *ssotest.Provider
}

func newSSOFixture(t *testing.T, change func(*sso.Provider), set func(*Config)) *ssoFixture {
	t.Helper()
	op := ssotest.Start(t, "civiclink-web", "web-secret")
	op.Add("carl", ssotest.Account{Sub: "sub-carl", Email: "carl@county.example", EmailVerified: true})
	op.Add("olive", ssotest.Account{Sub: "sub-olive", Email: "olive@police.example", EmailVerified: true})
	op.Add("stranger", ssotest.Account{Sub: "sub-stranger", Email: "who@county.example", EmailVerified: true})
	p := sso.Provider{ID: "county", Name: "Essex County Council", Partner: "county", Issuer: op.URL, ClientID: "civiclink-web"}
	p.SetSecret("web-secret")
	if change != nil {
		change(&p)
	}
	cfg := &sso.Config{Providers: []sso.Provider{p}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	f := newFixtureWith(t, func(c *Config) {
		c.SSO = cfg
		if set != nil {
			set(c)
		}
	})
	op.Now = f.clock.Now // the provider's clock is the server's
	ctx := context.Background()
	for key, uid := range map[string]string{"sub-carl": analystID, "sub-olive": ownerID} {
		if err := f.st.SaveIdentity(ctx, &govern.Identity{Provider: "county", Key: key, UserID: uid, LinkedAt: f.clock.Now(), LinkedBy: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	return &ssoFixture{fixture: f, op: op}
}

// ssoAuthorise starts a single sign-on in c's browser and signs login in
// at the provider, returning the callback URL the provider sent the
// browser back to (not yet followed).
func (c *client) ssoAuthorise(op *ssotest.Provider, login string) string {
	c.tb.Helper()
	op.AutoLogin(login)
	res := c.do("GET", "/signin/sso/county?next=/datasets", nil, "")
	if res.StatusCode != http.StatusSeeOther {
		c.tb.Fatalf("start: %d %s", res.StatusCode, readBody(c.tb, res))
	}
	authz := res.Header.Get("Location")
	if !strings.HasPrefix(authz, op.URL+"/authorize?") {
		c.tb.Fatalf("start sent the browser to %q, want the provider", authz)
	}
	q, _ := url.Parse(authz)
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if q.Query().Get(k) == "" {
			c.tb.Fatalf("authorisation request has no %s: %s", k, authz)
		}
	}
	back, err := c.hc.Get(authz)
	if err != nil {
		c.tb.Fatal(err)
	}
	back.Body.Close()
	return back.Header.Get("Location")
}

// visit visits an absolute URL in c's browser.
func (c *client) visit(u string) *http.Response {
	c.tb.Helper()
	path, ok := strings.CutPrefix(u, c.base)
	if !ok {
		c.tb.Fatalf("%q is not on the server under test", u)
	}
	return c.do("GET", path, nil, "")
}

// me returns the user and CSRF token of c's session, "" if none.
func (c *client) me() (id, csrf string) {
	c.tb.Helper()
	res := c.do("GET", "/api/me", nil, "")
	body := readBody(c.tb, res)
	if res.StatusCode != http.StatusOK {
		return "", ""
	}
	var v struct {
		ID   string `json:"id"`
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		c.tb.Fatalf("/api/me: %v: %s", err, body)
	}
	return v.ID, v.CSRF
}

// signedInAs returns the user of c's session, "" if none.
func (c *client) signedInAs() string {
	id, _ := c.me()
	return id
}

// TestSSOSignIn signs in through the partner's provider: the session is a
// password sign-in's (same cookie, same pages, same sign-out), the login
// is on the audit log with the provider, and the browser goes on to where
// it was going.
func TestSSOSignIn(t *testing.T) {
	f := newSSOFixture(t, nil, nil)
	page := readBody(t, f.client(t).do("GET", "/signin?next=/datasets", nil, ""))
	if !strings.Contains(page, `href="/signin/sso/county?next=%2fdatasets"`) || !strings.Contains(page, "Sign in with Essex County Council") {
		t.Fatalf("sign-in page offers no provider button:\n%s", page)
	}
	c := f.client(t)
	res := c.visit(c.ssoAuthorise(f.op, "carl"))
	body := readBody(t, res)
	if res.StatusCode != http.StatusOK || res.Header.Get("Refresh") != "0; url=/datasets" || !strings.Contains(body, `href="/datasets"`) {
		t.Fatalf("callback: %d refresh %q\n%s", res.StatusCode, res.Header.Get("Refresh"), body)
	}
	var cookie *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == sessionCookie {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" || cookie.MaxAge != int(f.srv.cfg.SessionMaxAge/time.Second) {
		t.Fatalf("session cookie %+v, want a password sign-in's", cookie)
	}
	if got := c.signedInAs(); got != analystID {
		t.Fatalf("signed in as %q, want %s", got, analystID)
	}
	if n := storedSessions(t, f.fixture); n != 1 {
		t.Fatalf("%d sessions in the store after one sign-in", n)
	}
	ev := f.rec.find("login.sso")
	if len(ev) != 1 || ev[0].User != analystID || ev[0].Outcome != govern.OutcomeAllowed || ev[0].Target != "county:sub-carl" {
		t.Fatalf("audit %+v", ev)
	}
	out := c.do("POST", "/signout", strings.NewReader("csrf="+c.csrfOf()), "application/x-www-form-urlencoded")
	if out.StatusCode != http.StatusSeeOther || c.signedInAs() != "" {
		t.Fatalf("sign-out: %d, still signed in as %q", out.StatusCode, c.signedInAs())
	}
}

// TestSSORefusals are the attacks: each is refused with a page that
// says what to do, recorded with its reason, and leaves no session.
func TestSSORefusals(t *testing.T) {
	for _, tc := range []struct {
		name     string
		login    string
		mischief ssotest.Mischief
		attack   func(t *testing.T, f *ssoFixture, c *client, callback string) *http.Response
		message  string // on the page
		reason   string // in the audit log
	}{
		{name: "forged signature", login: "carl", mischief: ssotest.Mischief{ForgeKey: true},
			message: "failed its signature check", reason: "signature does not verify"},
		{name: "tampered id token", login: "carl", mischief: ssotest.Mischief{Tamper: map[string]any{"sub": "sub-olive"}},
			message: "failed its signature check", reason: "signature does not verify"},
		{name: "expired token", login: "carl", mischief: ssotest.Mischief{ExpiredBy: time.Hour},
			message: "has expired", reason: "expired at"},
		{name: "wrong audience", login: "carl", mischief: ssotest.Mischief{Claims: map[string]any{"aud": "someone-else"}},
			message: "issued to another application", reason: "another client"},
		{name: "unmapped user", login: "stranger",
			message: "not linked to a civiclink user", reason: "no civiclink user is linked"},
		{name: "user of another partner", login: "olive",
			message: "cannot sign in a user of another partner", reason: "belongs to partner police"},
		{name: "replayed state", login: "carl",
			attack: func(t *testing.T, f *ssoFixture, c *client, callback string) *http.Response {
				if res := c.visit(callback); res.StatusCode != http.StatusOK {
					t.Fatalf("first use: %d", res.StatusCode)
				}
				c.do("POST", "/signout", strings.NewReader("csrf="+c.csrfOf()), "application/x-www-form-urlencoded")
				return c.visit(callback)
			},
			message: "could not be finished", reason: "unknown, already used or expired"},
		{name: "answer taken to another browser", login: "carl",
			attack: func(t *testing.T, f *ssoFixture, _ *client, callback string) *http.Response {
				return f.client(t).visit(callback)
			},
			message: "could not be finished", reason: "started in another browser"},
		{name: "flow expired", login: "carl",
			attack: func(t *testing.T, f *ssoFixture, c *client, callback string) *http.Response {
				f.clock.Advance(ssoFlowTTL + time.Second)
				return c.visit(callback)
			},
			message: "could not be finished", reason: "unknown, already used or expired"},
		{name: "provider refused", login: "nobody",
			message: "could not be finished", reason: "the provider refused: access_denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSSOFixture(t, nil, nil)
			f.op.Misbehave(tc.mischief)
			c := f.client(t)
			callback := c.ssoAuthorise(f.op, tc.login)
			sessionsBefore := storedSessions(t, f.fixture)
			var res *http.Response
			if tc.attack != nil {
				res = tc.attack(t, f, c, callback)
			} else {
				res = c.visit(callback)
			}
			body := readBody(t, res)
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, tc.message) || !strings.Contains(body, `role="alert"`) {
				t.Fatalf("got %d, want 401 saying %q:\n%s", res.StatusCode, tc.message, body)
			}
			for _, ck := range res.Cookies() {
				if ck.Name == sessionCookie && ck.MaxAge >= 0 {
					t.Fatalf("a refused sign-in set a session cookie")
				}
			}
			if tc.attack == nil {
				if who := c.signedInAs(); who != "" {
					t.Fatalf("signed in as %q after a refusal", who)
				}
			}
			if n := storedSessions(t, f.fixture); n != sessionsBefore {
				t.Errorf("the store holds %d sessions after the refusal, %d before", n, sessionsBefore)
			}
			var found bool
			for _, e := range f.rec.find("login.sso") {
				found = found || (e.Outcome == govern.OutcomeDenied && strings.Contains(e.Reason, tc.reason))
			}
			if !found {
				t.Errorf("no denied login.sso saying %q in %+v", tc.reason, f.rec.find("login.sso"))
			}
		})
	}
}

// storedSessions counts the sessions in the fixture's store: a refused
// sign-in leaves none behind, whatever the browser was sent.
func storedSessions(t *testing.T, f *fixture) int {
	t.Helper()
	var n int
	if err := f.st.DB().QueryRow(`SELECT count(*) FROM web_sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// csrfOf returns the session's CSRF token.
func (c *client) csrfOf() string {
	_, csrf := c.me()
	return csrf
}

// TestSSOReplayBurst replays one good answer from the provider 40 times at
// once from the browser that started it: exactly one session results.
func TestSSOReplayBurst(t *testing.T) {
	f := newSSOFixture(t, nil, nil)
	c := f.client(t)
	callback := c.ssoAuthorise(f.op, "carl")
	u, _ := url.Parse(callback)
	binding := ""
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == ssoCookie {
			binding = ck.Value
		}
	}
	if binding == "" {
		t.Fatal("no flow cookie")
	}
	const n = 40
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequest("GET", callback, nil)
			req.AddCookie(&http.Cookie{Name: ssoCookie, Value: binding})
			res, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusOK {
			ok++
		} else if s != http.StatusUnauthorized {
			t.Errorf("a replay answered %d", s)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d replays of one answer signed in, want 1", ok, n)
	}
	if got := len(f.rec.find("login.sso")); got != n {
		t.Errorf("%d login.sso events for %d attempts", got, n)
	}
}

// TestSSOParallelSignIns runs 30 whole sign-ins at once in 30 browsers:
// each gets its own session, as its own user.
func TestSSOParallelSignIns(t *testing.T) {
	f := newSSOFixture(t, nil, func(c *Config) { c.SignIn.PerAddress = 1000 })
	f.op.AutoLogin("carl")
	const n = 30
	got := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := f.client(t)
			res, err := c.hc.Get(c.base + "/signin/sso/county")
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			back, err := c.hc.Get(res.Header.Get("Location"))
			if err != nil {
				t.Error(err)
				return
			}
			back.Body.Close()
			cb, err := c.hc.Get(back.Header.Get("Location"))
			if err != nil {
				t.Error(err)
				return
			}
			cb.Body.Close()
			me, err := c.hc.Get(c.base + "/api/me")
			if err != nil {
				t.Error(err)
				return
			}
			me.Body.Close()
			if me.StatusCode == http.StatusOK {
				got[i] = "ok"
			}
		})
	}
	wg.Wait()
	for i, g := range got {
		if g != "ok" {
			t.Errorf("browser %d is not signed in", i)
		}
	}
	f.srv.sessions.mu.Lock()
	sessions := len(f.srv.sessions.byID)
	f.srv.sessions.mu.Unlock()
	if sessions != n {
		t.Errorf("%d sessions, want %d", sessions, n)
	}
}

// TestSSOStartLimited: starts count towards the address's sign-in limit.
func TestSSOStartLimited(t *testing.T) {
	f := newSSOFixture(t, nil, func(c *Config) { c.SignIn.PerAddress = 3 })
	c := f.client(t)
	var codes []int
	for range 5 {
		res := c.do("GET", "/signin/sso/county", nil, "")
		codes = append(codes, res.StatusCode)
		if res.StatusCode == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
	}
	if want := []int{303, 303, 303, 429, 429}; !equalInts(codes, want) {
		t.Errorf("starts answered %v, want %v", codes, want)
	}
	if res := c.do("GET", "/signin/sso/nowhere", nil, ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown provider answered %d", res.StatusCode)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestSSOSecondFactor: a user whose role needs a second factor enters the
// civiclink code after the provider, unless the provider is trusted for
// it and says one was used.
func TestSSOSecondFactor(t *testing.T) {
	for _, tc := range []struct {
		name        string
		providerMFA bool
		amr         []string
		wantSession bool
	}{
		{"provider not trusted", false, []string{"pwd", "mfa"}, false},
		{"trusted, no mfa used", true, []string{"pwd"}, false},
		{"trusted, mfa used", true, []string{"pwd", "mfa"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newSSOFixture(t, func(p *sso.Provider) { p.Partner, p.ProviderMFA = "police", tc.providerMFA },
				func(c *Config) { c.SecondFactor = true })
			f.op.Add("olive", ssotest.Account{Sub: "sub-olive", AMR: tc.amr})
			c := f.client(t)
			res := c.visit(c.ssoAuthorise(f.op, "olive"))
			body := readBody(t, res)
			if who := c.signedInAs(); (who == ownerID) != tc.wantSession {
				t.Fatalf("signed in as %q; want a session: %v\n%s", who, tc.wantSession, body)
			}
			if !tc.wantSession && !strings.Contains(body, `action="/signin/mfa"`) {
				t.Fatalf("no second-factor form:\n%s", body)
			}
			if !tc.wantSession && !strings.Contains(body, `name="next" value="/datasets"`) {
				t.Errorf("the second step forgets where the browser was going")
			}
		})
	}
}

// TestSSOWhileLocked: the lockout guards the secrets civiclink checks
// itself (password and code), not a sign-in the partner's provider
// proved. With olive's password sign-in locked by five wrong passwords:
// through a provider trusted for the second factor she signs in, and the
// lock stays (her right password is still refused); through one that is
// not, the civiclink code step refuses even her right code as locked, and
// no session results. Both sign-ins are on the audit log.
func TestSSOWhileLocked(t *testing.T) {
	for _, trusted := range []bool{true, false} {
		t.Run(map[bool]string{true: "provider trusted for the second factor", false: "civiclink code needed"}[trusted], func(t *testing.T) {
			f := newSSOFixture(t, func(p *sso.Provider) { p.Partner, p.ProviderMFA = "police", trusted },
				func(c *Config) { c.SecondFactor = true })
			f.op.Add("olive", ssotest.Account{Sub: "sub-olive", AMR: []string{"pwd", "mfa"}})
			ctx := context.Background()
			olive, err := f.gov.Actor(ctx, ownerID)
			if err != nil {
				t.Fatal(err)
			}
			en, err := f.gov.EnrolMFA(ctx, olive)
			if err != nil {
				t.Fatal(err)
			}
			code, _ := totp.GenerateCode(en.Secret, f.clock.Now())
			if err := f.gov.ConfirmMFA(ctx, olive, code); err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				f.client(t).signIn(ownerID, fmt.Sprintf("wrong password %d", i))
			}
			locked := func() bool {
				res := f.client(t).signIn(ownerID, password)
				return res.StatusCode == http.StatusUnauthorized && strings.Contains(readBody(t, res), "this account is locked")
			}
			if !locked() {
				t.Fatal("five wrong passwords did not lock the account")
			}
			c := f.client(t)
			body := readBody(t, c.visit(c.ssoAuthorise(f.op, "olive")))
			if trusted {
				if who := c.signedInAs(); who != ownerID {
					t.Fatalf("through the trusted provider: signed in as %q:\n%s", who, body)
				}
				t.Logf("held: locked password sign-in, single sign-on through a provider trusted for the second factor → session")
			} else {
				m := csrfInput.FindStringSubmatch(body)
				if m == nil {
					t.Fatalf("no second step after the provider:\n%s", body)
				}
				f.clock.Advance(30 * time.Second)
				code, _ := totp.GenerateCode(en.Secret, f.clock.Now())
				res := c.do("POST", "/signin/mfa", strings.NewReader(url.Values{"csrf": {m[1]}, "code": {code}, "next": {"/"}}.Encode()), "application/x-www-form-urlencoded")
				body := readBody(t, res)
				if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "this account is locked") {
					t.Fatalf("the right code while locked: %d\n%s", res.StatusCode, body)
				}
				if who := c.signedInAs(); who != "" {
					t.Fatalf("signed in as %q with the account locked", who)
				}
				t.Logf("held: locked account, single sign-on needing the civiclink code → the right code refused as locked, no session")
			}
			if !locked() {
				t.Error("single sign-on cleared the password lockout")
			}
			ok := 0
			for _, e := range f.rec.find("login.sso") {
				if e.Outcome == govern.OutcomeAllowed && e.User == ownerID {
					ok++
				}
			}
			if ok != 1 {
				t.Errorf("%d allowed login.sso events for olive, want 1", ok)
			}
		})
	}
}
