package voice

import (
	"context"
	"slices"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// Code records an analyst's manual coding of one free-text answer; a new
// coding by the same analyst replaces their earlier one.
func (s *Service) Code(ctx context.Context, u *govern.User, c Coding) error {
	err := need(u, "code answers", govern.Analyst)
	if err == nil {
		err = s.checkCoding(ctx, &c)
	}
	if err == nil {
		c.Coder, c.At = u.ID, s.now()
		err = s.Store.AddVoiceCodings(ctx, []Coding{c})
	}
	return s.record(ctx, u, "code", "voice:"+c.ProgrammeID+"/"+c.ResponseID, err, map[string]any{"question": c.QuestionID, "themes": c.Themes})
}

func (s *Service) checkCoding(ctx context.Context, c *Coding) error {
	p, err := s.Store.VoiceProgramme(ctx, c.ProgrammeID)
	if err != nil {
		return err
	}
	r, err := s.Store.VoiceResponse(ctx, c.ResponseID)
	if err != nil {
		return err
	}
	if a, ok := r.Answer(c.QuestionID); !ok || a.Text.IsZero() || r.ProgrammeID != p.ID {
		return fault.FieldErrorf(fault.Invalid, "question", "response %s has no free-text answer to %s in programme %s", r.ID, clip(c.QuestionID), p.ID)
	}
	for _, th := range c.Themes {
		if !slices.ContainsFunc(p.Codebook, func(t Theme) bool { return t.ID == th }) {
			return fault.FieldErrorf(fault.Invalid, "themes", "theme %q is not in programme %s's codebook", clip(th), p.ID)
		}
	}
	return nil
}

// Agreement reports Cohen's kappa between two coders (either may be
// [RulesCoder], the codebook's rules) on the answers both coded
// (analysts).
func (s *Service) Agreement(ctx context.Context, u *govern.User, programmeID, a, b string) (*Agreement, error) {
	ag, err := func() (*Agreement, error) {
		if err := need(u, "compare coders", govern.Analyst); err != nil {
			return nil, err
		}
		p, rs, err := s.load(ctx, programmeID)
		if err != nil {
			return nil, err
		}
		cs, err := s.Store.VoiceCodings(ctx, programmeID)
		if err != nil {
			return nil, err
		}
		if a == RulesCoder || b == RulesCoder {
			cs = append(cs, RuleCodings(p, rs)...)
		}
		return CompareCoders(p.Codebook, cs, a, b)
	}()
	return ag, s.record(ctx, u, "agreement", "voice:"+programmeID, err, map[string]any{"coders": a + "," + b})
}

// ProposeQuote proposes an excerpt of a free-text answer as a quote
// (analysts): the resident must have consented to be quoted, and the
// excerpt must be part of the redacted answer (empty: all of it).
func (s *Service) ProposeQuote(ctx context.Context, u *govern.User, responseID, questionID, excerpt, theme string) (*Quote, error) {
	var q *Quote
	err := need(u, "propose a quote", govern.Analyst)
	var r *Response
	if err == nil {
		r, err = s.Store.VoiceResponse(ctx, responseID)
	}
	if err == nil {
		q, err = newQuote(r, questionID, excerpt)
	}
	if err == nil {
		q.Theme, q.ProposedBy, q.ProposedAt = theme, u.ID, s.now()
		err = s.Store.AddVoiceQuote(ctx, q)
	}
	target := "voice:response/" + responseID
	if q != nil {
		target = "voice:quote/" + q.ID
	}
	return q, s.record(ctx, u, "quote.propose", target, err, map[string]any{"response": responseID})
}

// CheckQuote approves or rejects a proposed quote (output checkers, not
// the proposer).
func (s *Service) CheckQuote(ctx context.Context, u *govern.User, id string, approve bool, note string) (*Quote, error) {
	action := "quote.reject"
	if approve {
		action = "quote.approve"
	}
	q, err := s.changeQuote(ctx, u, id, func(q *Quote) error {
		if q.State != QuoteProposed {
			return fault.Errorf(fault.Conflict, "quote %s is %s: only a proposed quote can be checked", q.ID, q.State)
		}
		if q.ProposedBy == u.ID {
			return fault.Errorf(fault.Forbidden, "you proposed quote %s: another output checker must check it", q.ID)
		}
		q.State, q.CheckedBy, q.CheckedAt, q.Note = QuoteRejected, u.ID, s.now(), strings.TrimSpace(note)
		if approve {
			q.State = QuoteApproved
		}
		return nil
	})
	return q, s.record(ctx, u, action, "voice:quote/"+id, err, nil)
}

// ReleaseQuote releases an approved quote (output checkers): it is fixed
// by its digest and never changes again.
func (s *Service) ReleaseQuote(ctx context.Context, u *govern.User, id string) (*Quote, error) {
	q, err := s.changeQuote(ctx, u, id, func(q *Quote) error {
		if q.State != QuoteApproved {
			return fault.Errorf(fault.Conflict, "quote %s is %s: only an approved quote can be released", q.ID, q.State)
		}
		q.State, q.ReleasedAt = QuoteReleased, s.now()
		q.Digest = q.ComputeDigest()
		return nil
	})
	det := map[string]any{}
	if q != nil {
		det["digest"] = q.Digest
	}
	return q, s.record(ctx, u, "quote.release", "voice:quote/"+id, err, det)
}

func (s *Service) changeQuote(ctx context.Context, u *govern.User, id string, change func(*Quote) error) (*Quote, error) {
	if err := need(u, "check quotes", govern.OutputChecker); err != nil {
		return nil, err
	}
	q, err := s.Store.VoiceQuote(ctx, id)
	if err != nil {
		return nil, err
	}
	if q.State == QuoteReleased {
		return nil, fault.Errorf(fault.Conflict, "quote %s is released and cannot change", id)
	}
	if err := change(q); err != nil {
		return nil, err
	}
	return q, s.Store.UpdateVoiceQuote(ctx, q)
}

// Quotes returns a programme's quotes: every state for analysts and
// output checkers, the released ones for everyone else.
func (s *Service) Quotes(ctx context.Context, u *govern.User, programmeID string) ([]*Quote, error) {
	var out []*Quote
	err := need(u, "read quotes")
	if err == nil {
		out, err = s.Store.VoiceQuotes(ctx, programmeID)
	}
	if err == nil && !u.HasAny(govern.Analyst, govern.OutputChecker) {
		out = slices.DeleteFunc(out, func(q *Quote) bool { return q.State != QuoteReleased })
	}
	return out, s.record(ctx, u, "quotes", "voice:"+programmeID, err, map[string]any{"quotes": len(out)})
}

// AddAction records a "you said, we did" action against a codebook theme
// (partner admins and analysts).
func (s *Service) AddAction(ctx context.Context, u *govern.User, a *Action) error {
	err := need(u, "record a you-said-we-did action", govern.PartnerAdmin, govern.Analyst)
	var p *Programme
	if err == nil {
		p, err = s.Store.VoiceProgramme(ctx, a.ProgrammeID)
	}
	if err == nil {
		switch {
		case !slices.ContainsFunc(p.Codebook, func(t Theme) bool { return t.ID == a.ThemeID }):
			err = fault.FieldErrorf(fault.Invalid, "theme", "theme %q is not in programme %s's codebook", clip(a.ThemeID), p.ID)
		case strings.TrimSpace(a.Title) == "":
			err = fault.FieldErrorf(fault.Invalid, "title", "say in a line what was done")
		case a.Link != "" && !strings.HasPrefix(a.Link, "/"):
			err = fault.FieldErrorf(fault.Invalid, "link", "the link must be a page of this platform, starting with /")
		}
	}
	if err == nil {
		a.ID, a.By, a.At = "a"+NewResponseID()[1:], u.ID, s.now()
		err = s.Store.AddVoiceAction(ctx, a)
	}
	return s.record(ctx, u, "action.add", "voice:"+a.ProgrammeID+"/"+a.ThemeID, err, map[string]any{"project": a.Project})
}

// Actions returns a programme's "you said, we did" actions (any signed-in
// user).
func (s *Service) Actions(ctx context.Context, u *govern.User, programmeID string) ([]*Action, error) {
	var out []*Action
	err := need(u, "read actions")
	if err == nil {
		out, err = s.Store.VoiceActions(ctx, programmeID)
	}
	return out, s.record(ctx, u, "actions", "voice:"+programmeID, err, nil)
}
