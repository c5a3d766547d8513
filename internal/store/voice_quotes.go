package store

import (
	"context"
	"database/sql"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/voice"
)

// AddVoiceQuote stores a proposed quote.
func (s *Store) AddVoiceQuote(ctx context.Context, q *voice.Quote) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO voice_quotes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.ID, q.ProgrammeID, q.ResponseID, q.QuestionID, q.Text.String(), q.District, q.Theme, string(q.State),
		q.ProposedBy, q.ProposedAt.UTC(), q.CheckedBy, nullTime(q.CheckedAt), q.Note, nullTime(q.ReleasedAt), q.Digest)
	return voiceConflict(err, "quote %s already exists", q.ID)
}

// UpdateVoiceQuote writes a quote's check and release; a released quote
// is never changed (fault.Conflict), whatever the caller asks.
func (s *Store) UpdateVoiceQuote(ctx context.Context, q *voice.Quote) error {
	res, err := s.db.ExecContext(ctx, `UPDATE voice_quotes SET state = ?, checked_by = ?, checked_at = ?, note = ?, released_at = ?, digest = ?
		WHERE id = ? AND state <> 'released'`,
		string(q.State), q.CheckedBy, nullTime(q.CheckedAt), q.Note, nullTime(q.ReleasedAt), q.Digest, q.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fault.Errorf(fault.Conflict, "quote %s does not exist or is released: a released quote cannot change", q.ID)
	}
	return nil
}

// VoiceQuote returns one quote.
func (s *Store) VoiceQuote(ctx context.Context, id string) (*voice.Quote, error) {
	qs, err := s.voiceQuotes(ctx, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(qs) == 0 {
		return nil, fault.FieldErrorf(fault.NotFound, "quote", "no quote %q", id)
	}
	return qs[0], nil
}

// VoiceQuotes returns a programme's quotes, oldest first.
func (s *Store) VoiceQuotes(ctx context.Context, programmeID string) ([]*voice.Quote, error) {
	return s.voiceQuotes(ctx, "programme_id = ?", programmeID)
}

func (s *Store) voiceQuotes(ctx context.Context, where string, arg any) ([]*voice.Quote, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, programme_id, response_id, question_id, text, district, theme, state,
		proposed_by, proposed_at, checked_by, checked_at, note, released_at, digest FROM voice_quotes WHERE `+where+` ORDER BY proposed_at, id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*voice.Quote
	for rows.Next() {
		var q voice.Quote
		var text, state string
		var checked, released sql.NullTime
		if err := rows.Scan(&q.ID, &q.ProgrammeID, &q.ResponseID, &q.QuestionID, &text, &q.District, &q.Theme, &state,
			&q.ProposedBy, &q.ProposedAt, &q.CheckedBy, &checked, &q.Note, &released, &q.Digest); err != nil {
			return nil, err
		}
		q.Text, q.State, q.CheckedAt, q.ReleasedAt = voice.Redact(text), voice.QuoteState(state), checked.Time, released.Time
		out = append(out, &q)
	}
	return out, rows.Err()
}

// AddVoiceAction stores a "you said, we did" action.
func (s *Store) AddVoiceAction(ctx context.Context, a *voice.Action) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO voice_actions VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, a.ProgrammeID, a.ThemeID, a.Project, a.Title, a.Link, a.By, a.At.UTC())
	return voiceConflict(err, "action %s already exists", a.ID)
}

// VoiceActions returns a programme's actions, oldest first.
func (s *Store) VoiceActions(ctx context.Context, programmeID string) ([]*voice.Action, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, programme_id, theme_id, project, title, link, by_user, added_at
		FROM voice_actions WHERE programme_id = ? ORDER BY added_at, id`, programmeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*voice.Action
	for rows.Next() {
		var a voice.Action
		if err := rows.Scan(&a.ID, &a.ProgrammeID, &a.ThemeID, &a.Project, &a.Title, &a.Link, &a.By, &a.At); err != nil {
			return nil, err
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}
