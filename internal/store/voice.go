package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/voice"
)

var _ voice.Store = (*Store)(nil)

// CreateVoiceProgramme stores a programme with its questions, sessions and
// codebook.
func (s *Store) CreateVoiceProgramme(ctx context.Context, p *voice.Programme) error {
	qs, err := json.Marshal(p.Questions)
	if err != nil {
		return err
	}
	cb, err := json.Marshal(p.Codebook)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO voice_programmes VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.Title, p.Description, p.Host, string(qs), string(cb), p.CreatedAt.UTC(), p.CreatedBy); err != nil {
		return voiceConflict(err, "programme %s already exists", p.ID)
	}
	for i := range p.Sessions {
		if err := addVoiceSession(ctx, tx, &p.Sessions[i]); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// AddVoiceSession adds a session to a programme.
func (s *Store) AddVoiceSession(ctx context.Context, ss *voice.Session) error {
	return addVoiceSession(ctx, s.db, ss)
}

func addVoiceSession(ctx context.Context, x execer, ss *voice.Session) error {
	_, err := x.ExecContext(ctx, `INSERT INTO voice_sessions VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ss.ID, ss.ProgrammeID, ss.Date.UTC(), ss.Place, ss.District, ss.Host, ss.Wave)
	return voiceConflict(err, "session %s already exists", ss.ID)
}

// voiceConflict turns a constraint violation into a domain conflict.
func voiceConflict(err error, format string, args ...any) error {
	if err != nil && isConstraint(err) {
		return fault.Wrap(err, fault.Conflict, format, args...)
	}
	return err
}

// VoiceProgrammes lists programmes with their counts.
func (s *Store) VoiceProgrammes(ctx context.Context) ([]voice.ProgrammeSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.title, json_array_length(p.questions::JSON),
		(SELECT count(*) FROM voice_sessions s WHERE s.programme_id = p.id),
		(SELECT count(*) FROM voice_responses r WHERE r.programme_id = p.id)
		FROM voice_programmes p ORDER BY p.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return ScanVoiceSummaries(rows)
}

// VoiceProgramme returns a programme with its questions, sessions and
// codebook.
func (s *Store) VoiceProgramme(ctx context.Context, id string) (*voice.Programme, error) {
	p := &voice.Programme{}
	var qs, cb string
	err := s.db.QueryRowContext(ctx, `SELECT id, title, description, host, questions, codebook, created_at, created_by
		FROM voice_programmes WHERE id = ?`, id).Scan(&p.ID, &p.Title, &p.Description, &p.Host, &qs, &cb, &p.CreatedAt, &p.CreatedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fault.FieldErrorf(fault.NotFound, "programme", "no conversation programme %q", id)
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(qs), &p.Questions); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cb), &p.Codebook); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, programme_id, date, place, district, host, wave
		FROM voice_sessions WHERE programme_id = ? ORDER BY date, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if p.Sessions, err = ScanVoiceSessions(rows); err != nil {
		return nil, err
	}
	return p, nil
}

// voiceBatch is how many rows one INSERT carries.
const voiceBatch = 500

// insertRows inserts rows into table in multi-row statements.
func insertRows(ctx context.Context, tx *sql.Tx, table string, ncols int, rows [][]any) error {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", ncols), ", ") + ")"
	for len(rows) > 0 {
		n := min(len(rows), voiceBatch)
		args := make([]any, 0, n*ncols)
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// AddVoiceResponses stores responses and their answers in one
// transaction: all or none.
func (s *Store) AddVoiceResponses(ctx context.Context, rs []*voice.Response) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	ids := make([]any, len(rs))
	var resp, ans [][]any
	for i, r := range rs {
		ids[i] = r.ID
		resp = append(resp, []any{r.ID, r.ProgrammeID, r.SessionID, r.District, r.AgeBand, r.ConsentStore, r.ConsentQuote, r.CapturedBy, r.CapturedAt.UTC()})
		for _, a := range r.Answers {
			ans = append(ans, []any{r.ID, a.QuestionID, a.Option, a.Text.String()})
		}
	}
	if dup, err := s.existingResponse(ctx, tx, ids); err != nil || dup != "" {
		if err == nil {
			err = fault.FieldErrorf(fault.Conflict, "response_id", "response %s is already stored: nothing was stored", dup)
		}
		return err
	}
	one := "(?, nextval('voice_response_seq'), ?, ?, ?, ?, ?, ?, ?, ?)"
	for len(resp) > 0 {
		n := min(len(resp), voiceBatch)
		var args []any
		for _, r := range resp[:n] {
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO voice_responses VALUES "+strings.TrimSuffix(strings.Repeat(one+", ", n), ", "), args...); err != nil {
			return voiceConflict(err, "a response is already stored: nothing was stored")
		}
		resp = resp[n:]
	}
	if err := insertRows(ctx, tx, "voice_answers", 4, ans); err != nil {
		return err
	}
	return tx.Commit()
}

// existingResponse returns the first of ids already stored, or "".
func (s *Store) existingResponse(ctx context.Context, tx *sql.Tx, ids []any) (string, error) {
	for len(ids) > 0 {
		n := min(len(ids), voiceBatch)
		var dup string
		err := tx.QueryRowContext(ctx, `SELECT id FROM voice_responses WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", n), ", ")+`) LIMIT 1`, ids[:n]...).Scan(&dup)
		if err == nil {
			return dup, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return "", err
		}
		ids = ids[n:]
	}
	return "", nil
}

// VoiceResponse returns one response.
func (s *Store) VoiceResponse(ctx context.Context, id string) (*voice.Response, error) {
	rs, err := s.voiceResponses(ctx, "r.id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, fault.FieldErrorf(fault.NotFound, "response", "no response %q", id)
	}
	return rs[0], nil
}

// VoiceResponses returns a programme's responses in capture order.
func (s *Store) VoiceResponses(ctx context.Context, programmeID string) ([]*voice.Response, error) {
	return s.voiceResponses(ctx, "r.programme_id = ?", programmeID)
}

// voiceResponses reads responses matching where with their answers. Free
// text goes back through [voice.Redact] (a no-op on redacted text), the
// only way to make a voice.Text.
func (s *Store) voiceResponses(ctx context.Context, where string, arg any) ([]*voice.Response, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT r.id, r.programme_id, r.session_id, r.district, r.age_band, r.consent_store,
		r.consent_quote, r.captured_by, r.captured_at, a.question_id, a.option, a.text
		FROM voice_responses r LEFT JOIN voice_answers a ON a.response_id = r.id
		WHERE `+where+` ORDER BY r.seq, a.question_id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return ScanVoiceResponses(rows)
}

// AddVoiceCodings stores manual codings, each replacing its coder's
// earlier coding of the same answer.
func (s *Store) AddVoiceCodings(ctx context.Context, cs []voice.Coding) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, c := range cs {
		th, err := json.Marshal(c.Themes)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM voice_codings WHERE response_id = ? AND question_id = ? AND coder = ?`, c.ResponseID, c.QuestionID, c.Coder); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO voice_codings VALUES (?, ?, ?, ?, ?, ?)`, c.ProgrammeID, c.ResponseID, c.QuestionID, c.Coder, string(th), c.At.UTC()); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// VoiceCodings returns a programme's manual codings, oldest first.
func (s *Store) VoiceCodings(ctx context.Context, programmeID string) ([]voice.Coding, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT programme_id, response_id, question_id, coder, themes, coded_at FROM voice_codings
		WHERE programme_id = ? ORDER BY coded_at, response_id, question_id, coder`, programmeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return ScanVoiceCodings(rows)
}
