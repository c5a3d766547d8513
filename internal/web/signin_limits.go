package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
)

// SignInLimits are the limits on password sign-in. Zero fields take the
// defaults given.
type SignInLimits struct {
	// LockoutMax failed sign-ins for one account within LockoutWindow lock
	// it until the oldest of them is LockoutWindow old (default 5 in 15
	// minutes).
	LockoutMax    int
	LockoutWindow time.Duration
	// PerAddress sign-ins from one client address within AddressWindow
	// are allowed; more get 429 (default 30 a minute).
	PerAddress    int
	AddressWindow time.Duration
}

func (l *SignInLimits) defaults() {
	if l.LockoutMax <= 0 {
		l.LockoutMax = 5
	}
	if l.LockoutWindow <= 0 {
		l.LockoutWindow = 15 * time.Minute
	}
	if l.PerAddress <= 0 {
		l.PerAddress = 30
	}
	if l.AddressWindow <= 0 {
		l.AddressWindow = time.Minute
	}
}

// FailureStore keeps failed sign-ins where a restart does not lose them,
// so that restarting the server does not unlock an account under attack.
// *store.Store is the real one.
type FailureStore interface {
	// SignInFailures returns the failures since since, by account.
	SignInFailures(ctx context.Context, since time.Time) (map[string][]time.Time, error)
	// AddSignInFailure records a failure of account at at.
	AddSignInFailure(ctx context.Context, account string, at time.Time) error
	// RemoveSignInFailure forgets the failure of account at at (an attempt
	// counted but never checked).
	RemoveSignInFailure(ctx context.Context, account string, at time.Time) error
	// ClearSignInFailures forgets account's failures (after a successful
	// sign-in), and everyone's failures before before.
	ClearSignInFailures(ctx context.Context, account string, before time.Time) error
}

// AttemptStore is a [FailureStore] that counts an attempt and checks the
// lockout in one step for every process on it, so that web processes
// sharing a store share one lockout. Both stores are.
type AttemptStore interface {
	// CountSignInAttempt records an attempt of account at now (or just
	// after the latest) unless max are recorded after since; it
	// returns when it was recorded (zero when locked) and the attempts in
	// the window before it, oldest first.
	CountSignInAttempt(ctx context.Context, account string, now, since time.Time, max int) (time.Time, []time.Time, error)
}

// lockout counts failed sign-ins per account. An attempt is counted when
// it starts, before its password is checked, so however many arrive at
// once no more than max of them are checked within a window; a success
// clears the count. Counts are written through to the [FailureStore]; one
// that is an [AttemptStore] does the counting itself, for every process on
// it.
type lockout struct {
	mu     sync.Mutex
	clock  clock.Clock
	back   FailureStore // nil: in memory only
	max    int
	window time.Duration
	fails  map[string][]time.Time
	loaded bool
}

func newLockout(c clock.Clock, back FailureStore, max int, window time.Duration) *lockout {
	return &lockout{clock: c, back: back, max: max, window: window, fails: map[string][]time.Time{}}
}

// attempt counts an attempt for account, returning when it was counted;
// when the account is locked it counts nothing and says until when.
func (l *lockout) attempt(ctx context.Context, account string) (at, until time.Time, err error) {
	if as, ok := l.back.(AttemptStore); ok {
		now := l.clock.Now()
		at, recent, err := as.CountSignInAttempt(ctx, account, now, now.Add(-l.window), l.max)
		if err != nil || !at.IsZero() {
			return at, until, err
		}
		return at, recent[len(recent)-l.max].Add(l.window), nil
	}
	if err := l.load(ctx); err != nil {
		return at, until, err
	}
	l.mu.Lock()
	f := l.recent(account)
	if len(f) >= l.max {
		l.mu.Unlock()
		return at, f[len(f)-l.max].Add(l.window), nil
	}
	at = l.clock.Now()
	for len(f) > 0 && !at.After(f[len(f)-1]) { // distinct, so one can be taken back
		at = at.Add(time.Microsecond)
	}
	l.fails[account] = append(f, at)
	l.mu.Unlock()
	if l.back != nil {
		err = l.back.AddSignInFailure(ctx, account, at)
	}
	return at, until, err
}

