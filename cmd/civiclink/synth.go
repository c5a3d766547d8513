package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/synth"
)

func (m *Main) synthCmd() *cobra.Command {
	var people int
	var seed uint64
	var out, settings, start, end string
	var workers int
	var quiet bool
	c := &cobra.Command{
		Use:   "synth --people N --seed S --out DIR",
		Short: "Generate a synthetic Essex county: agency datasets, schemas, ground truth and a manifest (see docs/synth.md)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fault.Errorf(fault.Invalid, "--out DIR is required: the folder to write the county into")
			}
			cfg := synth.DefaultConfig(people, seed)
			if settings != "" {
				b, err := os.ReadFile(settings)
				if err != nil {
					return fault.Errorf(fault.Invalid, "cannot read settings file %s: %v", settings, err)
				}
				if err := json.Unmarshal(b, &cfg); err != nil {
					return fault.Errorf(fault.Invalid, "settings file %s is not valid JSON settings: %v (see docs/synth.md)", settings, err)
				}
				if cmd.Flags().Changed("people") {
					cfg.People = people
				}
				if cmd.Flags().Changed("seed") {
					cfg.Seed = seed
				}
			}
			if start != "" {
				cfg.Start = start
			}
			if end != "" {
				cfg.End = end
			}
			cfg.Workers = workers
			var opt synth.Options
			began := time.Now()
			if !quiet {
				last := time.Now()
				opt.Progress = func(done, total int) {
					if time.Since(last) > 2*time.Second || done == total {
						last = time.Now()
						fmt.Fprintf(m.Stderr, "\r%d/%d people", done, total)
						if done == total {
							fmt.Fprintln(m.Stderr)
						}
					}
				}
			}
			man, _, err := synth.Generate(cmd.Context(), cfg, out, opt)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "DATASET\tPARTNER\tROWS\tFILE")
			var total int64
			for _, d := range man.Datasets {
				total += d.Rows
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", d.ID, d.Partner, d.Rows, d.File)
			}
			tw.Flush()
			fmt.Fprintf(m.Stdout, "%d people, %d records in %s (%.1fs); truth in %s, manifest %s\n",
				man.People, total, out, time.Since(began).Seconds(), man.Truth, synth.ManifestFile)
			return nil
		},
	}
	f := c.Flags()
	f.IntVar(&people, "people", 10000, "how many people live in the county (Essex: about 1,500,000 adults and children)")
	f.Uint64Var(&seed, "seed", 1, "random seed: the same people and seed give the same bytes")
	f.StringVar(&out, "out", "", "folder to write into (created if need be)")
	f.StringVar(&settings, "settings", "", "JSON settings file (error rates, dataset scales; see docs/synth.md)")
	f.StringVar(&start, "start", "", "first day of the period (default 2018-01-01)")
	f.StringVar(&end, "end", "", "last day of the period (default 2023-12-31)")
	f.IntVar(&workers, "workers", 0, "generating goroutines (default: all cores); never changes the output")
	f.BoolVar(&quiet, "quiet", false, "no progress on stderr")
	return c
}
