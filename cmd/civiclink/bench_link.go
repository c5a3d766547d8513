package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/definitions"
	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
)

func (m *Main) benchLinkCmd() *cobra.Command {
	var o demo.LinkBenchOptions
	var config, cpuProfile, memory string
	var plainOnly, encodedOnly, quiet, prepareOnly, auto bool
	var autoSpec link.AutoBlocking
	c := &cobra.Command{
		Use:   "link [--people N] [--work DIR]",
		Short: "Link a synthetic county on encoded identifiers and on plain ones, and score both against its truth",
		Long: `Generate a synthetic county (or reuse the one in --work), pseudonymise its
agency datasets as the partners would, then link them twice: on the tokens and
Bloom filters with the platform's default model (linkrun.DefaultConfig), and on
the normalised plain identifiers with --config (default
internal/definitions/linkage/county-plain.json). Prints pairwise precision, recall and F1 of both
against the county's truth.csv, and the gap in F1 (plain minus encoded).`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.People <= 0 {
				return fault.Errorf(fault.Invalid, "--people must be positive")
			}
			var err error
			if o.Memory, err = memoryBudget(memory); err != nil {
				return err
			}
			o.Encoded, o.Plain = !plainOnly, !encodedOnly
			if !o.Encoded && !o.Plain {
				return fault.Errorf(fault.Invalid, "--plain-only and --encoded-only exclude each other")
			}
			var raw []byte
			if config == "" {
				raw, err = definitions.FS.ReadFile("linkage/county-plain.json")
			} else if raw, err = os.ReadFile(config); err != nil {
				return fault.Errorf(fault.Invalid, "cannot read --config %s: %v", config, err)
			}
			if err != nil {
				return err
			}
			if o.PlainConfig, err = link.ParseConfig(raw); err != nil {
				return err
			}
			if auto {
				o.AutoBlocking = &autoSpec
			}
			if o.Dir == "" {
				d, err := os.MkdirTemp("", "civiclink-bench-link-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(d)
				o.Dir = d
			}
			if o.Dir, err = filepath.Abs(o.Dir); err != nil {
				return err
			}
			if !quiet {
				o.Log = m.Stderr
				o.Progress = progressPrinter(m, 2*time.Second)
			}
			if prepareOnly {
				return demo.PrepareCounty(cmd.Context(), o)
			}
			if cpuProfile != "" {
				f, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			r, err := demo.LinkBench(cmd.Context(), o)
			if err != nil {
				return err
			}
			for _, run := range []*demo.LinkBenchRun{r.Encoded, r.Plain} {
				if run != nil {
					fmt.Fprintf(m.Stdout, "%-8s %9d records %10d candidates (recall %.4f) %9d matches  P %.4f R %.4f F1 %.4f  read %.1fs, link %.1fs wall %.1f CPU-s, peak heap %.0f MiB (%s)\n",
						run.Identifiers, run.Records, run.Candidates, run.BlockingRecall, run.Matches, run.Precision, run.Recall, run.F1, run.ReadSeconds, run.LinkSeconds, run.LinkCPUSeconds, run.PeakHeapMiB, run.PeakStage)
				}
			}
			if r.Encoded != nil && r.Plain != nil {
				fmt.Fprintf(m.Stdout, "F1 gap (plain - encoded): %.4f\n", r.Gap)
			}
			fmt.Fprintf(m.Stdout, "people %d; county prepared in %.1fs; peak RSS %.0f MiB\n", r.People, r.PrepareSeconds, r.PeakRSSMiB)
			b, _ := json.Marshal(r)
			fmt.Fprintln(m.Stdout, string(b))
			return nil
		},
	}
	c.Flags().IntVar(&o.People, "people", 100_000, "people in the synthetic county")
	c.Flags().Uint64Var(&o.Seed, "seed", 2026, "the county's seed")
	c.Flags().StringVar(&o.Dir, "work", "", "folder for the county (reused when it holds the same people and seed; default: a temporary one, removed after)")
	c.Flags().StringVar(&config, "config", "", "linkage config for the plain run (default: the shipped internal/definitions/linkage/county-plain.json)")
	c.Flags().IntVar(&o.Workers, "workers", 0, "goroutines (default: all cores)")
	c.Flags().BoolVar(&plainOnly, "plain-only", false, "link only the plain identifiers")
	c.Flags().BoolVar(&encodedOnly, "encoded-only", false, "link only the encoded identifiers")
	c.Flags().BoolVar(&quiet, "quiet", false, "no progress on stderr")
	c.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the linking (after preparing) to this file")
	c.Flags().StringVar(&o.MemProfile, "memprofile", "", "write heap profiles after each linkage to this file (.encoded, .plain)")
	memoryFlag(c, &memory)
	c.Flags().BoolVar(&auto, "auto-blocking", false, "choose both runs' blocking rules from the data (\"blocking\": \"auto\") and report estimated against true recall")
	c.Flags().Float64Var(&autoSpec.TargetRecall, "target", 0, "with --auto-blocking, the estimated recall to reach (default 0.95)")
	c.Flags().Int64Var(&autoSpec.MaxComparisons, "max-comparisons", 0, "with --auto-blocking, the comparison budget (default 20 per record)")
	c.Flags().BoolVar(&prepareOnly, "prepare-only", false, "generate and pseudonymise the county in --work, then stop (to time linking alone later)")
	return c
}

// progressPrinter reports a stage's progress on stderr at most every
// interval, and when the stage completes.
func progressPrinter(m *Main, every time.Duration) func(stage string, done, total int) {
	var mu sync.Mutex
	last := time.Now()
	return func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if done == total || time.Since(last) >= every {
			last = time.Now()
			fmt.Fprintf(m.Stderr, "  %s %d/%d\n", stage, done, total)
		}
	}
}
