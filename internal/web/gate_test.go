package web

import (
	"context"
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/govern/governtest"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// TestGate proves the web app's read operations ask govern: denied without
// an agreement, allowed with one.
func TestGate(t *testing.T) {
	governtest.CheckOperations(t, Operations(), map[string]governtest.ProbeFunc{OpLinkQuality: probeLinkQuality})
}

// probeLinkQuality is the gate test's probe of [OpLinkQuality]: it stores
// a run over the fixture dataset (setting up, not reading) and reads its
// quality as the probe's user.
func probeLinkQuality(ctx context.Context, az govern.Authorizer, p governtest.Probe) error {
	st := p.Store
	v, err := st.Version(ctx, p.Dataset, 0)
	if err != nil {
		return err
	}
	run := &linkrun.LinkageRun{CreatedBy: "gate-probe", Datasets: []linkrun.LinkedVersion{{DatasetID: p.Dataset, Version: v.Number}},
		Params: []byte(`{"threshold": 0.9}`), Quality: []byte(`{"records": 0, "entities": 0}`)}
	if err := st.WriteLinkageRun(ctx, run, linkrun.LinkageWrite{}); err != nil {
		return err
	}
	_, err = (&linker{st: st, az: az}).quality(ctx, p.User, run, p.Purpose)
	return err
}
