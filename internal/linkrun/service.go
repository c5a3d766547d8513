package linkrun

import (
	"context"
	"fmt"
	"slices"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
)

// Service is the linkage room's API for the CLI and the web app: it runs
// linkage (full or incremental), lists runs, and keeps the clerical
// review of a run's borderline pairs. Every method that reads partner
// data asks Gov first; every action is recorded through Audit.
type Service struct {
	Store Store
	Gov   govern.Authorizer
	// Audit records runs and review decisions (govern's own access events
	// are recorded by Gov).
	Audit govern.Recorder
}

// Run links req.Datasets for u, fully or (with req.Incremental or
// req.From) incrementally, stores the run and records it in the audit
// log.
func (s *Service) Run(ctx context.Context, u *govern.User, req Request, opt link.Options) (*Result, error) {
	res, err := Run(ctx, s.Store, s.Gov, u, req, opt)
	if err != nil {
		return nil, err
	}
	details := map[string]any{"records": res.Records, "entities": res.Entities, "threshold": res.Link.Threshold, "mode": res.Run.Mode, "parent": res.Run.ParentID, "labels": res.Labels}
	if res.Incremental != nil {
		details["incremental"] = res.Incremental
	}
	e := s.event(ctx, u, "link", fmt.Sprintf("linkage-run:%d", res.Run.ID), req.Purpose, res.Run.Datasets, details)
	if err := s.record(ctx, e); err != nil {
		return nil, err
	}
	return res, nil
}

// Runs returns the runs u may see, newest first: who made them, when,
// over which dataset versions, for which purpose. A run is a draft, seen
// by its creator, linkage stewards and the data owners of its datasets
// (who approve it), until it is adopted; then everyone
// signed in sees it. It reads no partner data.
func (s *Service) Runs(ctx context.Context, u *govern.User) ([]*LinkageRun, error) {
	if u == nil || u.Disabled {
		return nil, fault.Errorf(fault.Forbidden, "sign in to see linkage runs")
	}
	runs, err := s.Store.LinkageRuns(ctx)
	if err != nil || u.Has(govern.LinkageSteward) {
		return runs, err
	}
	hist, err := s.Store.Adoptions(ctx)
	if err != nil {
		return nil, err
	}
	adopted := map[int64]bool{}
	for _, a := range hist {
		adopted[a.RunID] = true
	}
	return slices.DeleteFunc(runs, func(r *LinkageRun) bool {
		if adopted[r.ID] || r.CreatedBy == u.ID {
			return false
		}
		if u.Has(govern.DataOwner) {
			parts, err := s.partnersOf(ctx, r)
			return err != nil || !ownsPart(u, parts)
		}
		return true
	}), nil
}

func (s *Service) event(ctx context.Context, u *govern.User, action, target, purpose string, versions []LinkedVersion, details any) govern.Event {
	e := govern.Event{User: u.ID, Partner: u.PartnerID, Action: action, Target: target, Purpose: purpose, Outcome: govern.OutcomeAllowed, Details: details}
	for _, v := range versions {
		ref := govern.DatasetRef{ID: fmt.Sprintf("%s@%d", v.DatasetID, v.Version)}
		if d, err := s.Store.Dataset(ctx, v.DatasetID); err == nil {
			ref.Owner = d.PartnerID
		}
		e.Datasets = append(e.Datasets, ref)
	}
	return e
}

func (s *Service) record(ctx context.Context, e govern.Event) error {
	if s.Audit == nil {
		return fault.Errorf(fault.Internal, "the linkage service has no audit log to record %s in; refusing to act", e.Action)
	}
	if err := s.Audit.Record(ctx, e); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot record %s in the audit log", e.Action)
	}
	return nil
}
