package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/linkreport"
)

// runFile is run.json in a `link files` output folder: what is needed to
// explain any pair later without re-linking (the config with the rules
// the run used, the files it read and the fitted model).
type runFile struct {
	Config    link.Config `json:"config"`
	Files     []string    `json:"files"`
	Model     *link.Model `json:"model"`
	Threshold float64     `json:"threshold"`
}

// writeRunFile writes run.json into dir.
func writeRunFile(dir string, cfg link.Config, files []string, res *link.Result) error {
	rf := runFile{Config: cfg, Model: res.Model, Threshold: res.Threshold}
	if res.AutoBlocking != nil {
		rf.Config.Blocking, rf.Config.AutoBlocking = res.AutoBlocking.Blocking(), nil
	}
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return fault.Errorf(fault.Invalid, "cannot resolve %s: %v", f, err)
		}
		rf.Files = append(rf.Files, abs)
	}
	js, err := json.MarshalIndent(rf, "", "  ")
	if err != nil {
		return fault.Wrap(err, fault.Internal, "encode run.json")
	}
	return os.WriteFile(filepath.Join(dir, "run.json"), append(js, '\n'), 0o644)
}

func (m *Main) linkExplainCmd() *cobra.Command {
	var dir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "explain --run DIR ID1 ID2",
		Short: "Explain the match weight of any two records of a saved run",
		Long: `Explain, from a link files output folder, the match weight of two records as a
waterfall: the prior, then each comparison's level and weight (with any
term-frequency adjustment), and the running total. The records need not have
been paired by blocking. The folder's run.json names the config, the files and
the fitted model; the files are read again (they must still be there). Write a
record as ID, or DATASET/ID when several files hold the id.`,
		Args: exactArgs(2, "two record ids"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.linkExplain(dir, args[0], args[1], asJSON)
		},
	}
	cmd.Flags().StringVar(&dir, "run", "", "a link files output folder (holding run.json)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the explanation as JSON")
	cmd.MarkFlagRequired("run")
	return cmd
}

func (m *Main) linkExplain(dir, a, b string, asJSON bool) error {
	raw, err := os.ReadFile(filepath.Join(dir, "run.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return fault.Errorf(fault.Invalid, "%s holds no run.json: give a folder written by link files --out", dir)
	}
	if err != nil {
		return fault.Errorf(fault.Invalid, "cannot read %s: %v", filepath.Join(dir, "run.json"), err)
	}
	var rf runFile
	if err := json.Unmarshal(raw, &rf); err != nil || rf.Model == nil {
		return fault.Errorf(fault.Invalid, "%s is not a run.json written by link files (%v): link again", filepath.Join(dir, "run.json"), err)
	}
	if err := rf.Config.Validate(); err != nil {
		return err
	}
	datasets, _, err := readLinkFiles(link.Config{IDColumn: rf.Config.IDColumn}, rf.Files)
	if err != nil {
		return err
	}
	x, err := link.NewExplainer(datasets, rf.Config, rf.Model)
	if err != nil {
		return err
	}
	out, err := x.Explain(parseRef(a), parseRef(b))
	if err != nil {
		return err
	}
	if asJSON {
		return m.printJSON(out)
	}
	fmt.Fprint(m.Stdout, out.String())
	verdict := "a match"
	if out.Probability < rf.Threshold {
		verdict = "not a match"
	}
	fmt.Fprintf(m.Stdout, "threshold %.4f: %s\n", rf.Threshold, verdict)
	return nil
}

// writeLinkReport writes the run's charts as one HTML file.
func writeLinkReport(path string, res *link.Result, rep *linkReport) error {
	in := linkreport.FromResult(res, "Linkage report")
	if p := rep.Pairwise; p != nil {
		in.Lines = append(in.Lines, fmt.Sprintf("Against the truth: pairwise precision %.4f, recall %.4f, F1 %.4f; blocking recall %.4f.", p.Precision, p.Recall, p.F1, res.Blocking.Recall))
	}
	var buf bytes.Buffer
	if err := linkreport.Write(&buf, in); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fault.Errorf(fault.Invalid, "cannot write %s: %v", path, err)
	}
	return nil
}
