package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// create starts a session for benchmarks that skip the sign-in form.
func (st *sessionStore) create(userID string) *session {
	s, err := st.begin(context.Background(), userID)
	if err != nil {
		panic(err)
	}
	return s
}

// restart opens a second server over the fixture's store, as a restarted
// `civiclink serve` would, and returns its address.
func (f *fixture) restart(tb testing.TB) (*Server, string) {
	tb.Helper()
	srv, err := New(f.srv.cfg)
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	tb.Cleanup(func() { ts.Close(); srv.Close() })
	return srv, ts.URL
}

// sessionOf returns the session cookie a client's sign-in set.
func sessionOf(tb testing.TB, res *http.Response) string {
	tb.Helper()
	for _, k := range res.Cookies() {
		if k.Name == sessionCookie {
			return k.Value
		}
	}
	tb.Fatalf("sign-in set no session cookie (status %d)", res.StatusCode)
	return ""
}

// withCookie makes a request to base with a session cookie (and the CSRF
// token for a post) and returns the status.
func withCookie(tb testing.TB, base, method, path, cookie, csrf string) int {
	tb.Helper()
	code, err := requestWith(base, method, path, cookie, csrf)
	if err != nil {
		tb.Fatal(err)
	}
	return code
}

// requestWith is withCookie for any goroutine.
func requestWith(base, method, path, cookie, csrf string) (int, error) {
	body := ""
	if csrf != "" {
		body = "csrf=" + csrf
	}
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

// TestSessionSurvivesRestart signs in on one server and uses the session
// on a second over the same store; signing out on the second ends it on
// both, although the first had it cached.
func TestSessionSurvivesRestart(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	cookie := sessionOf(t, c.signIn(ownerID, password))
	_, second := f.restart(t)
	steps := []struct {
		name         string
		base, method string
		path, csrf   string
		want         int
	}{
		{"first server", f.ts.URL, "GET", "/api/me", "", http.StatusOK},
		{"second server", second, "GET", "/api/me", "", http.StatusOK},
		{"second server, a page", second, "GET", "/datasets", "", http.StatusOK},
		{"second server checks the same CSRF token", second, "POST", "/signout", "forged", http.StatusForbidden},
		{"sign out on the second", second, "POST", "/signout", c.csrf, http.StatusSeeOther},
		{"ended on the second", second, "GET", "/api/me", "", http.StatusUnauthorized},
		{"ended on the first", f.ts.URL, "GET", "/api/me", "", http.StatusUnauthorized},
		{"the first sends a page to sign in", f.ts.URL, "GET", "/datasets", "", http.StatusSeeOther},
	}
	for _, s := range steps {
		if got := withCookie(t, s.base, s.method, s.path, cookie, s.csrf); got != s.want {
			t.Errorf("%s: %s %s status %d, want %d", s.name, s.method, s.path, got, s.want)
		}
	}
	if len(f.rec.find("logout")) != 1 {
		t.Error("the sign-out was not audited")
	}
}

// TestSessionTokenNotStored reads the sessions table: it holds the hash
// of the cookie's token, never the token, and the session's user.
func TestSessionTokenNotStored(t *testing.T) {
	f := newFixture(t)
	cookie := sessionOf(t, f.client(t).signIn(ownerID, password))
	rows, err := f.st.DB().Query(`SELECT CAST(w AS VARCHAR), token_hash, user_id FROM web_sessions w`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	sum := sha256.Sum256([]byte(cookie))
	n := 0
	for rows.Next() {
		var row, hash, user string
		if err := rows.Scan(&row, &hash, &user); err != nil {
			t.Fatal(err)
		}
		n++
		if strings.Contains(row, cookie) {
			t.Errorf("the table holds the session token in clear: %s", row)
		}
		if hash != hex.EncodeToString(sum[:]) || user != ownerID {
			t.Errorf("stored session (%s, %s), want the token's SHA-256 and %s", hash, user, ownerID)
		}
	}
	if n != 1 {
		t.Errorf("%d stored sessions, want 1", n)
	}
}

// TestSessionExpiry uses sessions over time on a manual clock: idle for
// longer than the session TTL ends one, and so does its absolute age
// however busy; a restart changes neither.
func TestSessionExpiry(t *testing.T) {
	tests := []struct {
		name    string
		uses    []time.Duration // gaps between uses after sign-in
		restart bool            // the last use is on a restarted server
		want    int
	}{
		{"used at once", []time.Duration{0}, false, http.StatusOK},
		{"idle just under 8h", []time.Duration{8*time.Hour - time.Minute}, false, http.StatusOK},
		{"idle past 8h", []time.Duration{8*time.Hour + time.Minute}, false, http.StatusUnauthorized},
		{"idle past 8h, restarted", []time.Duration{8*time.Hour + time.Minute}, true, http.StatusUnauthorized},
		{"busy for 11h", hourly(11), false, http.StatusOK},
		{"busy for 11h, restarted", hourly(11), true, http.StatusOK},
		{"busy for 12h", hourly(12), false, http.StatusUnauthorized},
		{"busy for 12h, restarted", hourly(12), true, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			cookie := sessionOf(t, f.client(t).signIn(ownerID, password))
			got := 0
			for i, gap := range tt.uses {
				f.clock.Advance(gap)
				base := f.ts.URL
				if tt.restart && i == len(tt.uses)-1 {
					_, base = f.restart(t)
				}
				got = withCookie(t, base, "GET", "/api/me", cookie, "")
			}
			if got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
}

// hourly is n uses an hour apart.
func hourly(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Hour
	}
	return out
}

// TestSessionLastSeen checks that use is written to the store at most
// once a minute per session, not on every request.
func TestSessionLastSeen(t *testing.T) {
	f := newFixture(t)
	signedIn := f.clock.Now()
	cookie := sessionOf(t, f.client(t).signIn(ownerID, password))
	lastSeen := func() time.Time {
		t.Helper()
		var at time.Time
		if err := f.st.DB().QueryRow(`SELECT last_seen FROM web_sessions`).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	steps := []struct {
		name string
		gap  time.Duration // before a use
		want time.Time
	}{
		{"used at once", 0, signedIn},
		{"30s later", 30 * time.Second, signedIn},
		{"59s later", 29 * time.Second, signedIn},
		{"61s later", 2 * time.Second, signedIn.Add(61 * time.Second)},
		{"90s later", 29 * time.Second, signedIn.Add(61 * time.Second)},
		{"5m later", 210 * time.Second, signedIn.Add(5 * time.Minute)},
	}
	for _, s := range steps {
		f.clock.Advance(s.gap)
		for range 3 {
			if got := withCookie(t, f.ts.URL, "GET", "/api/me", cookie, ""); got != http.StatusOK {
				t.Fatalf("%s: status %d", s.name, got)
			}
		}
		if got := lastSeen(); !got.Equal(s.want) {
			t.Errorf("%s: last seen %s, want %s", s.name, got, s.want)
		}
	}
}

// TestSessionSweep signs in twice, the second time after the first
// session has been idle too long: the sign-in sweeps the expired session
// out of the table.
func TestSessionSweep(t *testing.T) {
	f := newFixture(t)
	f.client(t).signIn(ownerID, password)
	f.clock.Advance(9 * time.Hour)
	cookie := sessionOf(t, f.client(t).signIn(analystID, password))
	var users []string
	rows, err := f.st.DB().Query(`SELECT user_id FROM web_sessions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var u string
		rows.Scan(&u)
		users = append(users, u)
	}
	if len(users) != 1 || users[0] != analystID {
		t.Errorf("sessions left %v, want only %s's", users, analystID)
	}
	if got := withCookie(t, f.ts.URL, "GET", "/api/me", cookie, ""); got != http.StatusOK {
		t.Errorf("the new session: status %d", got)
	}
}

// TestSessionConcurrentAfterRestart sends a page's worth of requests of
// one session at once to a restarted server, each of which finds the
// session missing from its cache: they all get through (one reads the
// store, the others wait for it).
func TestSessionConcurrentAfterRestart(t *testing.T) {
	f := newFixture(t)
	cookie := sessionOf(t, f.client(t).signIn(ownerID, password))
	_, second := f.restart(t)
	codes := make([]int, 16)
	errs := make([]error, len(codes))
	var wg sync.WaitGroup
	for i := range codes {
		wg.Go(func() { codes[i], errs[i] = requestWith(second, "GET", "/api/me", cookie, "") })
	}
	wg.Wait()
	for i, c := range codes {
		if errs[i] != nil || c != http.StatusOK {
			t.Errorf("request %d: status %d (%v)", i, c, errs[i])
		}
	}
}

// BenchmarkSessionGet measures what reading a session costs a request:
// through the cache (every request) against a read-and-touch of the store
// (what the cache saves; a cached session does it at most once a minute),
// for 50 signed-in users, and reports the store read's cost as a multiple
// of the cached read's.
func BenchmarkSessionGet(b *testing.B) {
	f := newFixture(b)
	st := f.srv.sessions
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = st.create(ownerID).ID
	}
	ctx := context.Background()
	var perOp [2]float64
	for k, name := range []string{"cached", "store"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			start := time.Now()
			for b.Loop() {
				id := ids[i%len(ids)]
				i++
				var err error
				if k == 0 {
					var s *session
					if s, err = st.get(ctx, id); s == nil && err == nil {
						b.Fatal("session not found")
					}
				} else {
					_, err = f.st.TouchWebSession(ctx, id, f.clock.Now(), time.Hour)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			perOp[k] = float64(time.Since(start).Nanoseconds()) / float64(i)
		})
	}
	if perOp[0] > 0 {
		b.Logf("store read ÷ cached read: %.0f× (%.0f ns against %.0f ns)", perOp[1]/perOp[0], perOp[1], perOp[0])
	}
}
