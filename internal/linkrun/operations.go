package linkrun

import (
	"context"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/store"
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
}

func probeRun(ctx context.Context, az govern.Authorizer, p govern.Probe) error {
	st, ok := p.Store.(*store.Store)
	if !ok {
		return fault.Errorf(fault.Internal, "probe store is not the DuckDB store")
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
