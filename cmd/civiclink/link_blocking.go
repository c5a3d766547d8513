package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
)

func (m *Main) linkBlockingCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "blocking",
		Short: "Choose blocking rules for a linkage",
	}
	cmd.AddCommand(m.linkBlockingSuggestCmd())
	return cmd
}

// linkSuggestFlags are the options of `link blocking suggest`.
type linkSuggestFlags struct {
	config, write  string
	dedupe, asJSON bool
	spec           link.AutoBlocking
}

func (m *Main) linkBlockingSuggestCmd() *cobra.Command {
	var f linkSuggestFlags
	cmd := &cobra.Command{
		Use:   "suggest --config link.json [--target 0.95] [--max-comparisons N] A.csv [B.csv ...]",
		Short: "Choose blocking rules from the data alone, to a target estimated recall within a budget",
		Long: `Choose blocking rules for the config's comparisons from the data alone (the
config's own rules are ignored): candidate keys are each comparison field's
value and transforms (prefixes, Soundex, year of a date, postcode district,
names in either order, Bloom-filter LSH bands), alone and two together; each
candidate's comparisons are counted exactly from key value counts; the share of
the true pairs each set of rules finds is estimated, without truth, by a model
fitted by EM to a sample of pairs drawn from every candidate. Rules are added
greedily, most estimated recall per new comparison first, until the target is
reached within the budget. It prints the chosen rules, their comparisons alone
and new, and the estimated recall after each; with truth named in the config,
the true recall too. A target that cannot be reached within the budget is
reported with the best rules found (exit status 1). --write saves the config
with the chosen rules in place of its own.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return fault.Errorf(fault.Invalid, "%s takes one or more CSV files (see --help)", cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.linkBlockingSuggest(cmd, f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.config, "config", "", "linkage config (JSON): its comparisons, id column and truth are used")
	fl.Float64Var(&f.spec.TargetRecall, "target", 0, "estimated recall to reach (default the config's auto_blocking, else 0.95)")
	fl.Int64Var(&f.spec.MaxComparisons, "max-comparisons", 0, "most candidate pairs the rules may propose (default 20 per record, at least 100000)")
	fl.IntVar(&f.spec.MaxRules, "max-rules", 0, "most rules to choose (default 12)")
	fl.BoolVar(&f.dedupe, "dedupe", false, "with several files, also pair records within each file")
	fl.BoolVar(&f.asJSON, "json", false, "print the suggestion as JSON")
	fl.StringVar(&f.write, "write", "", "write the config with the chosen rules to this file")
	cmd.MarkFlagRequired("config")
	return cmd
}

func (m *Main) linkBlockingSuggest(cmd *cobra.Command, f linkSuggestFlags, files []string) error {
	cfg, datasets, truth, err := loadLinkInput(f.config, f.dedupe, files)
	if err != nil {
		return err
	}
	spec := f.spec
	if a := cfg.AutoBlocking; a != nil {
		spec.TargetRecall = cmp(spec.TargetRecall, a.TargetRecall)
		spec.MaxComparisons = cmp(spec.MaxComparisons, a.MaxComparisons)
		spec.MaxRules = cmp(spec.MaxRules, a.MaxRules)
		spec.Samples = cmp(spec.Samples, a.Samples)
	}
	cfg.AutoBlocking = &spec
	bar := m.stageBar()
	s, err := link.SuggestBlocking(cmd.Context(), datasets, cfg, link.Options{Truth: truthFunc(truth), Progress: stageProgress(bar, "suggest: ")})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return err
	}
	if f.asJSON {
		if err := m.printJSON(s); err != nil {
			return err
		}
	} else {
		fmt.Fprint(m.Stdout, s.String())
	}
	if f.write != "" {
		cfg.Blocking, cfg.AutoBlocking = s.Blocking(), nil
		js, err := json.MarshalIndent(cfg, "", "  ")
		if err != nil {
			return fault.Wrap(err, fault.Internal, "encode config")
		}
		if err := os.WriteFile(f.write, append(js, '\n'), 0o644); err != nil {
			return fault.Errorf(fault.Invalid, "cannot write %s: %v", f.write, err)
		}
		fmt.Fprintf(m.Stdout, "wrote %s\n", f.write)
	}
	if !s.Reached {
		return fault.Errorf(fault.Invalid, "the target recall was not reached: the rules above are the best found within the budget")
	}
	return nil
}

// cmp returns a flag's value when given, else the config's.
func cmp[T int | int64 | float64](flag, config T) T {
	if flag != 0 {
		return flag
	}
	return config
}