// release takes back an attempt counted at at whose password was never
// checked (the server was too busy).
func (l *lockout) release(ctx context.Context, account string, at time.Time) error {
	l.mu.Lock()
	f := l.fails[account]
	for i, t := range f {
		if t.Equal(at) {
			l.fails[account] = append(f[:i:i], f[i+1:]...)
			break
		}
	}
	l.mu.Unlock()
	if l.back == nil {
		return nil
	}
	return l.back.RemoveSignInFailure(ctx, account, at)
}

// clear forgets an account's failures after a successful sign-in.
func (l *lockout) clear(ctx context.Context, account string) error {
	l.mu.Lock()
	delete(l.fails, account)
	l.mu.Unlock()
	if l.back == nil {
		return nil
	}
	return l.back.ClearSignInFailures(ctx, account, l.clock.Now().Add(-l.window))
}

// load reads the failures still inside the window from the store, once.
func (l *lockout) load(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.loaded || l.back == nil {
		return nil
	}
	got, err := l.back.SignInFailures(ctx, l.clock.Now().Add(-l.window))
	if err != nil {
		return err
	}
	for a, f := range got {
		l.fails[a] = append(f, l.fails[a]...)
	}
	l.loaded = true
	return nil
}

// recent returns the failures still inside the window; mu held.
func (l *lockout) recent(account string) []time.Time {
	now := l.clock.Now()
	f := l.fails[account]
	i := 0
	for i < len(f) && now.Sub(f[i]) >= l.window {
		i++
	}
	f = f[i:]
	if len(f) == 0 {
		delete(l.fails, account)
		return nil
	}
	l.fails[account] = f
	return f
}

// addressLimit counts sign-ins per client address in fixed windows.
type addressLimit struct {
	mu     sync.Mutex
	clock  clock.Clock
	max    int
	window time.Duration
	counts map[string]*addressCount
}

type addressCount struct {
	start time.Time
	n     int
}

// maxAddresses is how many addresses are counted before windows that
// have ended are swept out.
const maxAddresses = 10000

func newAddressLimit(c clock.Clock, max int, window time.Duration) *addressLimit {
	return &addressLimit{clock: c, max: max, window: window, counts: map[string]*addressCount{}}
}

// allow counts a sign-in from addr; a refusal says how long to wait and
// whether it is the window's first (the one worth recording).
func (a *addressLimit) allow(addr string) (ok bool, wait time.Duration, first bool) {
	now := a.clock.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.counts[addr]
	if c == nil || now.Sub(c.start) >= a.window {
		if c == nil && len(a.counts) >= maxAddresses {
			a.sweep(now)
		}
		c = &addressCount{start: now}
		a.counts[addr] = c
	}
	c.n++
	if c.n > a.max {
		return false, c.start.Add(a.window).Sub(now), c.n == a.max+1
	}
	return true, 0, false
}

// sweep drops ended windows; mu held.
func (a *addressLimit) sweep(now time.Time) {
	for k, c := range a.counts {
		if now.Sub(c.start) >= a.window {
			delete(a.counts, k)
		}
	}
}

// clientAddr is the address a request came from: the connection's peer,
// or, when that is a trusted proxy, the nearest address in
// X-Forwarded-For that is not one (a client can write anything to the
// left of what its proxy appends, so the list is read from the right).
func clientAddr(r *http.Request, trusted []netip.Prefix) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !isTrusted(ip, trusted) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return host // a garbled list: count the proxy itself
		}
		if !isTrusted(hop.Unmap(), trusted) {
			return hop.Unmap().String()
		}
	}
	return host
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	ip = ip.Unmap()
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// retryError is a [fault.Busy] error that knows when to try again.
type retryError struct {
	err   error
	after time.Duration
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// retryAfter is how many seconds a client should wait after err (at
// least one).
func retryAfter(err error) int {
	var re *retryError
	if errors.As(err, &re) {
		return max(int((re.after+time.Second-1)/time.Second), 1)
	}
	return 1
}
