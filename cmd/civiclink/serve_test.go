package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/govern"
)

// servedStore starts the web app over a new store as `civiclink serve`
// wires it, with one data owner, pat, who signs in with servedPassword.
func servedStore(t *testing.T) (*Main, *httptest.Server) {
	t.Helper()
	return servedWith(t, nil)
}

// cheapArgon are password-hashing costs that keep tests fast.
var cheapArgon = govern.Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// servedWith is [servedStore] with serve's web options set by opts (the
// password-hashing costs are cheap unless opts sets others; pat's
// password is hashed with them).
func servedWith(t *testing.T, opts func(*webOptions)) (*Main, *httptest.Server) {
	t.Helper()
	ctx := context.Background()
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Clock: clock.System{},
		DataPath: filepath.Join(t.TempDir(), "s.duckdb"), User: "tester"}
	m.web.argon2 = cheapArgon
	m.web.secondFactorOff = true // TestSignInSecondFactor turns it on
	if opts != nil {
		opts(&m.web)
	}
	t.Cleanup(func() { closed(t, m, []string{"serve"}) })
	st, err := m.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "police", Name: "Essex Police"}); err != nil {
		t.Fatal(err)
	}
	gov, _, err := m.governService(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gov.Argon2 = m.web.argon2
	if err := gov.Bootstrap(ctx, &govern.User{ID: "pat", PartnerID: "police", Name: "Pat", Roles: []govern.Role{govern.DataOwner}}, servedPassword); err != nil {
		t.Fatal(err)
	}
	srv, err := m.webServer(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	return m, ts
}

const servedPassword = "a long enough passphrase"

// TestServeWiring starts the web app as `civiclink serve` wires it and
// checks that a browser sign-in lands on the store's signed audit log.
func TestServeWiring(t *testing.T) {
	m, ts := servedStore(t)
	const password = servedPassword

	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Get(ts.URL + "/healthz")
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res, err = hc.Get(ts.URL + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if tok == nil {
		t.Fatal("no CSRF field on the sign-in form")
	}
	res, err = hc.PostForm(ts.URL+"/signin", url.Values{"user": {"pat"}, "password": {password}, "csrf": {string(tok[1])}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got, want := res.StatusCode, http.StatusSeeOther; got != want {
		t.Fatalf("sign-in status = %d, want %d", got, want)
	}

	logins := 0
	for _, e := range loggedEvents(t, m, "login") {
		if e.User == "pat" && e.Outcome == audit.Allowed {
			logins++
		}
	}
	if logins != 1 {
		t.Errorf("%d signed-in events for pat on the audit log, want 1", logins)
	}
}
