package govern

import (
	"context"
	"time"
)

// Event is one governance fact for the audit log: an access decision, an
// agreement change, a login, a token issued or revoked, an opt-out loaded, a
// version purged.
type Event struct {
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`   // user id, or "" before sign-in
	Partner string    `json:"partner"` // the actor's partner
	// Action names what happened, e.g. "access.allow", "access.deny",
	// "agreement.approve", "login.fail", "token.issue".
	Action  string `json:"action"`
	Subject string `json:"subject,omitempty"` // agreement, token, dataset or version id
	// Detail is the rest, JSON-encodable: the request and decision for an
	// access, the transition for an agreement change.
	Detail any `json:"detail,omitempty"`
}

// Recorder appends governance events to the audit log. A Service refuses to
// act (and so denies access) when an event cannot be recorded.
type Recorder interface {
	Record(ctx context.Context, e Event) error
}

// RecorderFunc adapts a function to [Recorder].
type RecorderFunc func(ctx context.Context, e Event) error

// Record calls f.
func (f RecorderFunc) Record(ctx context.Context, e Event) error { return f(ctx, e) }
