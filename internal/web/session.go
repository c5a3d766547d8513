package web

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
)

// session is a signed-in browser. Its id is the cookie's value; the CSRF
// token is the synchronizer token forms and fetch calls send back.
type session struct {
	ID     string
	UserID string
	CSRF   string
	Seen   time.Time
}

// sessionStore keeps sessions server-side, in memory: restarting the
// server signs everyone out.
type sessionStore struct {
	mu    sync.Mutex
	clock clock.Clock
	ttl   time.Duration
	byID  map[string]*session
}

func newSessionStore(c clock.Clock, ttl time.Duration) *sessionStore {
	return &sessionStore{clock: c, ttl: ttl, byID: map[string]*session{}}
}

// randomID returns 256 random bits, URL-safe.
func randomID() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return base64.RawURLEncoding.EncodeToString(b)
}

// create starts a session for a user.
func (st *sessionStore) create(userID string) *session {
	s := &session{ID: randomID(), UserID: userID, CSRF: randomID(), Seen: st.clock.Now()}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sweep()
	st.byID[s.ID] = s
	return s
}

// get returns the live session with id and marks it used, or nil.
func (st *sessionStore) get(id string) *session {
	st.mu.Lock()
	defer st.mu.Unlock()
	s := st.byID[id]
	if s == nil {
		return nil
	}
	now := st.clock.Now()
	if now.Sub(s.Seen) > st.ttl {
		delete(st.byID, id)
		return nil
	}
	s.Seen = now
	cp := *s
	return &cp
}

// end removes a session.
func (st *sessionStore) end(id string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.byID, id)
}

// sweep drops expired sessions; called with mu held.
func (st *sessionStore) sweep() {
	now := st.clock.Now()
	for id, s := range st.byID {
		if now.Sub(s.Seen) > st.ttl {
			delete(st.byID, id)
		}
	}
}

// lockout counts failed sign-ins per account: after max failures within
// window the account cannot sign in until the oldest counted failure is
// window old.
type lockout struct {
	mu     sync.Mutex
	clock  clock.Clock
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newLockout(c clock.Clock, max int, window time.Duration) *lockout {
	return &lockout{clock: c, max: max, window: window, fails: map[string][]time.Time{}}
}

// locked reports whether account is locked now, and until when.
func (l *lockout) locked(account string) (bool, time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.recent(account)
	if len(f) < l.max {
		return false, time.Time{}
	}
	return true, f[len(f)-l.max].Add(l.window)
}

// fail records a failed attempt.
func (l *lockout) fail(account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fails[account] = append(l.recent(account), l.clock.Now())
}

// clear forgets an account's failures after a successful sign-in.
func (l *lockout) clear(account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, account)
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
