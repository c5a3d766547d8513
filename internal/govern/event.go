package govern

import (
	"context"
	"time"
)

// Outcomes of a governance event, as the audit log spells them.
const (
	OutcomeAllowed = "allowed"
	OutcomeDenied  = "denied"
)

// DatasetRef is a dataset an event touched and the partner owning it.
type DatasetRef struct {
	ID    string `json:"id"`
	Owner string `json:"owner"`
}

// Event is one governance fact for the audit log: an access decision, an
// agreement change, a login, a token issued or revoked, an opt-out loaded, a
// version purged. Its fields mirror the audit log's event.
type Event struct {
	At      time.Time `json:"at"`
	User    string    `json:"user"` // who acted (or tried to)
	Partner string    `json:"partner,omitempty"`
	// Action is a lower-case dotted name: "access", "login",
	// "agreement.approve", "token.issue", ...
	Action    string       `json:"action"`
	Purpose   string       `json:"purpose,omitempty"`
	Target    string       `json:"target,omitempty"` // operation, agreement, token, user or dataset
	Datasets  []DatasetRef `json:"datasets,omitempty"`
	Agreement string       `json:"agreement,omitempty"`
	Outcome   string       `json:"outcome"` // OutcomeAllowed or OutcomeDenied
	Reason    string       `json:"reason,omitempty"`
	// Details is the rest, a JSON-encodable struct or map: the request and
	// decision for an access, the transition for an agreement change.
	Details any `json:"details,omitempty"`
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
