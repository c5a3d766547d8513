package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/bench"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
)

func (m *Main) benchCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "bench", Short: "Measure civiclink against a reference run in the same process"}
	cmd.AddCommand(m.benchIngestCmd(), m.benchIndicatorCmd(), m.benchLinkCmd(), m.benchServeCmd(), m.benchCrashCmd(), m.benchDisclosureCmd())
	return cmd
}

func (m *Main) benchIngestCmd() *cobra.Command {
	var rows int
	var dir string
	c := &cobra.Command{
		Use:   "ingest [--rows N]",
		Short: "Ingest a generated 12-column CSV with full validation, next to DuckDB's bare read_csv of the same file",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rows <= 0 {
				return fault.Errorf(fault.Invalid, "--rows must be positive")
			}
			if dir == "" {
				d, err := os.MkdirTemp("", "civiclink-bench-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(d)
				dir = d
			}
			r, err := bench.Ingest(cmd.Context(), openBenchStore, dir, rows)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "rows %d (%.0f MB): civiclink %.2fs (%.0f rows/s), duckdb read_csv %.2fs (%.0f rows/s), ratio %.2f, peak RSS %.0f MiB\n",
				r.Rows, float64(r.Bytes)/1e6, r.CivicSeconds, r.CivicRowsPerS, r.DuckDBSeconds, r.DuckDBRowsPerS, r.Ratio, r.PeakRSSMiB)
			fmt.Fprintln(m.Stdout, r.JSON())
			return nil
		},
	}
	c.Flags().IntVar(&rows, "rows", 1_000_000, "rows to generate")
	c.Flags().StringVar(&dir, "dir", "", "work folder (default: a temporary one, removed after)")
	return c
}

func (m *Main) benchIndicatorCmd() *cobra.Command {
	var rows int
	var cpuProfile string
	c := &cobra.Command{
		Use:   "indicator [--rows N] [--cpuprofile FILE]",
		Short: "An indicator by district × month with governance and disclosure control, next to a bare GROUP BY",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := os.MkdirTemp("", "civiclink-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			var opts bench.IndicatorOptions
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return fault.Wrap(err, fault.Invalid, "cannot create the CPU profile file; give a writable path to --cpuprofile")
				}
				defer f.Close()
				opts.Profile = f
			}
			r, err := bench.Indicator(cmd.Context(), openBenchStore, dir, rows, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "rows %d, %d cells: bare GROUP BY %.3fs; governed and disclosure-controlled %.3fs (%.1f×)\n",
				r.Rows, r.Cells, r.BareSeconds, r.ControlSeconds, r.Ratio)
			fmt.Fprintf(m.Stdout, "perturbation and checks: controlled %.3fs against the same governed query unprotected %.3fs: ratio %.3f\n",
				r.ControlSeconds, r.PlainSeconds, r.PerturbRatio)
			fmt.Fprintf(m.Stdout, "full control with the persistent differencing audit: first release %.3fs (%.1f×), repeat %.3fs (%.1f×), another indicator %.3fs, after a restart %.3fs; %d cells in the release record\n",
				r.FirstSeconds, r.FirstRatio, r.AuditedSeconds, r.AuditedRatio, r.OtherSeconds, r.ReloadSeconds, r.Released)
			b, _ := json.Marshal(r)
			fmt.Fprintln(m.Stdout, string(b))
			return nil
		},
	}
	c.Flags().IntVar(&rows, "rows", 1_000_000, "rows to generate")
	c.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a Go CPU profile of the audited runs (not the load) to this file")
	return c
}

// openBenchStore opens a benchmark's store at path with an audit log
// signed by a throw-away key.
func openBenchStore(ctx context.Context, path string) (bench.Store, audit.Log, error) {
	st, err := store.Open(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	log, err := st.AuditLog(ctx, key)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, log, nil
}
