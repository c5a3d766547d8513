// Package sessions is what the web app keeps of a signed-in browser
// between requests and across restarts, and the interface of the store
// that keeps it. The web package owns it; the store implements [Store]
// without importing the web app.
package sessions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// TokenHash is what a [Store] keeps of a session token: its SHA-256, in
// hex, which is what a lookup compares.
func TokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// Session is a signed-in browser as a [Store] keeps it. A store holds
// only a hash of the session's token (the cookie's value): a copy of the
// file signs no one in.
type Session struct {
	UserID   string
	CSRF     string    // the synchronizer token forms send back
	Created  time.Time // when the user signed in
	LastSeen time.Time // last use written (at most a minute or so behind)
	Expires  time.Time // the absolute end, however busy the session
}

// Store keeps the web app's sessions where a restart of the server does
// not lose them. The store package implements it, keeping only a hash of
// each token.
type Store interface {
	// CreateWebSession stores a new session under its token.
	CreateWebSession(ctx context.Context, token string, ws Session) error
	// TouchWebSession returns token's live session, recording it as seen
	// at now; an ended, idle (longer than idle) or expired one is
	// fault.NotFound.
	TouchWebSession(ctx context.Context, token string, now time.Time, idle time.Duration) (*Session, error)
	// EndWebSession removes a session.
	EndWebSession(ctx context.Context, token string) error
	// WebSessionsEnded counts sessions ended so far: a cache of sessions
	// is current while the count has not moved.
	WebSessionsEnded() uint64
	// SweepWebSessions deletes idle and expired sessions.
	SweepWebSessions(ctx context.Context, now time.Time, idle time.Duration) (int64, error)
}

// FlowStore keeps the sign-in steps under way — a single sign-on's state,
// nonce and PKCE verifier between the start and the provider's answer —
// where every web process on the store finds them, so that an answer
// arriving at another process than the one that started the sign-in is
// finished there, and each is taken at most once, whichever process takes
// it. A store keeps only a hash of each id (the state, which travels in
// URLs).
type FlowStore interface {
	// AddSignInFlow keeps data under id until expires, first forgetting
	// flows expired at now; fault.Busy when max are already under way.
	AddSignInFlow(ctx context.Context, id string, data []byte, now, expires time.Time, max int) error
	// TakeSignInFlow removes the flow under id and returns its data if it
	// is live at now; fault.NotFound when there is none (never made,
	// already taken, or expired).
	TakeSignInFlow(ctx context.Context, id string, now time.Time) ([]byte, error)
}
