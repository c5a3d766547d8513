package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
)

func (m *Main) demoCmd() *cobra.Command {
	var noServe bool
	var addr, work string
	f := demo.Flow{People: 10000, Seed: 2026}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build a demonstration county, run the whole flow on it and serve the dashboard",
		Long: `Build a fresh demonstration store (civiclink-demo.duckdb unless --data is given):
the partnership's partners; real public data (DfT road casualties, police
street crime); a synthetic county whose agency records are pseudonymised at
each partner before they are shared; staff accounts and data-sharing
agreements; a linkage run across agencies measured against the synthetic
truth; multi-agency cohorts and indicators, every figure disclosure-
controlled; then the dashboard on --addr (--no-serve exits instead). The
demo only ever replaces a store that an earlier demo made.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if fl := cmd.Flag("data"); fl == nil || !fl.Changed {
				m.DataPath = "civiclink-demo.duckdb"
			}
			if f.People < 100 {
				return fault.Errorf(fault.Invalid, "--people must be at least 100")
			}
			fmt.Fprintf(m.Stdout, "civiclink demo: building %s\n\n", m.DataPath)
			st, err := demo.FreshStore(ctx, m.DataPath, store.Open)
			if err != nil {
				return err
			}
			st.Clock = m.Clock
			m.closers = append(m.closers, st)
			s, err := m.services(ctx)
			if err != nil {
				return err
			}
			if f.Insight, err = s.Insight(ctx); err != nil {
				return err
			}
			if f.Programme, err = s.Programme(ctx); err != nil {
				return err
			}
			if f.Community, err = s.Community(ctx); err != nil {
				return err
			}
			f.Voice = s.Voice
			log := s.Audit
			f.User, f.Clock, f.Log, f.Audit, f.Gov, f.Work = m.User, m.Clock, m.Stdout, log, s.Gov, work
			if _, err := f.Run(ctx, st); err != nil {
				return err
			}
			rep, err := log.Verify(ctx, audit.Options{})
			if err != nil {
				return err
			}
			if rep.Problem != nil {
				return fault.Errorf(fault.Internal, "the audit log does not verify: %v", rep.Problem)
			}
			fmt.Fprintf(m.Stdout, "\n10. the audit log: %d entries, every one verified against its signed tree head\n", rep.Size)
			fmt.Fprintf(m.Stdout, "\ndone: the demo store is %s; sign in as county.analyst (password %q)\n", m.DataPath, demo.Password)
			if noServe {
				return nil
			}
			return m.serve(ctx, st, addr)
		},
	}
	cmd.Flags().BoolVar(&noServe, "no-serve", false, "run the flow and exit without serving the web app (for scripts and CI)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "where to serve the web app")
	cmd.Flags().IntVar(&f.People, "people", f.People, "people in the synthetic county")
	cmd.Flags().Uint64Var(&f.Seed, "seed", f.Seed, "the synthetic county's seed")
	cmd.Flags().StringVar(&work, "work", "", "folder for the county's files (default: a temporary one)")
	return cmd
}
