package voice

import (
	"context"
	"time"
)

// Action is a "you said, we did" entry: what the partnership did about a
// theme residents raised, linked to the project that did it.
type Action struct {
	ID          string `json:"id"`
	ProgrammeID string `json:"programme"`
	ThemeID     string `json:"theme"`
	// Project names the programme room's project (its id), if any.
	Project string `json:"project,omitempty"`
	// Title says what was done, in a line.
	Title string `json:"title"`
	// Link is where to read more: a page of this platform (a path
	// starting with /) or empty.
	Link string    `json:"link,omitempty"`
	By   string    `json:"by"`
	At   time.Time `json:"at"`
}

// ActionStore keeps "you said, we did" actions.
type ActionStore interface {
	AddVoiceAction(ctx context.Context, a *Action) error
	VoiceActions(ctx context.Context, programmeID string) ([]*Action, error)
}
