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
// end) by actor, saves it and records it.
func (s *Service) ChangeAgreement(ctx context.Context, actor *User, id, action, note string) (*Agreement, error) {
	a, err := s.Store.Agreement(ctx, id)
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
		err = a.Approve(actor, st.Owners, now)
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
	e := event(actor, "agreement."+action, a.ID, a.History[len(a.History)-1])
	e.Purpose, e.Agreement = a.Purpose, a.ID
	return a, s.record(ctx, e)
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
