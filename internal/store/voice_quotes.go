package store

import (
	"context"

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
	rows, err := s.db.QueryContext(ctx, `SELECT `+VoiceQuoteColumns+` FROM voice_quotes WHERE `+where+` ORDER BY proposed_at, id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return ScanVoiceQuotes(rows)
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
	return ScanVoiceActions(rows)
}
