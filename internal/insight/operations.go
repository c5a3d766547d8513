package insight

import (
	"context"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/linkrun"
)

func init() { RegisterOperations(govern.DefaultGate) }

// RegisterOperations adds insight's read operations to the gate, so that
// the gate test walks them: each must be refused without an agreement and
// allowed under one.
func RegisterOperations(g *govern.Gate) {
	g.Register(govern.Operation{
		Name:        OpAggregate,
		Description: "ad-hoc aggregate over one dataset, disclosure-controlled",
		Output:      govern.Aggregate,
		Probe:       probeAggregate,
	})
	g.Register(govern.Operation{
		Name:        OpCohort,
		Description: "people in a cohort across linked datasets, counted by district and period, disclosure-controlled",
		Output:      govern.Aggregate,
		Probe:       probeCohort,
	})
	g.Register(govern.Operation{
		Name:        OpSafeguarding,
		Description: "a cohort's members returned to the caller's own partner as its own record ids, for safeguarding",
		Output:      govern.RecordLevel,
		Probe:       probeSafeguarding,
	})
}

// probeSafeguarding asks for the safeguarding list of a cohort of everyone
// in the probe's dataset.
func probeSafeguarding(ctx context.Context, az govern.Authorizer, p govern.Probe) error {
	return probeWithCohort(ctx, az, p, func(e *Engine, q CohortQuery) error {
		_, err := e.SafeguardingList(ctx, p.User, q)
		return err
	})
}

// probeCohort counts a cohort of everyone in the probe's dataset.
func probeCohort(ctx context.Context, az govern.Authorizer, p govern.Probe) error {
	return probeWithCohort(ctx, az, p, func(e *Engine, q CohortQuery) error {
		res, err := e.CohortTable(ctx, p.User, q)
		if err == nil && len(res.Cells) == 0 {
			err = fault.Errorf(fault.Internal, "probe cohort returned no cells")
		}
		return err
	})
}

// probeStore is what the cohort probes need of the fixture's store: the
// engine's [Source], the dataset's record ids, and a linkage run to save.
type probeStore interface {
	Source
	IdentifierRows(ctx context.Context, v *catalog.Version, idColumn string, columns []string) ([][]string, error)
	WriteLinkageRun(ctx context.Context, run *linkrun.LinkageRun, w linkrun.LinkageWrite) error
}

// probeWithCohort links the probe's dataset with itself (one entity per
// record) and runs fn on a cohort of everyone in it.
func probeWithCohort(ctx context.Context, az govern.Authorizer, p govern.Probe, fn func(*Engine, CohortQuery) error) error {
	st, ok := p.Store.(probeStore)
	if !ok {
		return fault.Errorf(fault.Internal, "probe store cannot save a linkage run")
	}
	gov, ok := az.(Governor)
	if !ok {
		gov = authorizeOnly{az}
	}
	v, err := st.Version(ctx, p.Dataset, 0)
	if err != nil {
		return err
	}
	rows, err := st.IdentifierRows(ctx, v, "record_id", nil)
	if err != nil {
		return err
	}
	var ents []linkrun.EntityRow
	for _, r := range rows {
		ents = append(ents, linkrun.EntityRow{DatasetID: p.Dataset, RecordID: r[0], EntityID: r[0]})
	}
	run := &linkrun.LinkageRun{Datasets: []linkrun.LinkedVersion{{DatasetID: p.Dataset, Version: v.Number}}, CreatedBy: "probe"}
	if err := st.WriteLinkageRun(ctx, run, linkrun.LinkageWrite{Entities: ents}); err != nil {
		return err
	}
	e := &Engine{Store: st, Gov: gov}
	c := &Cohort{Name: "probe", Events: map[string]EventSource{"any": {Dataset: p.Dataset}}, Rule: Rule{AtLeast: 1, Of: []string{"any"}}}
	return fn(e, CohortQuery{Cohort: c, Run: run.ID, Purpose: p.Purpose, By: []string{"year"}})
}

func probeAggregate(ctx context.Context, az govern.Authorizer, p govern.Probe) error {
	st, ok := p.Store.(Source)
	if !ok {
		return fault.Errorf(fault.Internal, "probe store is not an insight source")
	}
	gov, ok := az.(Governor)
	if !ok {
		gov = authorizeOnly{az}
	}
	d, err := st.Dataset(ctx, p.Dataset)
	if err != nil {
		return err
	}
	by := ""
	for _, c := range d.Schema.Columns {
		if c.Type == catalog.TypeCategory {
			by = c.Name
			break
		}
	}
	e := &Engine{Store: st, Gov: gov}
	res, err := e.Aggregate(ctx, p.User, AggregateQuery{Dataset: p.Dataset, Purpose: p.Purpose, By: []string{by}})
	if err != nil {
		return err
	}
	if len(res.Cells) == 0 {
		return fault.Errorf(fault.Internal, "probe aggregate returned no cells")
	}
	return nil
}

// authorizeOnly is a Governor over an Authorizer that knows no opt-outs.
type authorizeOnly struct{ govern.Authorizer }

func (authorizeOnly) Excluded(context.Context, string, string) (map[string]bool, error) {
	return nil, nil
}
