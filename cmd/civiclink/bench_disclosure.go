package main

import (
	"net/http/httptest"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/bench"
	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
)

func (m *Main) benchDisclosureCmd() *cobra.Command {
	var noAPI bool
	c := &cobra.Command{
		Use:   "disclosure [--no-api]",
		Short: "Red team: every attack of the threat model (docs/disclosure.md) through the CLI and the JSON API against this store, scored against the true counts",
		Long: "Runs every attack of the threat model against the store's street crime, road casualties and (demo) police incidents: through `query aggregate` as a user runs it and, on a demo store, " +
			"through the JSON API of a server started in this process. Each line gives the cells attacked, those recovered exactly and whether the attacker could know which; " +
			"the 'before' lines run the same attack on suppression alone, as figures were published before the cell-key method. Exits 1 when an attack succeeds. " +
			"The queries are real releases: the store's release record grows.",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			e, u, err := m.insightEngine(cmd)
			if err != nil {
				return err
			}
			pt := e.PTable
			if pt == nil {
				pt = disclose.DefaultPTable()
			}
			r := redTeamRun{m: m, data: m.DataPath, e: e, u: u, pt: pt}
			_, b, err := m.governService(ctx)
			if err != nil {
				return err
			}
			st, err := m.currentStore(ctx)
			if err != nil {
				return err
			}
			if v, _ := b.Meta(ctx, demo.PopulationScaleKey); v != "" && !noAPI {
				srv, err := m.webServer(ctx, st)
				if err != nil {
					return err
				}
				ts := httptest.NewServer(srv)
				defer func() { ts.Close(); srv.Close() }()
				if r.client, err = bench.SignIn(ctx, ts.URL, u.ID, demo.Password); err != nil {
					return err
				}
				r.apiBase = ts.URL
				// The demo's output checker checks the outputs drafted to
				// be exported.
				r.checker = "county.checker"
			}
			pass, err := r.redTeam(ctx, m.Stdout)
			if err != nil {
				return err
			}
			if !pass {
				return fault.Errorf(fault.Disclosure, "an attack recovered withheld counts: see the lines marked FAIL")
			}
			return nil
		},
	}
	c.Flags().BoolVar(&noAPI, "no-api", false, "attack through the CLI only, not through the JSON API of an in-process server")
	return c
}
