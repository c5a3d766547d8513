package main

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/store"
)

// insightEngine is the insight engine over this invocation's store, asking
// governance before every read, charging the store's privacy-budget ledger,
// and the user it acts for.
func (m *Main) insightEngine(cmd *cobra.Command) (*insight.Engine, *govern.User, error) {
	svc, st, err := m.governService(cmd.Context())
	if err != nil {
		return nil, nil, err
	}
	u, err := m.actor(cmd, svc)
	if err != nil {
		return nil, nil, err
	}
	county, err := geo.Load()
	if err != nil {
		return nil, nil, err
	}
	e, err := m.engine(cmd.Context(), st, svc, county)
	if err != nil {
		return nil, nil, err
	}
	return e, u, nil
}

// engine wires an insight engine over st: governance, the geography, the
// budget ledger, the differencing auditor, the perturbation table
// (--ptable) and the store's keys for linked people.
func (m *Main) engine(ctx context.Context, st *store.Store, gov insight.Governor, county *geo.County) (*insight.Engine, error) {
	auditor, err := st.Auditor(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := st.UnitKeys(ctx)
	if err != nil {
		return nil, err
	}
	e := &insight.Engine{Store: st, Gov: gov, Geo: county, Ledger: st, Auditor: auditor, UnitKeys: keys}
	if m.PTablePath != "" {
		if e.PTable, err = disclose.LoadPTable(m.PTablePath); err != nil {
			return nil, err
		}
	}
	if v, _ := st.Meta(ctx, demo.PopulationScaleKey); v != "" {
		e.PopulationScale, _ = strconv.ParseFloat(v, 64)
	}
	return e, nil
}
