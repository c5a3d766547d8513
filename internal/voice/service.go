package voice

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// Service is the voice room's operations, each checked against the
// actor's roles and recorded on the audit log (the refusals too). The
// CLI, the web app and the demo use the same Service.
type Service struct {
	Store Store
	Audit govern.Recorder
	Clock clock.Clock
	// Districts are the 14 districts' codes and names.
	Districts Districts
	// Threshold is the smallest count results publish (default
	// [disclose.DefaultThreshold]).
	Threshold int64
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock.Now().UTC()
}

// record puts one voice action on the audit log: allowed when err is nil,
// denied for a refusal of access, error otherwise. Details carry counts
// and ids, never free text.
func (s *Service) record(ctx context.Context, u *govern.User, action, target string, err error, details map[string]any) error {
	e := govern.Event{At: s.now(), User: u.ID, Partner: u.PartnerID, Action: "voice." + action, Target: target, Outcome: govern.OutcomeAllowed}
	if len(details) > 0 {
		e.Details = details
	}
	if err != nil {
		e.Outcome, e.Reason = "error", firstLine(fault.Message(err))
		if c := fault.Code(err); c == fault.Forbidden || c == fault.Unauthorized {
			e.Outcome = govern.OutcomeDenied
		}
	}
	if rerr := s.Audit.Record(ctx, e); rerr != nil && err == nil {
		return fault.Wrap(rerr, fault.Internal, "cannot record %s on the audit log, so it was not done", e.Action)
	}
	return err
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// need refuses u unless they hold one of roles (any signed-in user when
// none are given).
func need(u *govern.User, what string, roles ...govern.Role) error {
	if u == nil {
		return fault.Errorf(fault.Unauthorized, "sign in to %s", what)
	}
	if len(roles) > 0 && !u.HasAny(roles...) {
		names := make([]string, len(roles))
		for i, r := range roles {
			names[i] = string(r)
		}
		return fault.Errorf(fault.Forbidden, "only a user with the role %s can %s", strings.Join(names, " or "), what)
	}
	return nil
}

// Define creates a programme with its questions, sessions and codebook
// (partner admins).
func (s *Service) Define(ctx context.Context, u *govern.User, p *Programme) error {
	err := need(u, "define a conversation programme", govern.PartnerAdmin)
	if err == nil {
		err = p.Validate(s.Districts.Codes())
	}
	if err == nil {
		p.CreatedAt, p.CreatedBy = s.now(), u.ID
		err = s.Store.CreateVoiceProgramme(ctx, p)
	}
	return s.record(ctx, u, "define", "voice:"+p.ID, err, map[string]any{"questions": len(p.Questions), "sessions": len(p.Sessions), "themes": len(p.Codebook)})
}

// AddSession adds a session to a programme (partner admins).
func (s *Service) AddSession(ctx context.Context, u *govern.User, ss *Session) error {
	err := need(u, "add a conversation session", govern.PartnerAdmin)
	if err == nil {
		_, err = s.Store.VoiceProgramme(ctx, ss.ProgrammeID)
	}
	if err == nil {
		err = ss.Validate(s.Districts.Codes())
	}
	if err == nil {
		err = s.Store.AddVoiceSession(ctx, ss)
	}
	return s.record(ctx, u, "session.add", "voice:"+ss.ProgrammeID+"/"+ss.ID, err, nil)
}

// List returns the programmes with their counts (any signed-in user).
func (s *Service) List(ctx context.Context, u *govern.User) ([]ProgrammeSummary, error) {
	err := need(u, "list conversation programmes")
	var out []ProgrammeSummary
	if err == nil {
		out, err = s.Store.VoiceProgrammes(ctx)
	}
	return out, s.record(ctx, u, "list", "voice", err, map[string]any{"programmes": len(out)})
}

// Programme returns a programme's definition (any signed-in user).
func (s *Service) Programme(ctx context.Context, u *govern.User, id string) (*Programme, error) {
	err := need(u, "read a conversation programme")
	var p *Programme
	if err == nil {
		p, err = s.Store.VoiceProgramme(ctx, id)
	}
	return p, s.record(ctx, u, "view", "voice:"+id, err, nil)
}

// Capture checks, redacts and stores one response (any signed-in staff
// member). A response whose id is already stored in the same programme is
// not stored again: duplicate is true and the stored one is returned, so
// a form that retries after a lost reply does not count twice.
func (s *Service) Capture(ctx context.Context, u *govern.User, programmeID string, in Input) (r *Response, duplicate bool, err error) {
	err = need(u, "capture a response")
	var p *Programme
	if err == nil {
		p, err = s.Store.VoiceProgramme(ctx, programmeID)
	}
	if err == nil && in.ID != "" {
		if old, gerr := s.Store.VoiceResponse(ctx, in.ID); gerr == nil && old.ProgrammeID == programmeID {
			r, duplicate = old, true
		}
	}
	if err == nil && !duplicate {
		r, err = p.build(in, s.Districts, u.ID, s.now())
		if err == nil {
			err = s.Store.AddVoiceResponses(ctx, []*Response{r})
		}
	}
	target := "voice:" + programmeID
	det := map[string]any{}
	if r != nil {
		target += "/" + r.ID
		det["markers"], det["duplicate"] = markers(r), duplicate
	}
	return r, duplicate, s.record(ctx, u, "capture", target, err, det)
}

func markers(r *Response) int {
	n := 0
	for _, a := range r.Answers {
		n += a.Text.Markers()
	}
	return n
}

// Import reads a response file ([ReadCSV]) and stores every response or
// none (any signed-in staff member).
func (s *Service) Import(ctx context.Context, u *govern.User, programmeID, name string, f io.Reader) (int, error) {
	err := need(u, "import responses")
	var p *Programme
	if err == nil {
		p, err = s.Store.VoiceProgramme(ctx, programmeID)
	}
	var rs []*Response
	if err == nil {
		rs, err = ReadCSV(p, s.Districts, f, u.ID, s.now())
	}
	if err == nil {
		err = s.Store.AddVoiceResponses(ctx, rs)
	}
	n, m := 0, 0
	if err == nil {
		n = len(rs)
		for _, r := range rs {
			m += markers(r)
		}
	}
	return n, s.record(ctx, u, "import", "voice:"+programmeID, err, map[string]any{"file": name, "responses": n, "markers": m})
}

// Export writes a programme's responses as CSV in the shape Import reads
// (analysts and partner admins): free text as stored, redacted.
func (s *Service) Export(ctx context.Context, u *govern.User, programmeID string, w io.Writer) (int, error) {
	err := need(u, "export responses", govern.Analyst, govern.PartnerAdmin)
	var p *Programme
	var rs []*Response
	if err == nil {
		p, err = s.Store.VoiceProgramme(ctx, programmeID)
	}
	if err == nil {
		rs, err = s.Store.VoiceResponses(ctx, programmeID)
	}
	if err == nil {
		err = WriteCSV(w, p, rs)
	}
	return len(rs), s.record(ctx, u, "export", "voice:"+programmeID, err, map[string]any{"responses": len(rs)})
}
