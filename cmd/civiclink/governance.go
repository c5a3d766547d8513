package main

import (
	"strconv"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
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
	auditor, err := st.Auditor(cmd.Context())
	if err != nil {
		return nil, nil, err
	}
	e := &insight.Engine{Store: st, Gov: svc, Geo: county, Ledger: st, Auditor: auditor}
	if v, _ := st.Meta(cmd.Context(), demo.PopulationScaleKey); v != "" {
		e.PopulationScale, _ = strconv.ParseFloat(v, 64)
	}
	return e, u, nil
}
