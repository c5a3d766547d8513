package ingest

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// Action is the audit action of every load, allowed, refused or failed.
const Action = audit.ActionIngest

// Authorizer decides whether a user may load into a dataset
// (*govern.Service).
type Authorizer interface {
	AuthorizeLoad(ctx context.Context, u *govern.User, d *catalog.Dataset) error
}

// Service is the one way a person's file becomes a dataset version, used by
// the CLI and the web alike: it asks governance whether the user may load
// into the dataset, loads the file with [Run], and records the refusal or the
// outcome in the audit log under [Action], so both ways in make the same
// check, the same audit entry and the same errors.
type Service struct {
	Catalog catalog.Store
	Gov     Authorizer
	Audit   govern.Recorder
	// Clock stamps audit events; the system clock when nil.
	Clock clock.Clock
	// Pending and Log, when set, have each load noted as awaiting its
	// audit entry in the version's own transaction, the note cleared once
	// the entry is recorded, and let [Service.RecoverAudit] finish the
	// entries a crash cut off.
	Pending PendingLoads
	Log     govern.EntryFinder
	// Users names the partner of a recovered entry's user.
	Users interface {
		User(ctx context.Context, id string) (*govern.User, error)
	}
}

// PendingLoads is the store's note of loads whose audit entry may be
// missing.
type PendingLoads interface {
	UnauditedVersions(ctx context.Context) ([]*catalog.Version, error)
	MarkVersionAudited(ctx context.Context, versionID int64) error
}

// Check returns the dataset if u may load into it. A refusal is recorded in
// the audit log and returned (fault.Forbidden); an unknown dataset is
// fault.NotFound and is not recorded.
func (s *Service) Check(ctx context.Context, u *govern.User, datasetID string) (*catalog.Dataset, error) {
	d, err := s.Catalog.Dataset(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	if err := s.Gov.AuthorizeLoad(ctx, u, d); err != nil {
		e := s.event(u, d, "dataset:"+d.ID, govern.OutcomeDenied)
		e.Reason = fault.Message(err)
		if rerr := s.record(ctx, e); rerr != nil {
			return nil, rerr
		}
		return nil, err
	}
	return d, nil
}

// Load checks u's access to req's dataset, loads req.Path as u (req.User is
// set to u's id), and records the outcome: one audit entry per load.
func (s *Service) Load(ctx context.Context, u *govern.User, req Request) (*Result, error) {
	d, err := s.Check(ctx, u, req.DatasetID)
	if err != nil {
		return nil, err
	}
	req.User = u.ID
	req.AuditPending = s.Pending != nil
	res, err := Run(ctx, s.Catalog, req)
	if err != nil {
		e := s.event(u, d, "dataset:"+d.ID, audit.Error)
		e.Reason = fault.Message(err)
		details := map[string]any{"file": filepath.Base(req.Path)}
		if res != nil && res.ErrorCount > 0 {
			details["row_errors"] = res.ErrorCount
		}
		e.Details = details
		if rerr := s.record(context.WithoutCancel(ctx), e); rerr != nil {
			return res, rerr
		}
		return res, err
	}
	v := res.Version
	e := s.event(u, d, fmt.Sprintf("dataset:%s@%d", v.DatasetID, v.Number), govern.OutcomeAllowed)
	e.Details = map[string]any{"file": v.Source, "version": v.Number, "rows": v.Rows, "rejected": v.Rejected,
		"sha256": v.SHA256, "duplicate": res.Duplicate}
	if err := s.record(context.WithoutCancel(ctx), e); err != nil {
		return res, err
	}
	if s.Pending != nil && !res.Duplicate {
		if err := s.Pending.MarkVersionAudited(context.WithoutCancel(ctx), v.ID); err != nil {
			return res, fault.Wrap(err, fault.Internal, "version %d of %s is loaded and on the audit log, but its note could not be cleared", v.Number, v.DatasetID)
		}
	}
	return res, nil
}

// RecoverAudit appends the audit entry of every load a crash left without
// one (the version committed, the process killed before its entry was
// recorded), and returns how many it appended.
func (s *Service) RecoverAudit(ctx context.Context) (int, error) {
	if s.Pending == nil || s.Log == nil {
		return 0, nil
	}
	vs, err := s.Pending.UnauditedVersions(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, v := range vs {
		target := fmt.Sprintf("dataset:%s@%d", v.DatasetID, v.Number)
		on, err := govern.OnLog(ctx, s.Log, audit.Filter{Action: Action, Dataset: v.DatasetID, Since: v.LoadedAt.Add(-time.Minute)},
			func(e audit.Event) bool { return e.Target == target && e.Outcome == govern.OutcomeAllowed })
		if err != nil {
			return n, err
		}
		if !on {
			d, err := s.Catalog.Dataset(ctx, v.DatasetID)
			if err != nil {
				return n, err
			}
			u := &govern.User{ID: v.LoadedBy}
			if s.Users != nil {
				if known, err := s.Users.User(ctx, v.LoadedBy); err == nil {
					u = known
				}
			}
			e := s.event(u, d, target, govern.OutcomeAllowed)
			e.Details = map[string]any{"file": v.Source, "version": v.Number, "rows": v.Rows, "rejected": v.Rejected,
				"sha256": v.SHA256, "loaded_at": v.LoadedAt, "recovered": govern.Recovered}
			if err := s.record(ctx, e); err != nil {
				return n, err
			}
			n++
		}
		if err := s.Pending.MarkVersionAudited(ctx, v.ID); err != nil {
			return n, err
		}
	}
	return n, nil
}

// event is an audit event of u's load into d.
func (s *Service) event(u *govern.User, d *catalog.Dataset, target, outcome string) govern.Event {
	return govern.Event{User: u.ID, Partner: u.PartnerID, Action: Action, Target: target, Outcome: outcome,
		Datasets: []govern.DatasetRef{{ID: d.ID, Owner: d.PartnerID}}}
}

// record stamps e and appends it to the audit log.
func (s *Service) record(ctx context.Context, e govern.Event) error {
	c := s.Clock
	if c == nil {
		c = clock.System{}
	}
	e.At = c.Now()
	if err := s.Audit.Record(ctx, e); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot record the load in the audit log")
	}
	return nil
}
