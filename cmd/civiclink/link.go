package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
	"github.com/civiclink/civiclink/internal/link/linkcsv"
)

func (m *Main) linkCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "link",
		Short: "Find records that belong to the same person",
	}
	cmd.AddCommand(m.linkFilesCmd(), m.linkEvaluateCmd(), m.linkRunCmd(), m.linkAdoptCmd(), m.linkApproveCmd(), m.linkApprovalsCmd(), m.linkRollbackCmd(), m.linkCompareCmd(), m.linkReviewCmd(), m.linkBlockingCmd(), m.linkExplainCmd())
	return cmd
}

// linkFilesFlags are the options of `link files`.
type linkFilesFlags struct {
	config, out, memory string
	dedupe, labels      bool
	detail              bool
	report              string
	explain             []string
	review              int
}

func (m *Main) linkFilesCmd() *cobra.Command {
	var f linkFilesFlags
	cmd := &cobra.Command{
		Use:   "files --config link.json --out DIR A.csv [B.csv ...]",
		Short: "Link or deduplicate CSV files with a Fellegi–Sunter model",
		Long: `Link CSV files under a linkage config (see examples/febrl.json). One file is
deduplicated; with several, only pairs across files are linked unless --dedupe.
DIR receives pairs.csv (matched pairs with probability and weight), clusters.csv
(every record's cluster, named by its smallest record id), review.csv (borderline
pairs with each comparison's agreement level, for clerical review) and
report.json (model, blocking report, clusters, and evaluation when the config
names the truth).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fault.Errorf(fault.Invalid, "%s takes one or more CSV files (see --help)", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.linkFiles(cmd, f, args)
		},
	}
	cmd.Flags().StringVar(&f.config, "config", "", "linkage config (JSON; see examples/)")
	cmd.Flags().StringVar(&f.out, "out", "", "folder for pairs.csv, clusters.csv, review.csv, report.json")
	cmd.Flags().BoolVar(&f.dedupe, "dedupe", false, "with several files, also pair records within each file")
	cmd.Flags().BoolVar(&f.labels, "train-from-labels", false, "estimate m from the config's truth instead of by EM")
	cmd.Flags().StringSliceVar(&f.explain, "explain", nil, "print the weight waterfall of a pair ID1:ID2 (or DATASET/ID1:DATASET/ID2); repeatable")
	cmd.Flags().IntVar(&f.review, "review", 200, "most borderline pairs to list in review.csv")
	memoryFlag(cmd, &f.memory)
	cmd.Flags().BoolVar(&f.detail, "detail", false, "add each comparison's level and weight to pairs.csv")
	cmd.Flags().StringVar(&f.report, "report", "", "write a self-contained HTML report with charts to this file")
	cmd.MarkFlagRequired("config")
	cmd.MarkFlagRequired("out")
	return cmd
}

func (m *Main) linkFiles(cmd *cobra.Command, f linkFilesFlags, files []string) error {
	cfg, datasets, truth, err := loadLinkInput(f.config, f.dedupe, files)
	if err != nil {
		return err
	}
	if err := checkFileKeyIDs(cfg, files); err != nil {
		return err
	}
	if err := link.CheckEstimable(datasets); err != nil {
		return err
	}
	opt := link.Options{TrainFromLabels: f.labels, Truth: truthFunc(truth)}
	if opt.Memory, err = memoryBudget(f.memory); err != nil {
		return err
	}
	bar := m.stageBar()
	opt.Progress = stageProgress(bar, "link: ")
	res, err := link.Link(cmd.Context(), datasets, cfg, opt)
	if bar != nil {
		bar.Finish()
	}
	if err == nil {
		err = res.CheckCandidates()
	}
	if err != nil {
		return err
	}
	m.printWarnings(res)
	rep := linkReport{Result: res}
	if truth != nil {
		refs := res.Refs()
		pr := eval.Pairs(truth, refs, res.MatchedPairs(), cfg.Dedupe)
		cr := eval.Clusters(truth, clusterMap(res))
		rep.Pairwise, rep.ClusterEval = &pr, &cr
	}
	if err := writeLinkOutputs(f.out, res, &rep, linkOutputOptions{review: f.review, several: len(datasets) > 1, detail: f.detail}); err != nil {
		return err
	}
	if err := writeRunFile(f.out, cfg, files, res); err != nil {
		return err
	}
	if f.report != "" {
		if err := writeLinkReport(f.report, res, &rep); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "wrote %s\n", f.report)
	}
	m.printLinkSummary(res, &rep, f.out)
	return m.printExplanations(res, f.explain)
}

// loadLinkInput reads a linkage config (a truth file named in it is
// relative to it) and the CSV files it links.
func loadLinkInput(configPath string, dedupe bool, files []string) (link.Config, []link.Dataset, eval.Truth, error) {
	data, err := os.ReadFile(configPath)
	if err != nil {
		return link.Config{}, nil, nil, fault.Errorf(fault.Invalid, "cannot read config: %v", err)
	}
	cfg, err := link.ParseConfig(data)
	if err != nil {
		return cfg, nil, nil, err
	}
	cfg.Dedupe = cfg.Dedupe || dedupe
	if cfg.Truth != nil && cfg.Truth.File != "" && !filepath.IsAbs(cfg.Truth.File) {
		cfg.Truth.File = filepath.Join(filepath.Dir(configPath), cfg.Truth.File)
	}
	datasets, truth, err := readLinkFiles(cfg, files)
	return cfg, datasets, truth, err
}

// truthFunc returns the engine's view of a truth (nil without one).
func truthFunc(truth eval.Truth) func(string, *link.Record) string {
	if truth == nil {
		return nil
	}
	return func(d string, r *link.Record) string { return truth.Of(link.RecordRef{Dataset: d, ID: r.ID}) }
}

// linkReport is report.json.
type linkReport struct {
	*link.Result
	Pairwise    *eval.PairReport    `json:"evaluation_pairwise,omitempty"`
	ClusterEval *eval.ClusterReport `json:"evaluation_clusters,omitempty"`
}

// readLinkFiles reads each CSV as a dataset named by its file name, and
// the truth the config names, if any.
func readLinkFiles(cfg link.Config, files []string) ([]link.Dataset, eval.Truth, error) {
	var drop []string
	truthCol := ""
	if cfg.Truth != nil && cfg.Truth.Column != "" {
		truthCol = cfg.Truth.Column
		drop = []string{truthCol}
	}
	truth := eval.Truth{}
	var datasets []link.Dataset
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		fh, err := os.Open(path)
		if err != nil {
			return nil, nil, fault.Errorf(fault.Invalid, "cannot read %s: %v", path, err)
		}
		ds, extra, err := linkcsv.Read(fh, name, cfg.IDColumn, drop...)
		fh.Close()
		if err != nil {
			return nil, nil, err
		}
		for i, v := range extra[truthCol] {
			if v != "" {
				truth[link.RecordRef{Dataset: name, ID: ds.Records[i].ID}] = v
			}
		}
		datasets = append(datasets, ds)
	}
	if cfg.Truth == nil {
		return datasets, nil, nil
	}
	switch {
	case cfg.Truth.IDRegex != "":
		re, err := regexp.Compile(cfg.Truth.IDRegex)
		if err != nil {
			return nil, nil, fault.Errorf(fault.Invalid, "truth id_regex: %v", err)
		}
		var refs []link.RecordRef
		for _, ds := range datasets {
			for _, r := range ds.Records {
				refs = append(refs, link.RecordRef{Dataset: ds.Name, ID: r.ID})
			}
		}
		truth, err = eval.FromIDs(re, refs)
		if err != nil {
			return nil, nil, err
		}
	case cfg.Truth.File != "":
		t, err := readTruthFile(cfg.Truth.File)
		if err != nil {
			return nil, nil, err
		}
		truth = t
	}
	return datasets, truth, nil
}

func readTruthFile(path string) (eval.Truth, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot read truth file: %v", err)
	}
	defer fh.Close()
	return eval.ReadTruth(fh)
}

// clusterName is how clusters.csv names a cluster: its smallest record's
// id, prefixed by its dataset when several are linked.
func clusterName(ref link.RecordRef, several bool) string {
	if several {
		return ref.Dataset + "/" + ref.ID
	}
	return ref.ID
}

func clusterMap(res *link.Result) map[link.RecordRef]string {
	out := make(map[link.RecordRef]string, res.Records())
	for i := range res.Records() {
		out[res.Ref(i)] = clusterName(res.ClusterOf(i), true)
	}
	return out
}

// linkOutputOptions say what writeLinkOutputs writes: up to review
// borderline pairs, dataset-qualified cluster names when several files
// are linked, and with detail each comparison's level and weight in
// pairs.csv.
type linkOutputOptions struct {
	review          int
	several, detail bool
}

// writeLinkOutputs writes pairs.csv, clusters.csv, review.csv and
// report.json into dir.
func writeLinkOutputs(dir string, res *link.Result, rep *linkReport, o linkOutputOptions) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fault.Errorf(fault.Invalid, "cannot make output folder: %v", err)
	}
	f6 := func(x float64) string { return strconv.FormatFloat(x, 'f', 6, 64) }
	pairHead := []string{"id_l", "id_r", "match_probability", "match_weight", "dataset_l", "dataset_r"}
	if o.detail {
		for _, c := range res.Model.Comparisons {
			pairHead = append(pairHead, c.Name+"_level", c.Name+"_weight")
		}
	}
	err := writeCSV(filepath.Join(dir, "pairs.csv"), pairHead, func(w func(...string)) {
		for k, lr := range res.MatchedRefs() {
			l, r := lr[0], lr[1]
			row := []string{l.ID, r.ID, f6(res.Probability(k)), f6(res.Weights[k]), l.Dataset, r.Dataset}
			if o.detail {
				for _, t := range res.Detail(k) {
					row = append(row, t.Label, f6(t.Weight+t.TFAdjustment))
				}
			}
			w(row...)
		}
	})
	if err != nil {
		return err
	}
	err = writeCSV(filepath.Join(dir, "clusters.csv"), []string{"id", "cluster_id", "dataset"}, func(w func(...string)) {
		for i := range res.Records() {
			ref := res.Ref(i)
			w(ref.ID, clusterName(res.ClusterOf(i), o.several), ref.Dataset)
		}
	})
	if err != nil {
		return err
	}
	head := []string{"id_l", "id_r", "match_probability", "match_weight", "dataset_l", "dataset_r"}
	for _, c := range res.Model.Comparisons {
		head = append(head, c.Name)
	}
	head = append(head, "matched")
	err = writeCSV(filepath.Join(dir, "review.csv"), head, func(w func(...string)) {
		for _, row := range res.Review(0.05, 0.95, o.review) {
			matched := "yes"
			if row.Probability < res.Threshold {
				matched = "no: below the threshold"
			}
			w(append(append([]string{row.Left.ID, row.Right.ID, f6(row.Probability), f6(row.Weight), row.Left.Dataset, row.Right.Dataset}, row.Levels...), matched)...)
		}
	})
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fault.Wrap(err, fault.Internal, "encode report")
	}
	return os.WriteFile(filepath.Join(dir, "report.json"), append(js, '\n'), 0o644)
}

// writeCSV writes a CSV file through a row callback.
func writeCSV(path string, head []string, rows func(w func(...string))) error {
	fh, err := os.Create(path)
	if err != nil {
		return fault.Errorf(fault.Invalid, "cannot write %s: %v", path, err)
	}
	cw := csv.NewWriter(fh)
	cw.Write(head)
	rows(func(v ...string) { cw.Write(v) })
	cw.Flush()
	if err := cw.Error(); err != nil {
		fh.Close()
		return fault.Errorf(fault.Invalid, "cannot write %s: %v", path, err)
	}
	if err := fh.Close(); err != nil {
		return fault.Errorf(fault.Invalid, "cannot write %s: %v", path, err)
	}
	return nil
}

// stageBar returns a progress bar for linkage stages on stderr when it is
// a terminal, else nil (scripts and CI see no bar).
func (m *Main) stageBar() *progressbar.ProgressBar {
	f, ok := m.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionThrottle(100e6), progressbar.OptionClearOnFinish())
}

// stageProgress returns a link.Options.Progress that moves bar, prefixing
// each stage's name. The engine calls it from several goroutines at once,
// so the bar is updated under a lock; nil when there is no bar.
func stageProgress(bar *progressbar.ProgressBar, prefix string) func(stage string, done, total int) {
	if bar == nil {
		return nil
	}
	var mu sync.Mutex
	return func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		bar.Describe(prefix + stage)
		bar.ChangeMax(total)
		bar.Set(done)
	}
}

// printWarnings tells the user, on stderr, what to know before trusting
// a linkage's weights.
func (m *Main) printWarnings(res *link.Result) {
	for _, w := range res.Warnings {
		fmt.Fprintf(m.Stderr, "warning: %s\n", w)
	}
}

func (m *Main) printLinkSummary(res *link.Result, rep *linkReport, out string) {
	w := tabwriter.NewWriter(m.Stdout, 2, 4, 2, ' ', 0)
	if a := res.AutoBlocking; a != nil {
		fmt.Fprintf(w, "auto blocking: %d rules chosen from %d candidates, %d comparisons, estimated recall %.4f (target %.4f)\n", len(a.Rules), a.Candidates, a.Comparisons, a.EstimatedRecall, a.TargetRecall)
		if msg := a.Shortfall(); msg != "" {
			fmt.Fprintf(w, "  warning: %s\n", msg)
		}
	}
	b := res.Blocking
	fmt.Fprintf(w, "blocking: %d candidate pairs of %.0f (%.4f%%), block cap %d\n", b.CandidatePairs, b.AllPairs, 100*float64(b.CandidatePairs)/max(b.AllPairs, 1), b.MaxBlockSize)
	fmt.Fprintln(w, "  rule\tnew pairs\tblocks\tskipped\trecall\tlargest")
	for _, r := range b.Rules {
		largest := ""
		if len(r.Largest) > 0 {
			largest = fmt.Sprintf("%d", r.Largest[0].Size)
			if r.Largest[0].Skipped {
				largest += " (skipped)"
			}
		}
		fmt.Fprintf(w, "  %s\t%d\t%d\t%d\t%s\t%s\n", r.Rule, r.Pairs, r.Blocks, r.Skipped, pct(r.Recall, b.TruePairs), largest)
	}
	if b.TruePairs > 0 {
		fmt.Fprintf(w, "  blocking recall %.4f of %d true pairs\n", b.Recall, b.TruePairs)
	}
	md := res.Model
	how := "labels"
	if md.MFrom == "em" {
		how = fmt.Sprintf("EM (%d iterations, converged %v)", md.Iterations, md.Converged)
	}
	fmt.Fprintf(w, "model: m by %s, u from %d random pairs, λ %.3g\n", how, md.USamples, md.Lambda)
	fmt.Fprintln(w, "  comparison\tlevel\tm\tu\tweight")
	for _, c := range md.Comparisons {
		for _, l := range c.Levels[1:] {
			fmt.Fprintf(w, "  %s\t%s\t%.4f\t%.6f\t%+.2f\n", c.Name, l.Label, l.M, l.U, l.Weight)
		}
	}
	cl := res.Clusters
	fmt.Fprintf(w, "matches: %d pairs at probability >= %.4f; %d clusters (%d singletons, largest %d); refused joins: one-to-one %d, density %d, size %d\n",
		cl.Matches, res.Threshold, cl.Clusters, cl.Singletons, cl.Largest, cl.RefusedOneToOne, cl.RefusedDensity, cl.RefusedSize)
	if p := rep.Pairwise; p != nil {
		fmt.Fprintf(w, "evaluation: pairwise precision %.4f recall %.4f F1 %.4f (tp %d fp %d fn %d)\n", p.Precision, p.Recall, p.F1, p.TP, p.FP, p.FN)
		if len(p.ByDatasets) > 1 {
			for _, d := range p.ByDatasets {
				fmt.Fprintf(w, "  %s ~ %s: precision %.4f recall %.4f F1 %.4f\n", d.Left, d.Right, d.Precision, d.Recall, d.F1)
			}
		}
		c := rep.ClusterEval
		fmt.Fprintf(w, "  clusters: pairwise F1 %.4f, B-cubed precision %.4f recall %.4f F1 %.4f\n", c.Pairwise.F1, c.BCubedPrecision, c.BCubedRecall, c.BCubedF1)
	}
	fmt.Fprintf(w, "wrote %s\n", strings.Join([]string{filepath.Join(out, "pairs.csv"), "clusters.csv", "review.csv", "report.json"}, ", "))
	w.Flush()
}

func pct(x float64, known int) string {
	if known == 0 {
		return "-"
	}
	return fmt.Sprintf("%.4f", x)
}

// printExplanations prints the waterfall of each pair given as
// [DATASET/]ID1:[DATASET/]ID2.
func (m *Main) printExplanations(res *link.Result, pairs []string) error {
	for _, p := range pairs {
		l, r, ok := strings.Cut(p, ":")
		if !ok {
			return fault.Errorf(fault.Invalid, "--explain %q: write the pair as ID1:ID2", p)
		}
		x, err := res.ExplainRefs(parseRef(l), parseRef(r))
		if err != nil {
			return err
		}
		fmt.Fprint(m.Stdout, x.String())
	}
	return nil
}

func parseRef(s string) link.RecordRef {
	if d, id, ok := strings.Cut(s, "/"); ok {
		return link.RecordRef{Dataset: d, ID: id}
	}
	return link.RecordRef{ID: s}
}
