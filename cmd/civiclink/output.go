package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/output"
	"github.com/civiclink/civiclink/internal/release"
)

func (m *Main) outputCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "output", Short: "Outputs leaving the platform: draft, check, release, export"}
	cmd.AddCommand(m.outputDraftCmd(), m.outputListCmd(), m.outputShowCmd(), m.outputCheckCmd(), m.outputReleaseCmd(), m.outputExportCmd())
	return cmd
}

// onOutput parses an output id and runs fn with the lifecycle service as
// the acting user.
func (m *Main) onOutput(cmd *cobra.Command, arg string, fn func(s *release.Service, u *govern.User, id int64) error) error {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil {
		return fault.Errorf(fault.Invalid, "%q is not an output id (see `civiclink output list`)", arg)
	}
	s, u, err := m.releaseService(cmd)
	if err != nil {
		return err
	}
	return fn(s, u, id)
}

func (m *Main) outputDraftCmd() *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "draft INDICATOR [--by district,quarter]",
		Short: "Compute an indicator and keep it as a draft output for checking",
		Args:  exactArgs(1, "an indicator name (see `query indicator --list`)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ind, err := insight.FindIndicator(args[0])
			if err != nil {
				return err
			}
			s, u, err := m.releaseService(cmd)
			if err != nil {
				return err
			}
			o, err := s.Draft(cmd.Context(), u, ind, splitList(by))
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "output %d: %s, version %d, draft: an output checker other than you must check it (civiclink output check %d)\n", o.ID, o.Series, o.Version, o.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&by, "by", "district", "district and/or year, quarter or month")
	return cmd
}

func (m *Main) outputListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List outputs and where they are",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := m.backend(cmd.Context())
			if err != nil {
				return err
			}
			os, err := st.Outputs(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tSERIES\tVERSION\tSTATUS\tBY\tCREATED BY\tCHECKED BY\tRELEASED BY")
			for _, o := range os {
				fmt.Fprintf(w, "%d\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.Series, o.Version, o.Status, strings.Join(o.By, ","), o.CreatedBy, o.CheckedBy, o.ReleasedBy)
			}
			return w.Flush()
		},
	}
}

func (m *Main) outputShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show an output's automatic disclosure findings (output checkers)",
		Args:  exactArgs(1, "an output id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.onOutput(cmd, args[0], func(s *release.Service, u *govern.User, id int64) error {
				o, err := s.Findings(cmd.Context(), u, id)
				if err != nil {
					return err
				}
				return m.printJSON(map[string]any{"output": o, "findings": o.Report})
			})
		},
	}
}

func (m *Main) outputCheckCmd() *cobra.Command {
	var reject bool
	var note string
	cmd := &cobra.Command{
		Use:   "check ID [--reject] --note TEXT",
		Short: "Approve (or reject) a draft output after reviewing its findings (output checkers)",
		Args:  exactArgs(1, "an output id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.onOutput(cmd, args[0], func(s *release.Service, u *govern.User, id int64) error {
				o, err := s.Check(cmd.Context(), u, id, !reject, note)
				if err == nil {
					fmt.Fprintf(m.Stdout, "output %d is %s\n", o.ID, o.Status)
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVar(&reject, "reject", false, "reject instead of approving")
	cmd.Flags().StringVar(&note, "note", "", "why")
	return cmd
}

func (m *Main) outputReleaseCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "release ID",
		Short: "Release a checked output (its author or an output checker); it is then immutable",
		Args:  exactArgs(1, "an output id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.onOutput(cmd, args[0], func(s *release.Service, u *govern.User, id int64) error {
				o, err := s.Release(cmd.Context(), u, id)
				if err == nil {
					fmt.Fprintf(m.Stdout, "output %d (%s version %d) is released\n", o.ID, o.Series, o.Version)
				}
				return err
			})
		},
	}
}

func (m *Main) outputExportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export ID [--format csv|json|geojson] [--out FILE]",
		Short: "Export a released output",
		Args:  exactArgs(1, "an output id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.onOutput(cmd, args[0], func(s *release.Service, u *govern.User, id int64) error {
				return m.exportOutput(cmd, s, u, id, format, out)
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "csv", "csv, json or geojson")
	cmd.Flags().StringVar(&out, "out", "", "write to this file instead of standard output")
	return cmd
}

func (m *Main) exportOutput(cmd *cobra.Command, s *release.Service, u *govern.User, id int64, format, out string) error {
	o, err := s.Exported(cmd.Context(), u, id, format)
	if err != nil {
		return err
	}
	var districts *geo.Boundaries
	if format == "geojson" {
		if districts, err = geo.LoadBoundaries(geo.LayerLAD); err != nil {
			return err
		}
	}
	w := m.Stdout
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return fault.Errorf(fault.Invalid, "cannot write %s: %v", out, err)
		}
		defer f.Close()
		w = f
	}
	return output.Write(w, o, format, districts)
}
