package linkrun

import (
	"context"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
)

// RegisterOperations adds the linkage run to the gate, so the gate test
// walks it.
func RegisterOperations(g *govern.Gate) {
	g.Register(govern.Operation{
		Name:        OpRun,
		Description: "link datasets on their pseudonymous identifiers into entities",
		Output:      govern.Aggregate,
		Probe:       probeRun,
	})
	g.Register(govern.Operation{
		Name:        OpReview,
		Description: "list and decide a linkage run's borderline pairs (agreement levels and weights, never values)",
		Output:      govern.Aggregate,
		Probe:       probeReview,
	})
}

// probeReview stores a run over the probe's dataset with one review pair
// and lists it as the probe's user.
func probeReview(ctx context.Context, az govern.Authorizer, p govern.Probe) error {
	st, ok := p.Store.(Store)
	if !ok {
		return fault.Errorf(fault.Internal, "probe store keeps no linkage runs")
	}
	v, err := st.Version(ctx, p.Dataset, 0)
	if err != nil {
		return err
	}
	run := &LinkageRun{CreatedBy: "probe", Purpose: p.Purpose, Datasets: []LinkedVersion{{DatasetID: p.Dataset, Version: v.Number}}}
	review := []ReviewRow{{Pair: 1, DatasetL: p.Dataset, RecordL: "a", DatasetR: p.Dataset, RecordR: "b", Probability: 0.5, Fields: []ReviewField{{Comparison: "c", Level: "exact"}}}}
	if err := st.WriteLinkageRun(ctx, run, LinkageWrite{Review: review}); err != nil {
		return err
	}
	s := &Service{Store: st, Gov: az, Audit: govern.RecorderFunc(func(context.Context, govern.Event) error { return nil })}
	list, err := s.Review(ctx, p.User, run.ID, 0)
	if err != nil {
		return err
	}
	if len(list.Pairs) != 1 {
		return fault.Errorf(fault.Internal, "probe review listed %d pairs, want 1", len(list.Pairs))
	}
	return nil
}

func probeRun(ctx context.Context, az govern.Authorizer, p govern.Probe) error {
	st, ok := p.Store.(Store)
	if !ok {
		return fault.Errorf(fault.Internal, "probe store keeps no linkage runs")
	}
	res, err := Run(ctx, st, az, p.User, Request{Datasets: []string{p.Dataset}, Purpose: p.Purpose}, link.Options{Workers: 1})
	if err != nil {
		return err
	}
	if res.Records == 0 {
		return fault.Errorf(fault.Internal, "probe linkage read no records")
	}
	return nil
}
