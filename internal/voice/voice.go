// Package voice is citizen voice: conversation programmes in which staff
// of the partnership ask residents how they identify with the county,
// about their communities and about trust in public services, and the
// answers read beside the data.
//
// A [Programme] has questions (agreement scales, single choices, free
// text), sessions (a date, a place, a district, a host organisation, a
// wave) and responses. Free text is redacted by [Redact] before it is
// stored: a [Text] can only be made by the scanner, the [Store] only takes
// and gives back Texts, so the raw words never reach the store, the logs
// or an export. Results go through the platform's disclosure control
// (package disclose); quotes need quote consent, redaction and an output
// checker's approval, and a released quote never changes.
//
// The package holds no SQL and no HTTP: the store implements [Store].
package voice

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Kind is the kind of a question.
type Kind string

// The kinds of question a programme can ask.
const (
	// Scale is an ordered agreement scale, most negative first (e.g.
	// "Strongly disagree" … "Strongly agree").
	Scale Kind = "scale"
	// Choice is one answer from a list.
	Choice Kind = "choice"
	// FreeText is the resident's own words, redacted at capture.
	FreeText Kind = "text"
)

// MaxTextLen is the most characters a free-text answer may have before
// redaction; a longer one is refused, not cut.
const MaxTextLen = 2000

// AgeBands are the coarse age bands a response may record; "" means not
// given. No finer demographic is kept.
var AgeBands = []string{"16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"}

