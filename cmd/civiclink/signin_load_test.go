package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/web"
)

// signInForm fetches the sign-in form once: its cookie and token may be
// sent with any number of attempts.
type signInForm struct {
	base   string
	cookie *http.Cookie
	token  string
	client *http.Client
}

func newSignInForm(t *testing.T, base string) *signInForm {
	t.Helper()
	res, err := http.Get(base + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if tok == nil || len(res.Cookies()) == 0 {
		t.Fatal("no CSRF token or cookie on the sign-in form")
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	t.Cleanup(tr.CloseIdleConnections)
	return &signInForm{base: base, cookie: res.Cookies()[0], token: string(tok[1]), client: &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// signInReply is what one attempt got.
type signInReply struct {
	status     int
	body       string
	retryAfter string
	took       time.Duration
}

// post signs in as user with password, from forwardedFor when it is set
// (believed only when the server trusts the test's address as a proxy).
func (f *signInForm) post(t *testing.T, user, password, forwardedFor string) signInReply {
	form := url.Values{"user": {user}, "password": {password}, "csrf": {f.token}}
	req, _ := http.NewRequest(http.MethodPost, f.base+"/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(f.cookie)
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	start := time.Now()
	res, err := f.client.Do(req)
	if err != nil {
		t.Error(err)
		return signInReply{}
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return signInReply{status: res.StatusCode, body: string(body), retryAfter: res.Header.Get("Retry-After"), took: time.Since(start)}
}

// parallel makes n attempts at once, the i-th as user(i) from address
// 10.x.y.z (a different client each), and returns the replies.
func (f *signInForm) parallel(t *testing.T, n int, user func(i int) string, password string) []signInReply {
	out := make([]signInReply, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = f.post(t, user(i), password, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		}()
	}
	close(start)
	wg.Wait()
	return out
}

var localProxy = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// loginDenials counts the denied login events for user on the audit log
// whose reason contains reason.
func loginDenials(t *testing.T, m *Main, user, reason string) int {
	t.Helper()
	log, err := m.auditLog(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for leaf, err := range log.Leaves(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		_, e, err := audit.Decode(leaf.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if e.Action == "login" && e.User == user && e.Outcome == audit.Denied && strings.Contains(e.Reason, reason) {
			n++
		}
	}
	return n
}

// TestSignInLockoutUnderLoad sends 200 wrong passwords for one account at
// once, each from another client address behind a trusted proxy: only
// the configured number are checked, the rest are refused as locked, the
// right password is refused too, and still after a restart.
func TestSignInLockoutUnderLoad(t *testing.T) {
	const max = 5
	m, ts := servedWith(t, func(o *webOptions) {
		o.trustedProxies = localProxy
		o.signIn.LockoutMax = max
	})
	f := newSignInForm(t, ts.URL)
	replies := f.parallel(t, 200, func(int) string { return "pat" }, "not the password at all")
	checked, locked := 0, 0
	for _, r := range replies {
		switch {
		case r.status == http.StatusUnauthorized && strings.Contains(r.body, "unknown user, wrong password"):
			checked++
		case r.status == http.StatusUnauthorized && strings.Contains(r.body, "this account is locked"):
			locked++
		default:
			t.Errorf("an attempt got %d: %.200s", r.status, r.body)
		}
	}
	if checked != max || locked != 200-max {
		t.Errorf("%d passwords checked and %d refused as locked, want %d and %d", checked, locked, max, 200-max)
	}
	if got := loginDenials(t, m, "pat", "wrong password"); got != max {
		t.Errorf("%d failed password checks on the audit log, want %d", got, max)
	}
	if r := f.post(t, "pat", servedPassword, "10.9.9.9"); !strings.Contains(r.body, "this account is locked") {
		t.Errorf("the right password while locked got %d: %.200s", r.status, r.body)
	}

	// A restart over the same store keeps the account locked.
	ctx := context.Background()
	st, err := m.currentStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := m.webServer(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	ts2 := httptest.NewServer(srv)
	defer func() { ts2.Close(); srv.Close() }()
	f2 := newSignInForm(t, ts2.URL)
	if r := f2.post(t, "pat", servedPassword, "10.9.9.8"); !strings.Contains(r.body, "this account is locked") {
		t.Errorf("after a restart, the right password got %d: %.200s", r.status, r.body)
	}
}

// TestSignInPerAddress allows a client address its sign-ins a minute and
// answers the next with 429 and Retry-After; X-Forwarded-For counts only
// from a trusted proxy.
func TestSignInPerAddress(t *testing.T) {
	tests := []struct {
		name    string
		trusted []netip.Prefix
		// forwarded gives attempt i's X-Forwarded-For.
		forwarded func(i int) string
		refused   bool // whether the attempt after the limit is refused
	}{
		{"one client, no proxy", nil, func(int) string { return "" }, true},
		{"spoofed header, untrusted peer", nil, func(i int) string { return fmt.Sprintf("192.0.2.%d", i) }, true},
		{"one client behind the proxy", localProxy, func(int) string { return "192.0.2.7" }, true},
		{"spoofed left of the proxy's entry", localProxy, func(i int) string { return fmt.Sprintf("198.51.100.%d, 192.0.2.7", i) }, true},
		{"many clients behind the proxy", localProxy, func(i int) string { return fmt.Sprintf("192.0.2.%d", i) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const perAddress = 3
			_, ts := servedWith(t, func(o *webOptions) {
				o.trustedProxies = tt.trusted
				o.signIn = webSignIn(perAddress)
			})
			f := newSignInForm(t, ts.URL)
			for i := range perAddress {
				if r := f.post(t, "pat", "not the password at all", tt.forwarded(i)); r.status != http.StatusUnauthorized {
					t.Fatalf("attempt %d got %d, want 401: %.200s", i+1, r.status, r.body)
				}
			}
			r := f.post(t, "pat", "not the password at all", tt.forwarded(perAddress))
			if !tt.refused {
				if r.status != http.StatusUnauthorized {
					t.Errorf("attempt %d got %d, want 401", perAddress+1, r.status)
				}
				return
			}
			if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "too many sign-ins from your address") {
				t.Errorf("attempt %d got %d, want 429: %.200s", perAddress+1, r.status, r.body)
			}
			if s, err := strconv.Atoi(r.retryAfter); err != nil || s < 1 || s > 60 {
				t.Errorf("Retry-After = %q, want 1 to 60 seconds", r.retryAfter)
			}
		})
	}
}

// webSignIn are limits allowing perAddress sign-ins a minute from one
// address and locking no account in the test.
func webSignIn(perAddress int) (l web.SignInLimits) {
	l.PerAddress, l.LockoutMax = perAddress, 1000
	return l
}

// TestSignInHashesBounded sends 200 sign-ins for different unknown users
// at once, with the default 64 MiB hash cost and room for two hashes: the
// process's resident memory stays within a few hashes' worth (200 at once
// would be 12.5 GiB), the attempts that cannot be checked in time get 429
// with Retry-After, and none fails otherwise.
func TestSignInHashesBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 64 MiB passwords")
	}
	const slots = 2
	_, ts := servedWith(t, func(o *webOptions) {
		o.trustedProxies = localProxy
		o.argon2 = govern.DefaultArgon2
		o.hashes = govern.NewHashLimit(slots, time.Second)
	})
	f := newSignInForm(t, ts.URL)
	runtime.GC()
	base := rss(t)
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		for {
			if r := rss(t); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	replies := f.parallel(t, 200, func(i int) string { return fmt.Sprintf("nobody-%d", i) }, "not the password at all")
	close(done)
	statuses := map[int]int{}
	for _, r := range replies {
		statuses[r.status]++
		if r.status == http.StatusTooManyRequests && r.retryAfter == "" {
			t.Errorf("a 429 without Retry-After")
		}
	}
	if statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 200 || statuses[http.StatusTooManyRequests] == 0 {
		t.Errorf("statuses %v, want only 401 (checked) and 429 (busy), some of each", statuses)
	}
	grew := peak.Load() - base
	limit := int64(2*slots+4) * int64(govern.DefaultArgon2.Memory) << 10
	t.Logf("statuses %v; resident memory %d MiB before, peak +%d MiB (limit +%d MiB)", statuses, base>>20, grew>>20, limit>>20)
	if grew > limit {
		t.Errorf("resident memory grew by %d MiB under 200 sign-ins, want at most %d MiB", grew>>20, limit>>20)
	}
}

// rss returns the process's resident set size in bytes.
func rss(t *testing.T) int64 { return procRSS(t, "self") }

// TestSignInTimingUnknownUser signs in, turn about, as a known user with
// a wrong password and as an unknown user: the medians of their times are
// within a ratio of 1.2, so timing does not tell who has an account. Each
// goes first half the time, so that neither pays more often for the
// other's garbage. The machine is shared, so a round spoilt by other load
// is measured again, up to five rounds: without the dummy hash, an
// unknown user answers in a fraction of the time and fails every round.
func TestSignInTimingUnknownUser(t *testing.T) {
	if testing.Short() {
		t.Skip("times real password hashes")
	}
	_, ts := servedWith(t, func(o *webOptions) {
		o.argon2 = govern.Argon2Params{Memory: 16 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
		o.signIn = webSignIn(1000)
	})
	f := newSignInForm(t, ts.URL)
	var ratio float64
	for round := range 5 {
		mk, mu := signInMedians(t, f, 41)
		ratio = float64(max(mk, mu)) / float64(min(mk, mu))
		t.Logf("round %d: median sign-in of a known user %v, of an unknown user %v, ratio %.3f", round+1, mk, mu, ratio)
		if ratio <= 1.2 {
			return
		}
	}
	t.Errorf("the median sign-in times of a known and an unknown user differ by a ratio of %.2f in five rounds, want within 1.2", ratio)
}

// signInMedians returns the median times of n wrong sign-ins as a known
// user and n as unknown ones, taken turn about after a warm-up pair.
func signInMedians(t *testing.T, f *signInForm, n int) (known, unknown time.Duration) {
	t.Helper()
	var ks, us []time.Duration
	for i := range n + 1 {
		var k, u signInReply
		if i%2 == 0 {
			k = f.post(t, "pat", "not the password at all", "")
			u = f.post(t, fmt.Sprintf("nobody-%d", i), "not the password at all", "")
		} else {
			u = f.post(t, fmt.Sprintf("nobody-%d", i), "not the password at all", "")
			k = f.post(t, "pat", "not the password at all", "")
		}
		if k.status != http.StatusUnauthorized || u.status != http.StatusUnauthorized {
			t.Fatalf("statuses %d and %d, want 401", k.status, u.status)
		}
		if i > 0 {
			ks, us = append(ks, k.took), append(us, u.took)
		}
	}
	return median(ks), median(us)
}

func median(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d[len(d)/2]
}
