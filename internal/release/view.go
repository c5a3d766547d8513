package release

import (
	"context"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/output"
)

// List returns every output's lifecycle record, as the store orders them
// (newest first), without its
// table or findings: what exists and where it is, like the catalogue, for
// every member of the partnership.
func (s *Service) List(ctx context.Context) ([]*output.Output, error) {
	os, err := s.Store.Outputs(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*output.Output, 0, len(os))
	for _, o := range os {
		cp := *o
		cp.Table, cp.Report, cp.Document = nil, nil, nil
		out = append(out, &cp)
	}
	return out, nil
}

// View returns an output with its figures for u to look at, and records the
// view. An output checker allowed (by governance) to check its datasets
// sees the figures and the automatic findings at any stage; its author
// sees the figures of their own draft without findings; everyone sees a
// released output's figures. Anyone else is refused, with the reason.
func (s *Service) View(ctx context.Context, u *govern.User, id int64) (*output.Output, error) {
	o, err := s.Store.Output(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case u.Has(govern.OutputChecker) && o.Status != output.Released:
		if err := s.authorizeCheck(ctx, u, o); err != nil {
			return nil, err
		}
	case o.Status == output.Released || o.CreatedBy == u.ID:
		o.Report = nil
	default:
		return nil, s.refuse(ctx, u, "output.view", o, fault.Errorf(fault.Forbidden,
			"output %d is %s: until it is released only its author and output checkers can see its figures", o.ID, o.Status))
	}
	return o, s.record(ctx, u, "output.view", o, "")
}