// Programme is a conversation programme: what is asked, where and when.
type Programme struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	Host        string     `json:"host,omitempty"` // the lead organisation
	Questions   []Question `json:"questions"`
	Sessions    []Session  `json:"sessions,omitempty"`
	// Codebook holds the themes free text is coded against.
	Codebook  []Theme   `json:"codebook,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// Question is one thing a programme asks.
type Question struct {
	ID     string `json:"id"`
	Kind   Kind   `json:"kind"`
	Prompt string `json:"prompt"`
	// Options are a scale's points, most negative first, or a choice's
	// answers; none for free text.
	Options []string `json:"options,omitempty"`
	// Agree is how many of a scale's last options count as agreeing in a
	// trend (default 2 on a 5-point scale: "Agree", "Strongly agree").
	Agree int `json:"agree,omitempty"`
}

// Session is one conversation: where, when, hosted by whom, in which wave
// of a programme that asks the same questions more than once.
type Session struct {
	ID          string    `json:"id"`
	ProgrammeID string    `json:"programme"`
	Date        time.Time `json:"date"`
	Place       string    `json:"place"`
	District    string    `json:"district"` // ONS code of one of the 14 districts
	Host        string    `json:"host"`     // organisation hosting the conversation
	Wave        int       `json:"wave"`
}

// Answer is one answer of a response: an option of a scale or choice, or
// redacted free text.
type Answer struct {
	QuestionID string `json:"question"`
	Option     string `json:"option,omitempty"`
	Text       Text   `json:"text,omitzero"`
}

// Response is what one resident said in one session, stored only with
// their consent.
type Response struct {
	ID          string `json:"id"`
	ProgrammeID string `json:"programme"`
	SessionID   string `json:"session"`
	District    string `json:"district"` // the resident's, else the session's
	AgeBand     string `json:"age_band,omitempty"`
	// ConsentStore is always true for a stored response; ConsentQuote
	// says whether their words may be quoted (after redaction and an
	// output check).
	ConsentStore bool      `json:"consent_store"`
	ConsentQuote bool      `json:"consent_quote"`
	Answers      []Answer  `json:"answers"`
	CapturedBy   string    `json:"captured_by"`
	CapturedAt   time.Time `json:"captured_at"`
}

// Answer returns the response's answer to question id, if any.
func (r *Response) Answer(id string) (Answer, bool) {
	for _, a := range r.Answers {
		if a.QuestionID == id {
			return a, true
		}
	}
	return Answer{}, false
}

// ProgrammeSummary is a programme with its counts, for lists.
type ProgrammeSummary struct {
	ID        string `json:"id"`
	Title     string `json:"title"`
	Questions int    `json:"questions"`
	Sessions  int    `json:"sessions"`
	Responses int    `json:"responses"`
}

// Store keeps programmes, responses, codings, quotes and actions. The
// store package implements it. Every write of several rows is all or
// nothing.
type Store interface {
	CreateVoiceProgramme(ctx context.Context, p *Programme) error
	AddVoiceSession(ctx context.Context, s *Session) error
	VoiceProgrammes(ctx context.Context) ([]ProgrammeSummary, error)
	// VoiceProgramme returns a programme with its questions, sessions and
	// codebook; fault.NotFound when there is none.
	VoiceProgramme(ctx context.Context, id string) (*Programme, error)
	// AddVoiceResponses stores rs in one transaction; fault.Conflict (and
	// nothing stored) when any id exists.
	AddVoiceResponses(ctx context.Context, rs []*Response) error
	// VoiceResponse returns one response; fault.NotFound when there is none.
	VoiceResponse(ctx context.Context, id string) (*Response, error)
	// VoiceResponses returns a programme's responses in capture order.
	VoiceResponses(ctx context.Context, programmeID string) ([]*Response, error)

	CodingStore
	QuoteStore
	ActionStore
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// responseIDRE also admits upper case: survey tools make such ids.
var responseIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

func checkID(field, id string) error {
	if !idRE.MatchString(id) {
		return fault.FieldErrorf(fault.Invalid, field, "%s id %q is not valid: use lower-case letters, digits, '-' and '_', starting with a letter or digit (e.g. \"county-2026\")", field, clip(id))
	}
	return nil
}

// clip shortens s for a message (ids and labels only, never free text).
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// Validate checks a programme before it is created: ids, question kinds
// and options, sessions' districts (against districts, the valid ONS
// codes) and the codebook.
func (p *Programme) Validate(districts []string) error {
	if err := checkID("programme", p.ID); err != nil {
		return err
	}
	if strings.TrimSpace(p.Title) == "" {
		return fault.FieldErrorf(fault.Invalid, "title", "programme %s needs a title", p.ID)
	}
	if len(p.Questions) == 0 {
		return fault.FieldErrorf(fault.Invalid, "questions", "programme %s asks no questions: give at least one", p.ID)
	}
	seen := map[string]bool{}
	for i := range p.Questions {
		q := &p.Questions[i]
		if err := q.validate(); err != nil {
			return err
		}
		if seen[q.ID] || reservedColumns[q.ID] {
			return fault.FieldErrorf(fault.Invalid, "questions", "question id %q is repeated or reserved", q.ID)
		}
		seen[q.ID] = true
	}
	for i := range p.Sessions {
		s := &p.Sessions[i]
		s.ProgrammeID = p.ID
		if err := s.Validate(districts); err != nil {
			return err
		}
	}
	return validateCodebook(p.Codebook)
}

func (q *Question) validate() error {
	if err := checkID("question", q.ID); err != nil {
		return err
	}
	if strings.TrimSpace(q.Prompt) == "" {
		return fault.FieldErrorf(fault.Invalid, "questions", "question %s needs a prompt", q.ID)
	}
	switch q.Kind {
	case Scale, Choice:
		if len(q.Options) < 2 {
			return fault.FieldErrorf(fault.Invalid, "questions", "question %s (%s) needs at least two options", q.ID, q.Kind)
		}
		for i, o := range q.Options {
			if strings.TrimSpace(o) == "" || slices.Contains(q.Options[:i], o) {
				return fault.FieldErrorf(fault.Invalid, "questions", "question %s: option %d is empty or repeated", q.ID, i+1)
			}
		}
	case FreeText:
		if len(q.Options) > 0 {
			return fault.FieldErrorf(fault.Invalid, "questions", "question %s is free text and takes no options", q.ID)
		}
	default:
		return fault.FieldErrorf(fault.Invalid, "questions", "question %s has kind %q: use scale, choice or text", q.ID, clip(string(q.Kind)))
	}
	if q.Kind == Scale && q.Agree == 0 {
		q.Agree = len(q.Options) * 2 / 5
		if q.Agree == 0 {
			q.Agree = 1
		}
	}
	if q.Agree < 0 || q.Agree >= len(q.Options) && q.Kind == Scale {
		return fault.FieldErrorf(fault.Invalid, "questions", "question %s: agree must count fewer than all of the scale's %d options", q.ID, len(q.Options))
	}
	return nil
}

// Validate checks a session against the valid district codes.
func (s *Session) Validate(districts []string) error {
	if err := checkID("session", s.ID); err != nil {
		return err
	}
	if !slices.Contains(districts, s.District) {
		return fault.FieldErrorf(fault.Invalid, "district", "session %s: district %q is not one of the 14 districts' ONS codes (e.g. E07000070)", s.ID, clip(s.District))
	}
	if s.Date.IsZero() {
		return fault.FieldErrorf(fault.Invalid, "date", "session %s needs a date", s.ID)
	}
	if strings.TrimSpace(s.Place) == "" || strings.TrimSpace(s.Host) == "" {
		return fault.FieldErrorf(fault.Invalid, "place", "session %s needs a place and a host organisation", s.ID)
	}
	if s.Wave < 1 {
		s.Wave = 1
	}
	return nil
}

// Question returns the programme's question id, if it asks one.
func (p *Programme) Question(id string) (*Question, bool) {
	for i := range p.Questions {
		if p.Questions[i].ID == id {
			return &p.Questions[i], true
		}
	}
	return nil, false
}

// Session returns the programme's session id, if it has one.
func (p *Programme) Session(id string) (*Session, bool) {
	for i := range p.Sessions {
		if p.Sessions[i].ID == id {
			return &p.Sessions[i], true
		}
	}
	return nil, false
}
