package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/csvhead"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
	"github.com/civiclink/civiclink/internal/link/linkcsv"
)

// linkEvalFlags are the options of `link evaluate`.
type linkEvalFlags struct {
	pairs, clusters        string
	truth, regex           string
	data, column, idColumn string
	threshold              float64
	within, asJSON         bool
}

func (m *Main) linkEvaluateCmd() *cobra.Command {
	var f linkEvalFlags
	cmd := &cobra.Command{
		Use:   "evaluate --pairs pairs.csv [--clusters clusters.csv] (--truth truth.csv | --truth-regex RE | --truth-data A.csv --truth-column C --id-column ID)",
		Short: "Score linkage output against the truth",
		Long: `Score pairs.csv and clusters.csv (as written by link files) against the truth:
pairwise precision, recall and F1, overall and per pair of datasets, and cluster
quality (pairwise and B-cubed). The truth is a CSV of dataset, record_id,
person_id; a pattern on record ids whose first group is the entity (FEBRL:
'^rec-(\d+)-'); or a column of a data file.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.linkEvaluate(f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.pairs, "pairs", "", "pairs.csv from link files")
	fl.StringVar(&f.clusters, "clusters", "", "clusters.csv from link files")
	fl.StringVar(&f.truth, "truth", "", "truth CSV with columns dataset, record_id, person_id")
	fl.StringVar(&f.regex, "truth-regex", "", "pattern on record ids whose first group is the entity")
	fl.StringVar(&f.data, "truth-data", "", "data file holding a truth column (dataset named by the file)")
	fl.StringVar(&f.column, "truth-column", "", "the truth column of --truth-data")
	fl.StringVar(&f.idColumn, "id-column", "", "the id column of --truth-data")
	fl.Float64Var(&f.threshold, "threshold", 0, "count only pairs with at least this match probability")
	fl.BoolVar(&f.within, "within", false, "with several datasets, count pairs within a dataset too")
	fl.BoolVar(&f.asJSON, "json", false, "print the evaluation as JSON")
	cmd.MarkFlagRequired("pairs")
	return cmd
}

func (m *Main) linkEvaluate(f linkEvalFlags) error {
	pairs, err := readPairsCSV(f.pairs, f.threshold)
	if err != nil {
		return err
	}
	var clusters map[link.RecordRef]string
	if f.clusters != "" {
		if clusters, err = readClustersCSV(f.clusters); err != nil {
			return err
		}
	}
	truth, err := evalTruth(f, pairs, clusters)
	if err != nil {
		return err
	}
	var refs []link.RecordRef
	if clusters != nil {
		for r := range clusters {
			refs = append(refs, r)
		}
	} else {
		for r := range truth {
			refs = append(refs, r)
		}
	}
	out := struct {
		Pairwise eval.PairReport     `json:"pairwise"`
		Clusters *eval.ClusterReport `json:"clusters,omitempty"`
	}{Pairwise: eval.Pairs(truth, refs, pairs, f.within)}
	if clusters != nil {
		c := eval.Clusters(truth, clusters)
		out.Clusters = &c
	}
	if f.asJSON {
		js, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(m.Stdout, string(js))
		return nil
	}
	p := out.Pairwise
	fmt.Fprintf(m.Stdout, "pairwise: precision %.4f recall %.4f F1 %.4f (tp %d fp %d fn %d)\n", p.Precision, p.Recall, p.F1, p.TP, p.FP, p.FN)
	if len(p.ByDatasets) > 1 {
		for _, d := range p.ByDatasets {
			fmt.Fprintf(m.Stdout, "  %s ~ %s: precision %.4f recall %.4f F1 %.4f (tp %d fp %d fn %d)\n", d.Left, d.Right, d.Precision, d.Recall, d.F1, d.TP, d.FP, d.FN)
		}
	}
	if c := out.Clusters; c != nil {
		fmt.Fprintf(m.Stdout, "clusters: %d records in %d clusters for %d entities; pairwise F1 %.4f; B-cubed precision %.4f recall %.4f F1 %.4f\n",
			c.Records, c.Clusters, c.Entities, c.Pairwise.F1, c.BCubedPrecision, c.BCubedRecall, c.BCubedF1)
	}
	return nil
}

// evalTruth loads the one truth source the flags name.
func evalTruth(f linkEvalFlags, pairs [][2]link.RecordRef, clusters map[link.RecordRef]string) (eval.Truth, error) {
	n := 0
	for _, s := range []string{f.truth, f.regex, f.data} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return nil, fault.Errorf(fault.Invalid, "give exactly one of --truth, --truth-regex and --truth-data")
	}
	switch {
	case f.truth != "":
		return readTruthFile(f.truth)
	case f.regex != "":
		re, err := regexp.Compile(f.regex)
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "--truth-regex: %v", err)
		}
		var refs []link.RecordRef
		for r := range clusters {
			refs = append(refs, r)
		}
		for _, p := range pairs {
			refs = append(refs, p[0], p[1])
		}
		return eval.FromIDs(re, refs)
	}
	if f.column == "" || f.idColumn == "" {
		return nil, fault.Errorf(fault.Invalid, "--truth-data needs --truth-column and --id-column")
	}
	fh, err := os.Open(f.data)
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot read %s: %v", f.data, err)
	}
	defer fh.Close()
	name := strings.TrimSuffix(filepath.Base(f.data), filepath.Ext(f.data))
	ds, extra, err := linkcsv.Read(fh, name, f.idColumn, f.column)
	if err != nil {
		return nil, err
	}
	t := eval.Truth{}
	for i, r := range ds.Records {
		if v := extra[f.column][i]; v != "" {
			t[link.RecordRef{Dataset: name, ID: r.ID}] = v
		}
	}
	return t, nil
}

// readCSVRows reads a CSV with a header and calls row with a column
// lookup for each record.
func readCSVRows(path string, need []string, row func(get func(string) string) error) error {
	fh, err := os.Open(path)
	if err != nil {
		return fault.Errorf(fault.Invalid, "cannot read %s: %v", path, err)
	}
	defer fh.Close()
	cr, err := csvhead.New(fh, csvhead.Options{})
	if err != nil {
		return fault.Errorf(fault.Invalid, "%s: %v", path, err)
	}
	if missing := cr.Missing(need...); len(missing) > 0 {
		return fault.Errorf(fault.Invalid, "%s has no column %s: give a file written by link files", path, missing[0])
	}
	for cr.Next() {
		if err := row(cr.Get); err != nil {
			return fault.Errorf(fault.Invalid, "%s: %v", path, err)
		}
	}
	if err := cr.Err(); err != nil {
		return fault.Errorf(fault.Invalid, "%s line %d: %v", path, cr.Line(), err)
	}
	return nil
}

func readPairsCSV(path string, threshold float64) ([][2]link.RecordRef, error) {
	var out [][2]link.RecordRef
	err := readCSVRows(path, []string{"id_l", "id_r"}, func(get func(string) string) error {
		if threshold > 0 {
			p, err := strconv.ParseFloat(get("match_probability"), 64)
			if err != nil {
				return err
			}
			if p < threshold {
				return nil
			}
		}
		out = append(out, [2]link.RecordRef{{Dataset: get("dataset_l"), ID: get("id_l")}, {Dataset: get("dataset_r"), ID: get("id_r")}})
		return nil
	})
	return out, err
}

func readClustersCSV(path string) (map[link.RecordRef]string, error) {
	out := map[link.RecordRef]string{}
	err := readCSVRows(path, []string{"id", "cluster_id"}, func(get func(string) string) error {
		out[link.RecordRef{Dataset: get("dataset"), ID: get("id")}] = get("cluster_id")
		return nil
	})
	return out, err
}
