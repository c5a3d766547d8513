package main

import (
	"encoding/json"
	"fmt"
	"os"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/ingest"
)

func (m *Main) ingestCmd() *cobra.Command {
	var req ingest.Request
	var delim string
	cmd := &cobra.Command{
		Use:   "ingest --dataset ID FILE",
		Short: "Load a CSV, JSON Lines or Parquet file as a new version of a dataset",
		Long: `Load a file as a new, immutable version of a dataset. Every value is checked
against the dataset's schema. By default one bad row rejects the whole file and
the first errors are listed; with --rejects FILE the good rows are loaded and
every bad row is written to FILE with its line and reason. Loading a file
byte-identical to an earlier version makes no new version.`,
		Args: exactArgs(1, "one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Path = args[0]
			if delim == `\t` || delim == "tab" {
				delim = "\t"
			}
			if delim != "" {
				r, n := utf8.DecodeRuneInString(delim)
				if n != len(delim) || delim == "\"" {
					return fault.Errorf(fault.Invalid, "--delimiter must be one character other than a quote, e.g. ';' or '\\t'")
				}
				req.Delimiter = r
			}
			svc, u, err := m.ingestService(cmd)
			if err != nil {
				return err
			}
			bar := m.progressBar("ingest " + req.Path)
			if bar != nil {
				req.Progress = func(done, total int64) { bar.ChangeMax64(total); bar.Set64(done) }
			}
			res, err := svc.Load(cmd.Context(), u, req)
			if bar != nil {
				bar.Finish()
				fmt.Fprintln(m.Stderr)
			}
			if err != nil {
				return err
			}
			return m.printIngest(res, req)
		},
	}
	cmd.Flags().StringVar(&req.DatasetID, "dataset", "", "dataset id (see `dataset list`)")
	cmd.Flags().StringVar(&req.Format, "format", "", "csv, jsonl or parquet (default: from the file name)")
	cmd.Flags().StringVar(&delim, "delimiter", "", "CSV field delimiter (default ',')")
	cmd.Flags().StringVar(&req.RejectsPath, "rejects", "", "load valid rows and write rejected rows with reasons to this CSV file")
	return cmd
}

func (m *Main) printIngest(res *ingest.Result, req ingest.Request) error {
	v := res.Version
	if res.Duplicate {
		fmt.Fprintf(m.Stdout, "%s is byte-identical to version %d of %s (loaded %s by %s): no new version made\n",
			req.Path, v.Number, v.DatasetID, v.LoadedAt.Format("2006-01-02 15:04"), v.LoadedBy)
		return nil
	}
	fmt.Fprintf(m.Stdout, "loaded %s as version %d of %s: %d rows", req.Path, v.Number, v.DatasetID, v.Rows)
	if v.Rejected > 0 {
		fmt.Fprintf(m.Stdout, ", %d rejected (written to %s)", v.Rejected, req.RejectsPath)
	}
	fmt.Fprintf(m.Stdout, "\nsha256 %s\n", v.SHA256)
	printQuality(m.Stdout, v.Quality)
	return nil
}

// progressBar returns a byte progress bar on stderr when it is a terminal,
// else nil (scripts and CI see no bar).
func (m *Main) progressBar(what string) *progressbar.ProgressBar {
	f, ok := m.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(-1, progressbar.OptionSetWriter(f), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription(what), progressbar.OptionThrottle(100e6), progressbar.OptionClearOnFinish())
}

// mustJSON encodes audit details (maps of plain values always encode).
func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
