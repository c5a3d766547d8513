package insight_test

import (
	"context"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	gt "github.com/civiclink/civiclink/internal/govern/governtest"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// TestOperationsGoThroughGovernance walks insight's read operations with
// their probes: each is refused without an agreement and allowed under one.
func TestOperationsGoThroughGovernance(t *testing.T) {
	gt.CheckOperations(t, insight.Operations(), map[string]gt.ProbeFunc{
		insight.OpAggregate:    probeAggregate,
		insight.OpCohort:       probeCohort,
		insight.OpSafeguarding: probeSafeguarding,
	})
}

// probeSafeguarding asks for the safeguarding list of a cohort of everyone
// in the probe's dataset.
func probeSafeguarding(ctx context.Context, az govern.Authorizer, p gt.Probe) error {
	return probeWithCohort(ctx, az, p, func(e *insight.Engine, q insight.CohortQuery) error {
		_, err := e.SafeguardingList(ctx, p.User, q)
		return err
	})
}

// probeCohort counts a cohort of everyone in the probe's dataset.
func probeCohort(ctx context.Context, az govern.Authorizer, p gt.Probe) error {
	return probeWithCohort(ctx, az, p, func(e *insight.Engine, q insight.CohortQuery) error {
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
	insight.Source
	IdentifierRows(ctx context.Context, v *catalog.Version, idColumn string, columns []string, each func(row []string) error) error
	WriteLinkageRun(ctx context.Context, run *linkrun.LinkageRun, w linkrun.LinkageWrite) error
}

// probeWithCohort links the probe's dataset with itself (one entity per
// record) and runs fn on a cohort of everyone in it.
func probeWithCohort(ctx context.Context, az govern.Authorizer, p gt.Probe, fn func(*insight.Engine, insight.CohortQuery) error) error {
	st, ok := any(p.Store).(probeStore)
	if !ok {
		return fault.Errorf(fault.Internal, "probe store cannot save a linkage run")
	}
	gov, ok := az.(insight.Governor)
	if !ok {
		gov = authorizeOnly{az}
	}
	v, err := st.Version(ctx, p.Dataset, 0)
	if err != nil {
		return err
	}
	var ents []linkrun.EntityRow
	if err := st.IdentifierRows(ctx, v, "record_id", nil, func(r []string) error {
		ents = append(ents, linkrun.EntityRow{DatasetID: p.Dataset, RecordID: r[0], EntityID: r[0]})
		return nil
	}); err != nil {
		return err
	}
	run := &linkrun.LinkageRun{Datasets: []linkrun.LinkedVersion{{DatasetID: p.Dataset, Version: v.Number}}, CreatedBy: "probe"}
	if err := st.WriteLinkageRun(ctx, run, linkrun.LinkageWrite{Entities: ents}); err != nil {
		return err
	}
	e := &insight.Engine{Store: st, Gov: gov}
	c := &insight.Cohort{Name: "probe", Events: map[string]insight.EventSource{"any": {Dataset: p.Dataset}}, Rule: insight.Rule{AtLeast: 1, Of: []string{"any"}}}
	return fn(e, insight.CohortQuery{Cohort: c, Run: run.ID, Purpose: p.Purpose, By: []string{"year"}})
}

func probeAggregate(ctx context.Context, az govern.Authorizer, p gt.Probe) error {
	st, ok := any(p.Store).(insight.Source)
	if !ok {
		return fault.Errorf(fault.Internal, "probe store is not an insight source")
	}
	gov, ok := az.(insight.Governor)
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
	e := &insight.Engine{Store: st, Gov: gov}
	res, err := e.Aggregate(ctx, p.User, insight.AggregateQuery{Dataset: p.Dataset, Purpose: p.Purpose, By: []string{by}})
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
