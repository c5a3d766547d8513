package store

import (
	"encoding/json"
	"time"

	"github.com/civiclink/civiclink/internal/voice"
)

// The voice tables have the same columns in both backends, so one scanner
// per query reads database/sql's rows and pgx's alike ([Rows]). Times
// come back in UTC; free text goes back through [voice.Redact] (a no-op
// on redacted text), the only way to make a voice.Text.

// ScanVoiceSummaries reads rows of (id, title, questions, sessions,
// responses).
func ScanVoiceSummaries(rows Rows) ([]voice.ProgrammeSummary, error) {
	var out []voice.ProgrammeSummary
	for rows.Next() {
		var p voice.ProgrammeSummary
		if err := rows.Scan(&p.ID, &p.Title, &p.Questions, &p.Sessions, &p.Responses); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ScanVoiceSessions reads rows of (id, programme_id, date, place,
// district, host, wave).
func ScanVoiceSessions(rows Rows) ([]voice.Session, error) {
	var out []voice.Session
	for rows.Next() {
		var ss voice.Session
		if err := rows.Scan(&ss.ID, &ss.ProgrammeID, &ss.Date, &ss.Place, &ss.District, &ss.Host, &ss.Wave); err != nil {
			return nil, err
		}
		out = append(out, ss)
	}
	return out, rows.Err()
}

// ScanVoiceResponses reads rows of a response's columns (id,
// programme_id, session_id, district, age_band, consent_store,
// consent_quote, captured_by, captured_at) and one of its answers
// (question_id, option, text; NULL for a response without answers),
// ordered by response, into responses with their answers.
func ScanVoiceResponses(rows Rows) ([]*voice.Response, error) {
	var out []*voice.Response
	for rows.Next() {
		var r voice.Response
		var q, opt, text *string
		if err := rows.Scan(&r.ID, &r.ProgrammeID, &r.SessionID, &r.District, &r.AgeBand, &r.ConsentStore,
			&r.ConsentQuote, &r.CapturedBy, &r.CapturedAt, &q, &opt, &text); err != nil {
			return nil, err
		}
		r.CapturedAt = r.CapturedAt.UTC()
		if n := len(out); n == 0 || out[n-1].ID != r.ID {
			out = append(out, &r)
		}
		if q != nil {
			last := out[len(out)-1]
			last.Answers = append(last.Answers, voice.Answer{QuestionID: *q, Option: deref(opt), Text: voice.Redact(deref(text))})
		}
	}
	return out, rows.Err()
}

// ScanVoiceCodings reads rows of (programme_id, response_id, question_id,
// coder, themes as JSON, coded_at).
func ScanVoiceCodings(rows Rows) ([]voice.Coding, error) {
	var out []voice.Coding
	for rows.Next() {
		var c voice.Coding
		var th string
		if err := rows.Scan(&c.ProgrammeID, &c.ResponseID, &c.QuestionID, &c.Coder, &th, &c.At); err != nil {
			return nil, err
		}
		c.At = c.At.UTC()
		if err := json.Unmarshal([]byte(th), &c.Themes); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// VoiceQuoteColumns are the columns [ScanVoiceQuotes] reads, in order.
const VoiceQuoteColumns = `id, programme_id, response_id, question_id, text, district, theme, state,
		proposed_by, proposed_at, checked_by, checked_at, note, released_at, digest`

// ScanVoiceQuotes reads rows of [VoiceQuoteColumns].
func ScanVoiceQuotes(rows Rows) ([]*voice.Quote, error) {
	var out []*voice.Quote
	for rows.Next() {
		var q voice.Quote
		var text, state string
		var checked, released *time.Time
		if err := rows.Scan(&q.ID, &q.ProgrammeID, &q.ResponseID, &q.QuestionID, &text, &q.District, &q.Theme, &state,
			&q.ProposedBy, &q.ProposedAt, &q.CheckedBy, &checked, &q.Note, &released, &q.Digest); err != nil {
			return nil, err
		}
		q.Text, q.State, q.ProposedAt = voice.Redact(text), voice.QuoteState(state), q.ProposedAt.UTC()
		if checked != nil {
			q.CheckedAt = checked.UTC()
		}
		if released != nil {
			q.ReleasedAt = released.UTC()
		}
		out = append(out, &q)
	}
	return out, rows.Err()
}

// ScanVoiceActions reads rows of (id, programme_id, theme_id, project,
// title, link, by_user, added_at).
func ScanVoiceActions(rows Rows) ([]*voice.Action, error) {
	var out []*voice.Action
	for rows.Next() {
		var a voice.Action
		if err := rows.Scan(&a.ID, &a.ProgrammeID, &a.ThemeID, &a.Project, &a.Title, &a.Link, &a.By, &a.At); err != nil {
			return nil, err
		}
		a.At = a.At.UTC()
		out = append(out, &a)
	}
	return out, rows.Err()
}

// deref is the string p points at, or "" for NULL.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
