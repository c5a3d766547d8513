package voice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// QuoteState is where a quote is in its check.
type QuoteState string

// The states of a quote: proposed by an analyst, approved or rejected by
// an output checker, then released (for good).
const (
	QuoteProposed QuoteState = "proposed"
	QuoteApproved QuoteState = "approved"
	QuoteRejected QuoteState = "rejected"
	QuoteReleased QuoteState = "released"
)

// Quote is a resident's words proposed for publication: an excerpt of a
// redacted free-text answer whose author consented to be quoted. Once
// released it never changes; its Digest fixes what was released.
type Quote struct {
	ID          string     `json:"id"`
	ProgrammeID string     `json:"programme"`
	ResponseID  string     `json:"response"`
	QuestionID  string     `json:"question"`
	Text        Text       `json:"text"`
	District    string     `json:"district"`
	Theme       string     `json:"theme,omitempty"`
	State       QuoteState `json:"state"`
	ProposedBy  string     `json:"proposed_by"`
	ProposedAt  time.Time  `json:"proposed_at"`
	CheckedBy   string     `json:"checked_by,omitempty"`
	CheckedAt   time.Time  `json:"checked_at,omitzero"`
	Note        string     `json:"note,omitempty"`
	ReleasedAt  time.Time  `json:"released_at,omitzero"`
	// Digest is the SHA-256 of the released quote's fields (see
	// [Quote.ComputeDigest]); empty until released.
	Digest string `json:"digest,omitempty"`
}

// QuoteStore keeps quotes. UpdateVoiceQuote refuses (fault.Conflict) to change
// a quote that is already released.
type QuoteStore interface {
	AddVoiceQuote(ctx context.Context, q *Quote) error
	VoiceQuote(ctx context.Context, id string) (*Quote, error)
	VoiceQuotes(ctx context.Context, programmeID string) ([]*Quote, error)
	UpdateVoiceQuote(ctx context.Context, q *Quote) error
}

// ComputeDigest returns the SHA-256 over the quote's released content:
// id, programme, response, question, text, district, theme, checker and
// release time.
func (q *Quote) ComputeDigest() string {
	h := sha256.New()
	for _, f := range []string{q.ID, q.ProgrammeID, q.ResponseID, q.QuestionID, q.Text.String(), q.District, q.Theme, q.CheckedBy, q.ReleasedAt.UTC().Format(time.RFC3339Nano)} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Verify reports whether a released quote still matches its digest.
func (q *Quote) Verify() bool {
	return q.State == QuoteReleased && q.Digest == q.ComputeDigest()
}

// newQuote checks a proposal against the response: quote consent, a free
// text answer, and an excerpt that is part of the stored (redacted) text.
func newQuote(r *Response, questionID, excerpt string) (*Quote, error) {
	if !r.ConsentQuote {
		return nil, fault.FieldErrorf(fault.Forbidden, "response", "response %s has no consent to be quoted", r.ID)
	}
	a, ok := r.Answer(questionID)
	if !ok || a.Text.IsZero() {
		return nil, fault.FieldErrorf(fault.Invalid, "question", "response %s has no free-text answer to %s", r.ID, clip(questionID))
	}
	t := a.Text
	if strings.TrimSpace(excerpt) != "" {
		t = Redact(excerpt)
		if !strings.Contains(a.Text.String(), t.String()) {
			return nil, fault.FieldErrorf(fault.Invalid, "text", "the excerpt is not part of the answer as stored (redacted): copy it from the answer")
		}
	}
	return &Quote{ID: "q" + NewResponseID()[1:], ProgrammeID: r.ProgrammeID, ResponseID: r.ID, QuestionID: questionID,
		Text: t, District: r.District, State: QuoteProposed}, nil
}
