package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/voice"
)

// Citizen voice in PostgreSQL (migration 0016): the same tables as the
// embedded store's, shared by every process serving the database, so a
// response captured through one server is in every server's results.

var _ voice.Store = (*Store)(nil)

// voiceConflict turns a unique-key violation into a domain conflict.
func voiceConflict(err error, format string, args ...any) error {
	if err != nil && isUnique(err) {
		return fault.Wrap(err, fault.Conflict, format, args...)
	}
	return err
}

// CreateVoiceProgramme stores a programme with its questions, sessions and
// codebook, in one transaction.
func (s *Store) CreateVoiceProgramme(ctx context.Context, p *voice.Programme) error {
	qs, err := json.Marshal(p.Questions)
	if err != nil {
		return err
	}
	cb, err := json.Marshal(p.Codebook)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO voice_programmes (id, title, description, host, questions, codebook, created_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			p.ID, p.Title, p.Description, p.Host, string(qs), string(cb), p.CreatedAt.UTC(), p.CreatedBy); err != nil {
			return voiceConflict(err, "programme %s already exists", p.ID)
		}
		for i := range p.Sessions {
			if err := addVoiceSession(ctx, tx, &p.Sessions[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// execer is a pool or a transaction.
type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// AddVoiceSession adds a session to a programme.
func (s *Store) AddVoiceSession(ctx context.Context, ss *voice.Session) error {
	return addVoiceSession(ctx, s.pool, ss)
}

func addVoiceSession(ctx context.Context, x execer, ss *voice.Session) error {
	_, err := x.Exec(ctx, `INSERT INTO voice_sessions (id, programme_id, date, place, district, host, wave) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		ss.ID, ss.ProgrammeID, ss.Date.UTC().Format(time.DateOnly), ss.Place, ss.District, ss.Host, ss.Wave)
	return voiceConflict(err, "session %s already exists", ss.ID)
}

// VoiceProgrammes lists programmes with their counts.
func (s *Store) VoiceProgrammes(ctx context.Context) ([]voice.ProgrammeSummary, error) {
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.title, json_array_length(p.questions::json),
		(SELECT count(*) FROM voice_sessions s WHERE s.programme_id = p.id),
		(SELECT count(*) FROM voice_responses r WHERE r.programme_id = p.id)
		FROM voice_programmes p ORDER BY p.id COLLATE "C"`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return store.ScanVoiceSummaries(rows)
}

// VoiceProgramme returns a programme with its questions, sessions and
// codebook.
func (s *Store) VoiceProgramme(ctx context.Context, id string) (*voice.Programme, error) {
	p := &voice.Programme{}
	var qs, cb string
	err := s.pool.QueryRow(ctx, `SELECT id, title, description, host, questions, codebook, created_at, created_by
		FROM voice_programmes WHERE id = $1`, id).Scan(&p.ID, &p.Title, &p.Description, &p.Host, &qs, &cb, &p.CreatedAt, &p.CreatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.FieldErrorf(fault.NotFound, "programme", "no conversation programme %q", id)
	}
	if err != nil {
		return nil, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if err := json.Unmarshal([]byte(qs), &p.Questions); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cb), &p.Codebook); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, programme_id, date, place, district, host, wave
		FROM voice_sessions WHERE programme_id = $1 ORDER BY date, id COLLATE "C"`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	if p.Sessions, err = store.ScanVoiceSessions(rows); err != nil {
		return nil, err
	}
	return p, nil
}

// AddVoiceResponses stores responses and their answers in one
// transaction: all or none. A response already stored (a retry from a
// device that lost its connection) refuses the whole batch, naming it.
func (s *Store) AddVoiceResponses(ctx context.Context, rs []*voice.Response) error {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		var dup string
		err := tx.QueryRow(ctx, `SELECT id FROM voice_responses WHERE id = ANY($1) LIMIT 1`, ids).Scan(&dup)
		if err == nil {
			return fault.FieldErrorf(fault.Conflict, "response_id", "response %s is already stored: nothing was stored", dup)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		respRows := make([][]any, 0, len(rs))
		var ansRows [][]any
		for _, r := range rs {
			respRows = append(respRows, []any{r.ID, r.ProgrammeID, r.SessionID, r.District, r.AgeBand, r.ConsentStore, r.ConsentQuote, r.CapturedBy, r.CapturedAt.UTC()})
			for _, a := range r.Answers {
				ansRows = append(ansRows, []any{r.ID, a.QuestionID, a.Option, a.Text.String()})
			}
		}
		// Row by row in one batch, in order, so seq keeps capture order.
		b := &pgx.Batch{}
		for _, row := range respRows {
			b.Queue(`INSERT INTO voice_responses (id, programme_id, session_id, district, age_band, consent_store, consent_quote, captured_by, captured_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, row...)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return voiceConflict(err, "a response is already stored: nothing was stored")
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"voice_answers"}, []string{"response_id", "question_id", "option", "text"}, pgx.CopyFromRows(ansRows))
		return voiceConflict(err, "an answer is given twice: nothing was stored")
	})
}

