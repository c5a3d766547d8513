package linkrun_test

import (
	"context"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	gt "github.com/civiclink/civiclink/internal/govern/governtest"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// TestOperationsWalked walks linkage's read operations with their probes:
// each is refused without an agreement and allowed under one.
func TestOperationsWalked(t *testing.T) {
	gt.CheckOperations(t, linkrun.Operations(), map[string]gt.ProbeFunc{linkrun.OpRun: probeRun, linkrun.OpReview: probeReview})
}

// probeReview stores a run over the probe's dataset with one review pair
// and lists it as the probe's user.
func probeReview(ctx context.Context, az govern.Authorizer, p gt.Probe) error {
	st := p.Store
	v, err := st.Version(ctx, p.Dataset, 0)
	if err != nil {
		return err
	}
	run := &linkrun.LinkageRun{CreatedBy: "probe", Purpose: p.Purpose, Datasets: []linkrun.LinkedVersion{{DatasetID: p.Dataset, Version: v.Number}}}
	review := []linkrun.ReviewRow{{Pair: 1, DatasetL: p.Dataset, RecordL: "a", DatasetR: p.Dataset, RecordR: "b", Probability: 0.5, Fields: []linkrun.ReviewField{{Comparison: "c", Level: "exact"}}}}
	if err := st.WriteLinkageRun(ctx, run, linkrun.LinkageWrite{Review: review}); err != nil {
		return err
	}
	s := &linkrun.Service{Store: st, Gov: az, Audit: govern.RecorderFunc(func(context.Context, govern.Event) error { return nil })}
	list, err := s.Review(ctx, p.User, run.ID, 0)
	if err != nil {
		return err
	}
	if len(list.Pairs) != 1 {
		return fault.Errorf(fault.Internal, "probe review listed %d pairs, want 1", len(list.Pairs))
	}
	return nil
}

func probeRun(ctx context.Context, az govern.Authorizer, p gt.Probe) error {
	st := p.Store
	res, err := linkrun.Run(ctx, st, az, p.User, linkrun.Request{Datasets: []string{p.Dataset}, Purpose: p.Purpose}, link.Options{Workers: 1})
	if err != nil {
		return err
	}
	if res.Records == 0 {
		return fault.Errorf(fault.Internal, "probe linkage read no records")
	}
	return nil
}
