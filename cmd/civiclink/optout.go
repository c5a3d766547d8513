package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

func (m *Main) optoutCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "optout", Short: "Per-record opt-outs (e.g. the national data opt-out) that readers must exclude"}
	var o govern.OptOuts
	var file, purposes string
	add := &cobra.Command{
		Use:   "add --dataset D --file ids.csv --purposes P,P",
		Short: "Mark records of your partner's dataset as opted out of purposes ('*' for all)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := os.Open(file)
			if err != nil {
				return fault.Errorf(fault.Invalid, "cannot read opt-out file %q: %v", file, err)
			}
			defer f.Close()
			if o.Records, err = govern.ParseOptOutIDs(f); err != nil {
				return err
			}
			o.Purposes = splitList(purposes)
			if o.Source == "" {
				o.Source = filepath.Base(file)
			}
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				n, err := svc.AddOptOuts(cmd.Context(), actor, &o)
				if err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "%d records of %s opted out of %v: %d new markers\n", len(o.Records), o.Dataset, o.Purposes, n)
				return nil
			})
		},
	}
	add.Flags().StringVar(&o.Dataset, "dataset", "", "dataset id")
	add.Flags().StringVar(&file, "file", "", "CSV of record ids (first column; header optional)")
	add.Flags().StringVar(&purposes, "purposes", "", "comma-separated purpose ids, or '*' for every purpose")
	add.Flags().StringVar(&o.Source, "source", "", "where the opt-outs come from (default: the file name)")
	var dataset, purpose string
	count := &cobra.Command{
		Use:   "count --dataset D --purpose P",
		Short: "Count the records of a dataset excluded from a purpose",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return m.asActor(cmd, func(svc *govern.Service, _ *govern.User) error {
				ex, err := svc.Excluded(cmd.Context(), dataset, purpose)
				if err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "%d records of %s are excluded from %s\n", len(ex), dataset, purpose)
				return nil
			})
		},
	}
	count.Flags().StringVar(&dataset, "dataset", "", "dataset id")
	count.Flags().StringVar(&purpose, "purpose", "", "purpose id")
	cmd.AddCommand(add, count)
	throughServer(cmd, m.optoutRemotes())
	return cmd
}