// VoiceResponse returns one response.
func (s *Store) VoiceResponse(ctx context.Context, id string) (*voice.Response, error) {
	rs, err := s.voiceResponses(ctx, "r.id = $1", id)
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
	return s.voiceResponses(ctx, "r.programme_id = $1", programmeID)
}

// voiceResponses reads responses matching where with their answers. Free
// text goes back through [voice.Redact] (a no-op on redacted text), the
// only way to make a voice.Text.
func (s *Store) voiceResponses(ctx context.Context, where string, arg any) ([]*voice.Response, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.id, r.programme_id, r.session_id, r.district, r.age_band, r.consent_store,
		r.consent_quote, r.captured_by, r.captured_at, a.question_id, a.option, a.text
		FROM voice_responses r LEFT JOIN voice_answers a ON a.response_id = r.id
		WHERE `+where+` ORDER BY r.seq, a.question_id COLLATE "C"`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return store.ScanVoiceResponses(rows)
}

// AddVoiceCodings stores manual codings, each replacing its coder's
// earlier coding of the same answer, in one transaction.
func (s *Store) AddVoiceCodings(ctx context.Context, cs []voice.Coding) error {
	b := &pgx.Batch{}
	for _, c := range cs {
		th, err := json.Marshal(c.Themes)
		if err != nil {
			return err
		}
		b.Queue(`INSERT INTO voice_codings (programme_id, response_id, question_id, coder, themes, coded_at) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (response_id, question_id, coder) DO UPDATE SET programme_id = excluded.programme_id, themes = excluded.themes, coded_at = excluded.coded_at`,
			c.ProgrammeID, c.ResponseID, c.QuestionID, c.Coder, string(th), c.At.UTC())
	}
	return s.inTx(ctx, func(tx pgx.Tx) error { return tx.SendBatch(ctx, b).Close() })
}

// VoiceCodings returns a programme's manual codings, oldest first.
func (s *Store) VoiceCodings(ctx context.Context, programmeID string) ([]voice.Coding, error) {
	rows, err := s.pool.Query(ctx, `SELECT programme_id, response_id, question_id, coder, themes, coded_at FROM voice_codings
		WHERE programme_id = $1 ORDER BY coded_at, response_id COLLATE "C", question_id COLLATE "C", coder COLLATE "C"`, programmeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return store.ScanVoiceCodings(rows)
}

// AddVoiceQuote stores a proposed quote.
func (s *Store) AddVoiceQuote(ctx context.Context, q *voice.Quote) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO voice_quotes (id, programme_id, response_id, question_id, text, district, theme, state,
		proposed_by, proposed_at, checked_by, checked_at, note, released_at, digest)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		q.ID, q.ProgrammeID, q.ResponseID, q.QuestionID, q.Text.String(), q.District, q.Theme, string(q.State),
		q.ProposedBy, q.ProposedAt.UTC(), q.CheckedBy, timeOrNil(q.CheckedAt), q.Note, timeOrNil(q.ReleasedAt), q.Digest)
	return voiceConflict(err, "quote %s already exists", q.ID)
}

// timeOrNil is NULL for the zero time.
func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// UpdateVoiceQuote writes a quote's check and release; a released quote
// is never changed (fault.Conflict), whatever the caller asks.
func (s *Store) UpdateVoiceQuote(ctx context.Context, q *voice.Quote) error {
	tag, err := s.pool.Exec(ctx, `UPDATE voice_quotes SET state = $1, checked_by = $2, checked_at = $3, note = $4, released_at = $5, digest = $6
		WHERE id = $7 AND state <> 'released'`,
		string(q.State), q.CheckedBy, timeOrNil(q.CheckedAt), q.Note, timeOrNil(q.ReleasedAt), q.Digest, q.ID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fault.Errorf(fault.Conflict, "quote %s does not exist or is released: a released quote cannot change", q.ID)
	}
	return nil
}

// VoiceQuote returns one quote.
func (s *Store) VoiceQuote(ctx context.Context, id string) (*voice.Quote, error) {
	qs, err := s.voiceQuotes(ctx, "id = $1", id)
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
	return s.voiceQuotes(ctx, "programme_id = $1", programmeID)
}

func (s *Store) voiceQuotes(ctx context.Context, where string, arg any) ([]*voice.Quote, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+store.VoiceQuoteColumns+` FROM voice_quotes WHERE `+where+` ORDER BY proposed_at, id COLLATE "C"`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return store.ScanVoiceQuotes(rows)
}

// AddVoiceAction stores a "you said, we did" action.
func (s *Store) AddVoiceAction(ctx context.Context, a *voice.Action) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO voice_actions (id, programme_id, theme_id, project, title, link, by_user, added_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.ID, a.ProgrammeID, a.ThemeID, a.Project, a.Title, a.Link, a.By, a.At.UTC())
	return voiceConflict(err, "action %s already exists", a.ID)
}

// VoiceActions returns a programme's actions, oldest first.
func (s *Store) VoiceActions(ctx context.Context, programmeID string) ([]*voice.Action, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, programme_id, theme_id, project, title, link, by_user, added_at
		FROM voice_actions WHERE programme_id = $1 ORDER BY added_at, id COLLATE "C"`, programmeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return store.ScanVoiceActions(rows)
}
