package govern

import (
	"context"
	"slices"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

// Register returns the purpose register: the standard purposes and those
// added to the store.
func (s *Service) Register(ctx context.Context) (Purposes, error) { return s.register(ctx) }

// AddPurpose adds a purpose to the register; actor must be a data owner or
// partner admin.
func (s *Service) AddPurpose(ctx context.Context, actor *User, p *Purpose) error {
	if !actor.HasAny(DataOwner, PartnerAdmin) {
		return fault.Errorf(fault.Forbidden, "user %q cannot add purposes: it needs the data-owner or partner-admin role", actor.ID)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if slices.ContainsFunc(StandardPurposes, func(sp Purpose) bool { return sp.ID == p.ID }) {
		return fault.Errorf(fault.Conflict, "purpose %q is already in the register", p.ID)
	}
	p.CreatedBy, p.CreatedAt = actor.ID, s.Clock.Now()
	if err := s.Store.CreatePurpose(ctx, p); err != nil {
		return err
	}
	return s.record(ctx, event(actor, "purpose.add", p.ID, p))
}

// AddOptOuts stores per-record opt-out markers on a dataset; actor must be a
// data owner of the partner owning it. It returns how many were new.
func (s *Service) AddOptOuts(ctx context.Context, actor *User, o *OptOuts) (int, error) {
	reg, err := s.register(ctx)
	if err != nil {
		return 0, err
	}
	if err := o.Validate(reg); err != nil {
		return 0, err
	}
	if err := s.canOwn(ctx, actor, o.Dataset, "set opt-outs on"); err != nil {
		return 0, s.refuse(ctx, actor, "optout.add", o.Dataset, err, o.Dataset)
	}
	n, err := s.Store.AddOptOuts(ctx, o, actor.ID, s.Clock.Now())
	if err != nil {
		return 0, err
	}
	detail := map[string]any{"purposes": o.Purposes, "records": len(o.Records), "new": n, "source": o.Source}
	return n, s.record(ctx, s.touching(ctx, event(actor, "optout.add", o.Dataset, detail), o.Dataset))
}

// Excluded returns the record ids of a dataset that readers must leave out
// for purpose, as a set.
func (s *Service) Excluded(ctx context.Context, datasetID, purpose string) (map[string]bool, error) {
	if snap, ok, err := s.snapshot(ctx); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return snap.excluded(ctx, s.Store, datasetID, purpose)
	}
	ids, err := s.Store.OptedOut(ctx, datasetID, purpose)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, nil
}

// canOwn checks actor is a data owner of the partner owning dataset.
func (s *Service) canOwn(ctx context.Context, actor *User, dataset, what string) error {
	ds, err := s.datasets(ctx)
	if err != nil {
		return err
	}
	d, ok := ds[dataset]
	if !ok {
		return fault.Errorf(fault.NotFound, "no dataset %q (see `civiclink dataset list`)", dataset)
	}
	if !actor.Has(DataOwner) || actor.PartnerID != d.PartnerID {
		return fault.Errorf(fault.Forbidden, "user %q cannot %s dataset %q: only a data owner of %q can", actor.ID, what, dataset, d.PartnerID)
	}
	return nil
}

// PurgePlan lists the dataset versions past their retention now.
func (s *Service) PurgePlan(ctx context.Context) ([]Purge, error) {
	ds, err := s.Store.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	var vs []*catalog.Version
	for _, d := range ds {
		v, err := s.Store.Versions(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v...)
	}
	as, err := s.Store.Agreements(ctx)
	if err != nil {
		return nil, err
	}
	return PurgeDue(vs, as, s.Clock.Now()), nil
}

// Purge drops the listed versions, each recorded in the audit log; actor
// must be a data owner of every dataset's partner, checked before anything
// is dropped. It returns how many it purged.
func (s *Service) Purge(ctx context.Context, actor *User, plan []Purge) (int, error) {
	for _, p := range plan {
		if err := s.canOwn(ctx, actor, p.Version.DatasetID, "purge"); err != nil {
			return 0, s.refuse(ctx, actor, "retention.purge", p.Version.DatasetID, err, p.Version.DatasetID)
		}
	}
	for i, p := range plan {
		if err := s.Store.PurgeVersion(ctx, p.Version, actor.ID, s.Clock.Now()); err != nil {
			return i, err
		}
		detail := map[string]any{"version": p.Version.Number, "rows": p.Version.Rows, "sha256": p.Version.SHA256,
			"loaded_at": p.Version.LoadedAt, "retain_until": p.RetainUntil}
		e := s.touching(ctx, event(actor, "retention.purge", p.Version.DatasetID, detail), p.Version.DatasetID)
		e.Agreement = p.Agreement
		if err := s.record(ctx, e); err != nil {
			return i + 1, err
		}
		if s.Pending != nil {
			if err := s.Pending.MarkPurgeAudited(ctx, p.Version.ID); err != nil {
				return i + 1, err
			}
		}
	}
	return len(plan), nil
}

// PlanFor keeps the items of plan whose dataset partner owns.
func PlanFor(plan []Purge, owners Owners, partner string) []Purge {
	var out []Purge
	for _, p := range plan {
		if owners[p.Version.DatasetID] == partner {
			out = append(out, p)
		}
	}
	return out
}
