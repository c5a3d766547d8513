package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/demo"
)

func (m *Main) demoCmd() *cobra.Command {
	var noServe bool
	var addr string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build a demonstration county and run the whole flow on it",
		Long: `Build a fresh demonstration store (civiclink-demo.duckdb unless --data is given)
with the partnership's partners and real public data (DfT road casualties,
police street crime), run the flow, and print the catalogue and quality
reports. The demo only ever replaces a store that an earlier demo made.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			path := m.DataPath
			if f := cmd.Flag("data"); f == nil || !f.Changed {
				path = "civiclink-demo.duckdb"
			}
			fmt.Fprintf(m.Stdout, "civiclink demo: building %s\n", path)
			st, err := demo.FreshStore(ctx, path)
			if err != nil {
				return err
			}
			st.Clock = m.Clock
			m.closers = append(m.closers, st)
			fmt.Fprintln(m.Stdout, "\n1. partners and real public datasets")
			if err := demo.LoadRealData(ctx, st, demo.Options{Path: path, User: m.User, Log: m.Stdout}); err != nil {
				return err
			}
			fmt.Fprintln(m.Stdout, "\n2. the catalogue")
			ds, err := st.Datasets(ctx)
			if err != nil {
				return err
			}
			for _, d := range ds {
				vs, err := st.Versions(ctx, d.ID)
				if err != nil {
					return err
				}
				fmt.Fprintln(m.Stdout)
				printDataset(m.Stdout, d, vs)
			}
			fmt.Fprintf(m.Stdout, "\ndone: the demo store is %s (try `civiclink --data %s dataset list`)\n", path, path)
			return nil
		},
	}
	cmd.Flags().BoolVar(&noServe, "no-serve", false, "run the flow and exit without serving the web app (for scripts and CI)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "where to serve the web app")
	return cmd
}
