package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/civiclink/civiclink/internal/sso/ssotest"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
)

// TestSSOTwoProcessesPostgres runs two real `civiclink serve` processes on
// one PostgreSQL database with a real OpenID Connect provider: a single
// sign-on started on A and answered at B signs in (the flow is in the
// database, not in A's memory); the same answer replayed at A is then
// refused; and one answer sent 20 times at once to each process signs in
// exactly once.
func TestSSOTwoProcessesPostgres(t *testing.T) {
	dir := t.TempDir()
	db := pgtest.Fresh(t)
	op := ssotest.Start(t, "civiclink-two", "two-secret")
	op.Add("ada", ssotest.Account{Sub: "sub-ada", Email: "ada@county.example", EmailVerified: true})
	secret, conf, pw := filepath.Join(dir, "secret"), filepath.Join(dir, "sso.json"), filepath.Join(dir, "pw")
	os.WriteFile(secret, []byte("two-secret\n"), 0o600)
	os.WriteFile(pw, []byte(servedPassword+"\n"), 0o600)
	os.WriteFile(conf, []byte(fmt.Sprintf(`{"providers": [{"id": "county", "name": "County", "partner": "county",
		"issuer": %q, "client_id": "civiclink-two", "client_secret_file": %q}]}`, op.URL, secret)), 0o600)
	pgRun(t, dir, db, "partner", "add", "--id", "county", "--name", "County Council")
	pgRun(t, dir, db, "--user", "ada", "user", "bootstrap", "--id", "ada", "--partner", "county", "--name", "Ada", "--password-file", pw)
	pgRun(t, dir, db, "--user", "ada", "user", "sso", "link", "--sso", conf, "county", "sub-ada", "ada")

	a, b := twoServers(t, dir, db, "--sso", conf, "--signins-per-minute", "1000")

	// authorise starts a sign-on on A in br and signs ada in at the
	// provider; it returns the provider's answer (A's callback URL).
	authorise := func(br *browser) string {
		t.Helper()
		op.AutoLogin("ada")
		res, err := br.hc.Get(a + "/signin/sso/county")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("start on A: %d", res.StatusCode)
		}
		back, err := br.hc.Get(res.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		back.Body.Close()
		cb := back.Header.Get("Location")
		if !strings.HasPrefix(cb, a+"/signin/sso/county/callback?") {
			t.Fatalf("the provider sent the browser to %q, want A's callback", cb)
		}
		return cb
	}

	br := newBrowser(t, b)
	cb := authorise(br)
	atB := b + strings.TrimPrefix(cb, a)
	res, err := br.hc.Get(atB)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("the answer at B of a sign-on started on A: %d, want 200", res.StatusCode)
	}
	if status, body := br.get("/api/me"); status != http.StatusOK || !strings.Contains(body, `"ada"`) {
		t.Fatalf("after the answer at B: /api/me = %d %.200s", status, body)
	}
	t.Logf("held: a sign-on started on A and answered at B signs in")
	replay := newBrowser(t, a)
	replay.hc.Jar = br.hc.Jar // the same browser, its flow cookie included
	res, err = replay.hc.Get(cb)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("the same answer replayed at A: %d, want 401", res.StatusCode)
	}

	// One answer, 20 copies at once to each process: one session.
	burst := newBrowser(t, a)
	cb = authorise(burst)
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 40 {
		wg.Go(func() {
			u := cb
			if i%2 == 1 {
				u = b + strings.TrimPrefix(cb, a)
			}
			res, err := burst.hc.Get(u)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			mu.Lock()
			statuses[res.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	t.Logf("attack: one provider answer sent 20 times at once to each of two processes → %v", statuses)
	if statuses[http.StatusOK] != 1 || statuses[http.StatusUnauthorized] != 39 {
		t.Errorf("statuses %v, want one 200 and 39 401", statuses)
	}
}

// TestSecondFactorTwoProcessesPostgres signs in with a password on one of
// two real `civiclink serve` processes on one PostgreSQL database and
// sends the second factor's code to the other: the step waiting for the
// code is in the database, so a wrong code at B counts, and the right
// code at A then signs in; the step is used up once done.
func TestSecondFactorTwoProcessesPostgres(t *testing.T) {
	dir := t.TempDir()
	db := pgtest.Fresh(t)
	pgCounty(t, dir, db)
	out := pgRun(t, dir, db, "--user", "bo", "user", "mfa", "enrol")
	key := regexp.MustCompile(`key:  ([A-Z2-7]+)`).FindStringSubmatch(out)
	if key == nil {
		t.Fatalf("no key from enrol:\n%s", out)
	}
	code, _ := totp.GenerateCode(key[1], time.Now())
	pgRun(t, dir, db, "--user", "bo", "user", "mfa", "enrol", "--code", code)
	bases, _ := twoServerProcs(t, dir, db)
	a, b := bases[0], bases[1]

	br := newBrowser(t, a)
	status, page := br.signIn("bo", servedPassword)
	if status != http.StatusOK || !strings.Contains(page, `action="/signin/mfa"`) {
		t.Fatalf("password on A: %d, want the code step: %.300s", status, page)
	}
	br.base = b
	if status, _ := br.post("/signin/mfa", page, url.Values{"code": {"000000"}}); status != http.StatusUnauthorized {
		t.Fatalf("a wrong code at B: %d, want 401", status)
	}
	br.base = a
	next, _ := totp.GenerateCode(key[1], time.Now().Add(30*time.Second))
	if status, body := br.post("/signin/mfa", page, url.Values{"code": {next}}); status != http.StatusSeeOther {
		t.Fatalf("the right code at A after a wrong one at B: %d, want 303: %.300s", status, body)
	}
	for _, base := range []string{a, b} {
		br.base = base
		if status, body := br.get("/api/me"); status != http.StatusOK || !strings.Contains(body, `"bo"`) {
			t.Errorf("%s after the second factor: /api/me = %d %.200s", base, status, body)
		}
	}
	br.base = b
	if status, _ := br.post("/signin/mfa", page, url.Values{"code": {next}}); status != http.StatusUnauthorized {
		t.Errorf("the finished step again at B: %d, want 401", status)
	}
	t.Logf("held: password on A, a wrong code at B, the right code at A → signed in on both; the step then used up")
}
