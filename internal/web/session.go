package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/web/sessions"
)

// session is a signed-in browser. Its id is the cookie's value; the CSRF
// token is the synchronizer token forms and fetch calls send back.
type session struct {
	ID     string
	UserID string
	CSRF   string
	Seen   time.Time
}

// How often a session's use is written to the store (and the session
// checked there), and how often expired sessions are swept out of it.
const (
	sessionSync  = time.Minute
	sessionSweep = 10 * time.Minute
)

// sessionStore keeps sessions in the [sessions.Store] (without one, in
// memory only: a restart signs everyone out) and reads through a cache,
// so that a request does not wait on the store: a cached session is
// checked against the store, and its last use written, at most once every
// [sessionSync]. A sign-out anywhere over the same store empties the
// cache (see [sessions.Store.WebSessionsEnded]), so an ended session is
// refused at once. A session ends when idle longer than idle (counted
// from the last use written, so up to [sessionSync] early) or maxAge
// after sign-in, however busy.
type sessionStore struct {
	clock  clock.Clock
	back   sessions.Store // nil: in memory only
	idle   time.Duration
	maxAge time.Duration

	mu      sync.Mutex
	byID    map[string]*cachedSession
	loads   map[string]*sessionLoad // reads of the store under way, by id
	ended   uint64                  // back's count of ended sessions when byID was emptied
	sweptAt time.Time
}

// cachedSession is a session as cached, with when it ends absolutely and
// when it was last written to the store.
type cachedSession struct {
	session
	expires time.Time
	synced  time.Time
}

// sessionLoad is a read of one session from the store; requests of the
// same session meanwhile wait for it rather than write it too.
type sessionLoad struct {
	done chan struct{}
	s    *session
	err  error
}

func newSessionStore(c clock.Clock, back sessions.Store, idle, maxAge time.Duration) *sessionStore {
	return &sessionStore{clock: c, back: back, idle: idle, maxAge: maxAge,
		byID: map[string]*cachedSession{}, loads: map[string]*sessionLoad{}}
}

// randomID returns 256 random bits, URL-safe.
func randomID() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	return base64.RawURLEncoding.EncodeToString(b)
}

// begin starts a session for a user, storing it.
func (st *sessionStore) begin(ctx context.Context, userID string) (*session, error) {
	now := st.clock.Now()
	s := session{ID: randomID(), UserID: userID, CSRF: randomID(), Seen: now}
	c := &cachedSession{session: s, expires: now.Add(st.maxAge), synced: now}
	if err := st.sweep(ctx, now); err != nil {
		return nil, err
	}
	if st.back != nil {
		ws := sessions.Session{UserID: userID, CSRF: s.CSRF, Created: now, LastSeen: now, Expires: c.expires}
		if err := st.back.CreateWebSession(ctx, s.ID, ws); err != nil {
			return nil, err
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.current()
	st.byID[s.ID] = c
	return &s, nil
}

// get returns the live session with id and marks it used, or nil.
func (st *sessionStore) get(ctx context.Context, id string) (*session, error) {
	now := st.clock.Now()
	st.mu.Lock()
	st.current()
	c := st.byID[id]
	if c != nil && (now.Sub(c.Seen) > st.idle || !now.Before(c.expires)) {
		delete(st.byID, id) // the store refuses it too; the sweep deletes it
		st.mu.Unlock()
		return nil, nil
	}
	if c != nil && (st.back == nil || now.Sub(c.synced) < sessionSync || st.loads[id] != nil) {
		c.Seen = now
		s := c.session
		st.mu.Unlock()
		return &s, nil
	}
	if st.back == nil {
		st.mu.Unlock()
		return nil, nil
	}
	if l := st.loads[id]; l != nil {
		st.mu.Unlock()
		select {
		case <-l.done:
			return l.s, l.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	l := &sessionLoad{done: make(chan struct{})}
	st.loads[id] = l
	ended := st.ended
	st.mu.Unlock()
	defer close(l.done)
	l.s, l.err = st.load(ctx, id, now, ended)
	return l.s, l.err
}

// load reads (and touches) a session in the store and caches it, unless a
// session ended meanwhile (it might be this one).
func (st *sessionStore) load(ctx context.Context, id string, now time.Time, ended uint64) (*session, error) {
	ws, err := st.back.TouchWebSession(ctx, id, now, st.idle)
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.loads, id)
	if fault.Code(err) == fault.NotFound {
		delete(st.byID, id)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s := session{ID: id, UserID: ws.UserID, CSRF: ws.CSRF, Seen: now}
	if st.current(); st.ended == ended {
		st.byID[id] = &cachedSession{session: s, expires: ws.Expires, synced: now}
	}
	return &s, nil
}

// end ends a session: signed out here and wherever the store is read.
func (st *sessionStore) end(ctx context.Context, id string) error {
	st.mu.Lock()
	delete(st.byID, id)
	st.mu.Unlock()
	if st.back == nil {
		return nil
	}
	return st.back.EndWebSession(ctx, id)
}

// current empties the cache when a session has ended since it was last
// emptied; called with mu held.
func (st *sessionStore) current() {
	if st.back == nil {
		return
	}
	if n := st.back.WebSessionsEnded(); n != st.ended {
		st.byID, st.ended = map[string]*cachedSession{}, n
	}
}

// sweep drops expired sessions from the cache and the store, at most once
// every [sessionSweep].
func (st *sessionStore) sweep(ctx context.Context, now time.Time) error {
	st.mu.Lock()
	if now.Sub(st.sweptAt) < sessionSweep {
		st.mu.Unlock()
		return nil
	}
	st.sweptAt = now
	for id, c := range st.byID {
		if now.Sub(c.Seen) > st.idle || !now.Before(c.expires) {
			delete(st.byID, id)
		}
	}
	st.mu.Unlock()
	if st.back == nil {
		return nil
	}
	_, err := st.back.SweepWebSessions(ctx, now, st.idle)
	return err
}
