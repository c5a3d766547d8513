package voice

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/civiclink/civiclink/internal/fault"
)

// Input is a response as captured or imported, before it is checked and
// its free text redacted. Answers are by question id; an empty answer is
// no answer.
type Input struct {
	ID           string            `json:"id,omitempty"`
	SessionID    string            `json:"session"`
	District     string            `json:"district,omitempty"`
	AgeBand      string            `json:"age_band,omitempty"`
	ConsentStore bool              `json:"consent_store"`
	ConsentQuote bool              `json:"consent_quote"`
	Answers      map[string]string `json:"answers"`
	// CapturedAt is when it was said; the capture time when zero.
	CapturedAt time.Time `json:"captured_at,omitzero"`
}

// Districts maps each of the 14 districts' ONS codes to its name.
type Districts map[string]string

// Codes returns the district codes in order.
func (d Districts) Codes() []string {
	out := make([]string, 0, len(d))
	for c := range d {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// code returns the code of a district given by code or name.
func (d Districts) code(s string) (string, bool) {
	if _, ok := d[s]; ok {
		return s, true
	}
	for c, n := range d {
		if strings.EqualFold(n, strings.TrimSpace(s)) {
			return c, true
		}
	}
	return "", false
}

// build checks in against the programme and returns the response to
// store, free text redacted. Its errors never quote free text.
func (p *Programme) build(in Input, d Districts, by string, now time.Time) (*Response, error) {
	s, ok := p.Session(in.SessionID)
	if !ok {
		return nil, fault.FieldErrorf(fault.Invalid, "session", "unknown session %q: programme %s has no such session", clip(in.SessionID), p.ID)
	}
	if !in.ConsentStore {
		return nil, fault.FieldErrorf(fault.Invalid, "consent_store", "no consent to store this response: without it the response is not kept")
	}
	r := &Response{ID: in.ID, ProgrammeID: p.ID, SessionID: s.ID, District: s.District, AgeBand: in.AgeBand,
		ConsentStore: true, ConsentQuote: in.ConsentQuote, CapturedBy: by, CapturedAt: in.CapturedAt.UTC()}
	if r.ID == "" {
		r.ID = NewResponseID()
	} else if !responseIDRE.MatchString(r.ID) {
		return nil, fault.FieldErrorf(fault.Invalid, "response_id", "response id %q is not valid: use letters, digits, '-' and '_' (at most 64)", clip(r.ID))
	}
	if r.CapturedAt.IsZero() {
		r.CapturedAt = now.UTC()
	}
	if in.District != "" {
		c, ok := d.code(in.District)
		if !ok {
			return nil, fault.FieldErrorf(fault.Invalid, "district", "district %q is not one of the 14 districts (give its ONS code or name)", clip(in.District))
		}
		r.District = c
	}
	if r.AgeBand != "" && !slices.Contains(AgeBands, r.AgeBand) {
		return nil, fault.FieldErrorf(fault.Invalid, "age_band", "age band %q is not one of %s (or leave it empty)", clip(r.AgeBand), strings.Join(AgeBands, ", "))
	}
	for _, q := range p.Questions {
		v, ok := in.Answers[q.ID]
		if !ok || strings.TrimSpace(v) == "" {
			continue
		}
		a, err := q.answer(v)
		if err != nil {
			return nil, err
		}
		r.Answers = append(r.Answers, a)
	}
	for id := range in.Answers {
		if _, ok := p.Question(id); !ok {
			return nil, fault.FieldErrorf(fault.Invalid, "answers", "question %q is not asked by programme %s", clip(id), p.ID)
		}
	}
	if len(r.Answers) == 0 {
		return nil, fault.FieldErrorf(fault.Invalid, "answers", "the response answers no question")
	}
	return r, nil
}

// answer checks v against the question: a scale's point by label or
// number, a choice by label, free text within [MaxTextLen] (redacted).
func (q *Question) answer(v string) (Answer, error) {
	a := Answer{QuestionID: q.ID}
	if q.Kind == FreeText {
		if n := utf8.RuneCountInString(v); n > MaxTextLen {
			return a, fault.FieldErrorf(fault.Invalid, q.ID, "the answer to %s has %d characters, over the limit of %d: shorten it", q.ID, n, MaxTextLen)
		}
		if !utf8.ValidString(v) {
			return a, fault.FieldErrorf(fault.Invalid, q.ID, "the answer to %s is not valid UTF-8 text", q.ID)
		}
		a.Text = Redact(v)
		return a, nil
	}
	v = strings.TrimSpace(v)
	for _, o := range q.Options {
		if strings.EqualFold(o, v) {
			a.Option = o
			return a, nil
		}
	}
	if q.Kind == Scale {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= len(q.Options) {
			a.Option = q.Options[n-1]
			return a, nil
		}
		return a, fault.FieldErrorf(fault.Invalid, q.ID, "answer %q to %s is outside its scale: use 1–%d or one of %s", clip(v), q.ID, len(q.Options), strings.Join(q.Options, ", "))
	}
	return a, fault.FieldErrorf(fault.Invalid, q.ID, "answer %q to %s is not one of its choices: %s", clip(v), q.ID, strings.Join(q.Options, ", "))
}

// NewResponseID returns a fresh random response id.
func NewResponseID() string {
	var b [8]byte
	rand.Read(b[:])
	return "r" + hex.EncodeToString(b[:])
}
