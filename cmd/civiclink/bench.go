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
	"github.com/civiclink/civiclink/internal/store/postgres"
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
	var cpuProfile, pgURL string
	c := &cobra.Command{
		Use:   "indicator [--rows N] [--cpuprofile FILE] [--postgres URL]",
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
			fmt.Fprintf(m.Stdout, "perturbation and checks: controlled %.3fs against the same governed query unprotected %.3fs: ratio %.3f; CPU %.3fs against %.3fs: ratio %.3f\n",
				r.ControlSeconds, r.PlainSeconds, r.PerturbRatio, r.ControlCPU, r.PlainCPU, r.PerturbCPURatio)
			fmt.Fprintf(m.Stdout, "full control with the persistent differencing audit: first release %.3fs (%.1f×), repeat %.3fs (%.1f×, CPU %.3fs), another indicator %.3fs, after a restart %.3fs; %d cells in the release record\n",
				r.FirstSeconds, r.FirstRatio, r.AuditedSeconds, r.AuditedRatio, r.AuditedCPU, r.OtherSeconds, r.ReloadSeconds, r.Released)
			b, _ := json.Marshal(r)
			fmt.Fprintln(m.Stdout, string(b))
			if pgURL == "" {
				return nil
			}
			return m.benchIndicatorPostgres(cmd.Context(), pgURL, dir, rows, r)
		},
	}
	c.Flags().StringVar(&pgURL, "postgres", "", "then run it again in server mode, the platform state in this empty PostgreSQL database (postgres://…), and print each figure against the embedded store's")
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

// benchIndicatorPostgres runs the indicator benchmark again with the
// platform state (governance, the audit log, the release record) in the
// PostgreSQL database at url, and prints its figures beside emb's, the
// embedded store's run in this process.
func (m *Main) benchIndicatorPostgres(ctx context.Context, url, dir string, rows int, emb *bench.IndicatorResult) error {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		return err
	}
	// opener opens the database with an engine file at path (the first
	// refusing a database that holds users); both share the catalogue and
	// the Parquet files beside the engines.
	opener := func(first bool) bench.Opener {
		return func(ctx context.Context, path string) (bench.Store, audit.Log, error) {
			st, err := postgres.Open(ctx, url, path+".engine")
			if err != nil {
				return nil, nil, err
			}
			if n, err := st.Users(ctx); err != nil || first && len(n) > 0 {
				st.Close()
				if err == nil {
					err = fault.FieldErrorf(fault.Conflict, "postgres", "the database %s already holds civiclink users; give the benchmark an empty database (createdb) and drop it afterwards", st.Path())
				}
				return nil, nil, err
			}
			log, err := st.AuditLog(ctx, key)
			if err != nil {
				st.Close()
				return nil, nil, err
			}
			return st, log, nil
		}
	}
	r, err := bench.Indicator(ctx, opener(true), dir, rows, bench.IndicatorOptions{Second: opener(false)})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "server mode (state in PostgreSQL): bare GROUP BY %.3fs; controlled %.3fs; first release %.3fs; repeat %.3fs; another indicator %.3fs; after a restart %.3fs\n",
		r.BareSeconds, r.ControlSeconds, r.FirstSeconds, r.AuditedSeconds, r.OtherSeconds, r.ReloadSeconds)
	fmt.Fprintf(m.Stdout, "a second process reading the version from its Parquet file: bare GROUP BY %.3fs; repeat %.3fs (CPU %.3fs) in turn with the loading process's %.3fs (CPU %.3fs): %.2f× wall, %.2f× CPU\n",
		r.SecondBareSeconds, r.SecondAuditedSeconds, r.SecondAuditedCPU, r.SecondLoadingSeconds, r.SecondLoadingCPU,
		r.SecondAuditedSeconds/r.SecondLoadingSeconds, r.SecondAuditedCPU/r.SecondLoadingCPU)
	fmt.Fprintf(m.Stdout, "PostgreSQL against embedded: controlled %.2f×, first release %.2f×, repeat %.2f× (CPU %.2f×), another indicator %.2f×, after a restart %.2f×, repeat in a second process %.2f× (CPU %.2f×)\n",
		r.ControlSeconds/emb.ControlSeconds, r.FirstSeconds/emb.FirstSeconds, r.AuditedSeconds/emb.AuditedSeconds, r.AuditedCPU/emb.AuditedCPU,
		r.OtherSeconds/emb.OtherSeconds, r.ReloadSeconds/emb.ReloadSeconds, r.SecondAuditedSeconds/emb.AuditedSeconds, r.SecondAuditedCPU/emb.AuditedCPU)
	b, _ := json.Marshal(r)
	fmt.Fprintln(m.Stdout, string(b))
	return nil
}
