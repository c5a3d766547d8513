package govern

import (
	"context"

	"github.com/civiclink/civiclink/internal/fault"
)

// CreateAgreement checks a against the register and catalogue and stores it
// as a draft proposed by actor.
func (s *Service) CreateAgreement(ctx context.Context, actor *User, a *Agreement) error {
	if a.Threshold == 0 {
		a.Threshold = DefaultThreshold
	}
	if err := a.Validate(); err != nil {
		return err
	}
	reg, err := s.register(ctx)
	if err != nil {
		return err
	}
	ds, err := s.datasets(ctx)
	if err != nil {
		return err
	}
	if err := a.CheckCatalog(reg, ds); err != nil {
		return err
	}
	if err := a.Create(actor, s.Clock.Now()); err != nil {
		return s.refuse(ctx, actor, "agreement.create", a.ID, err)
	}
	if err := s.Store.CreateAgreement(ctx, a); err != nil {
		return err
	}
	e := event(actor, "agreement.create", a.ID, a)
	e.Purpose, e.Agreement = a.Purpose, a.ID
	return s.record(ctx, e)
}

// Agreement actions for [Service.ChangeAgreement].
const (
	ActionApprove  = "approve"
	ActionActivate = "activate"
	ActionSuspend  = "suspend"
	ActionEnd      = "end"
)

// ChangeAgreement applies a lifecycle action (approve, activate, suspend,
// end) by actor with an optional note (see [CheckNote]), saves it and
// records it. An agreement actor may not see (see [CanSeeAgreement]) is
// reported as not found, and the refusal recorded with its reason.
func (s *Service) ChangeAgreement(ctx context.Context, actor *User, id, action, note string) (*Agreement, error) {
	a, err := s.visibleAgreement(ctx, actor, "agreement."+action, id)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	switch action {
	case ActionApprove:
		st, serr := s.State(ctx)
		if serr != nil {
			return nil, serr
		}
		err = a.Approve(actor, st.Owners, now, note)
	case ActionActivate:
		err = a.Activate(actor, now, note)
	case ActionSuspend:
		err = a.Suspend(actor, now, note)
	case ActionEnd:
		err = a.Terminate(actor, now, note)
	default:
		err = fault.Errorf(fault.Invalid, "unknown agreement action %q: use approve, activate, suspend or end", action)
	}
	if err != nil {
		return nil, s.refuse(ctx, actor, "agreement."+action, id, err)
	}
	if err := s.Store.SaveAgreement(ctx, a); err != nil {
		return nil, err
	}
	var details any = a.History[len(a.History)-1]
	if action == ActionApprove {
		details = approvalDetail{Transition: a.History[len(a.History)-1], Approval: a.Approvals[len(a.Approvals)-1]}
	}
	e := event(actor, "agreement."+action, a.ID, details)
	e.Purpose, e.Agreement = a.Purpose, a.ID
	return a, s.record(ctx, e)
}

// approvalDetail is what the audit log keeps of an approval: the history
// entry and the approval itself, with the approver's note.
type approvalDetail struct {
	Transition
	Approval Approval `json:"approval"`
}

// Agreements returns every agreement with its status as of now.
func (s *Service) Agreements(ctx context.Context) ([]*Agreement, error) {
	as, err := s.Store.Agreements(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	for _, a := range as {
		a.Status = a.StatusAt(now)
	}
	return as, nil
}

// ListAgreements returns the agreements actor may see (see
// [CanSeeAgreement]) with their status as of now, and records the listing
// as "agreement.list".
func (s *Service) ListAgreements(ctx context.Context, actor *User) ([]*Agreement, error) {
	all, err := s.Agreements(ctx)
	if err != nil {
		return nil, err
	}
	out := []*Agreement{}
	ids := []string{}
	for _, a := range all {
		if CanSeeAgreement(actor, a) == nil {
			out = append(out, a)
			ids = append(ids, a.ID)
		}
	}
	e := event(actor, "agreement.list", "agreements", map[string]any{"agreements": ids})
	return out, s.record(ctx, e)
}

// ViewAgreement returns agreement id with its approvals, history and status
// as of now, if actor may see it, and records the view as "agreement.view".
// A missing agreement and one actor may not see are both reported as not
// found (so ids do not leak), and recorded as denied with the real reason.
func (s *Service) ViewAgreement(ctx context.Context, actor *User, id string) (*Agreement, error) {
	a, err := s.visibleAgreement(ctx, actor, "agreement.view", id)
	if err != nil {
		return nil, err
	}
	a.Status = a.StatusAt(s.Clock.Now())
	e := event(actor, "agreement.view", a.ID, nil)
	e.Purpose, e.Agreement = a.Purpose, a.ID
	return a, s.record(ctx, e)
}

// visibleAgreement loads agreement id for action by actor. When it does not
// exist or actor may not see it, it records action as denied with the
// reason and returns a NotFound error that says who may see an agreement.
func (s *Service) visibleAgreement(ctx context.Context, actor *User, action, id string) (*Agreement, error) {
	a, err := s.Store.Agreement(ctx, id)
	if err == nil {
		err = CanSeeAgreement(actor, a)
	}
	switch fault.Code(err) {
	case "":
		return a, nil
	case fault.NotFound, fault.Forbidden:
		e := denied("anonymous", action, id, fault.Message(err))
		if actor != nil {
			e.User, e.Partner = actor.ID, actor.PartnerID
		}
		if rerr := s.record(ctx, e); rerr != nil {
			return nil, rerr
		}
		return nil, fault.Errorf(fault.NotFound, "no agreement %q that you may see: an agreement is shown only to users of its parties and to auditors (see `civiclink agreement list` or /agreements)", id)
	}
	return nil, err
}
