package link

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// AutoBlocking tunes how blocking rules are chosen from the data: the
// estimated recall to reach and the most comparisons to spend on it.
type AutoBlocking struct {
	// TargetRecall is the share of the true pairs (estimated without
	// truth) the rules should propose; default 0.95.
	TargetRecall float64 `json:"target_recall,omitempty"`
	// MaxComparisons is the budget: the most candidate pairs the chosen
	// rules may propose together; default 20 per record, at least 100,000.
	MaxComparisons int64 `json:"max_comparisons,omitempty"`
	// MaxRules caps how many rules are chosen; default 12.
	MaxRules int `json:"max_rules,omitempty"`
	// Samples is about how many pairs the recall estimate is made on
	// (default 200,000).
	Samples int `json:"samples,omitempty"`
}

// withDefaults fills the zero settings for a run of n records.
func (a AutoBlocking) withDefaults(n int) AutoBlocking {
	if a.TargetRecall == 0 {
		a.TargetRecall = 0.95
	}
	if a.MaxComparisons == 0 {
		a.MaxComparisons = max(100000, 20*int64(n))
	}
	if a.MaxRules == 0 {
		a.MaxRules = 12
	}
	if a.Samples == 0 {
		a.Samples = 200000
	}
	return a
}

// autoBlockingJSON turns "blocking": "auto" into no rules and reports
// that it was there, so the rest of the config decodes strictly.
func autoBlockingJSON(data []byte) ([]byte, bool, error) {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return data, false, nil // the strict decode says what is wrong
	}
	raw, ok := probe["blocking"]
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return data, false, nil
	}
	var s string
	json.Unmarshal(raw, &s)
	if s != "auto" {
		return nil, false, fault.Errorf(fault.Invalid, "link config: \"blocking\" is %q: give a list of rules or \"auto\"", s)
	}
	probe["blocking"] = json.RawMessage("null")
	out, err := json.Marshal(probe)
	if err != nil {
		return nil, false, fault.Wrap(err, fault.Internal, "link config")
	}
	return out, true, nil
}

// validateAutoBlocking checks the auto_blocking settings.
func (c Config) validateAutoBlocking() error {
	a := c.AutoBlocking
	if a == nil {
		return nil
	}
	if len(c.Blocking) > 0 {
		return fault.Errorf(fault.Invalid, "link config gives blocking rules and auto_blocking: give one (remove auto_blocking to keep your rules)")
	}
	if a.TargetRecall < 0 || a.TargetRecall > 1 || math.IsNaN(a.TargetRecall) {
		return fault.Errorf(fault.Invalid, "auto_blocking.target_recall %v must be from 0 to 1 (e.g. 0.95)", a.TargetRecall)
	}
	if a.MaxComparisons < 0 || a.MaxRules < 0 || a.Samples < 0 {
		return fault.Errorf(fault.Invalid, "auto_blocking: max_comparisons, max_rules and samples must not be negative")
	}
	return nil
}

// BlockingSuggestion is a set of blocking rules chosen from the data, with
// what they cost and the recall they are estimated to reach.
type BlockingSuggestion struct {
	Rules []SuggestedRule `json:"rules"`
	// Comparisons is the exact number of candidate pairs the rules propose
	// together (each pair once).
	Comparisons int64 `json:"comparisons"`
	// EstimatedRecall is the estimated share of the true pairs proposed.
	EstimatedRecall float64 `json:"estimated_recall"`
	TargetRecall    float64 `json:"target_recall"`
	MaxComparisons  int64   `json:"max_comparisons"`
	// Reached says whether the target was reached within the budget; when
	// not, the rules are the best found.
	Reached bool `json:"reached"`
	// ExpectedMatches is the estimated number of true pairs in the pair
	// space, the denominator of the estimated recall.
	ExpectedMatches float64 `json:"expected_matches"`
	// Candidates is how many candidate rules were weighed, SampledPairs
	// how many pairs the estimate was made on.
	Candidates   int `json:"candidates"`
	SampledPairs int `json:"sampled_pairs"`
	// TrueRecall and TruePairs are set when the truth was given: the
	// rules' real blocking recall, for checking the estimate.
	TrueRecall float64 `json:"true_recall,omitempty"`
	TruePairs  int     `json:"true_pairs,omitempty"`
}

// SuggestedRule is one chosen rule of a [BlockingSuggestion].
type SuggestedRule struct {
	Rule  BlockingRule `json:"rule"`
	Label string       `json:"label"`
	// Comparisons is the pairs the rule proposes alone; NewComparisons
	// those no earlier rule proposes.
	Comparisons    int64 `json:"comparisons"`
	NewComparisons int64 `json:"new_comparisons"`
	// EstimatedRecall is the estimated recall of this rule and the rules
	// before it; TrueRecall the same against the truth, when given.
	EstimatedRecall float64 `json:"estimated_recall"`
	TrueRecall      float64 `json:"true_recall,omitempty"`
}

// Blocking returns the chosen rules, ready for a [Config].
func (s *BlockingSuggestion) Blocking() []BlockingRule {
	out := make([]BlockingRule, len(s.Rules))
	for i, r := range s.Rules {
		out[i] = r.Rule
	}
	return out
}

// Shortfall returns a sentence saying the target was not reached and
// what the best found is, or "" when it was reached.
func (s *BlockingSuggestion) Shortfall() string {
	if s.Reached {
		return ""
	}
	return fmt.Sprintf("target recall %.3f cannot be reached within %d comparisons: the best found reaches an estimated %.3f with %d comparisons; raise max_comparisons or lower target_recall",
		s.TargetRecall, s.MaxComparisons, s.EstimatedRecall, s.Comparisons)
}

// String renders the suggestion as a table.
func (s *BlockingSuggestion) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-48s %12s %12s %10s", "rule", "comparisons", "new", "est.recall")
	if s.TruePairs > 0 {
		fmt.Fprintf(&sb, " %10s", "true")
	}
	sb.WriteByte('\n')
	for _, r := range s.Rules {
		fmt.Fprintf(&sb, "%-48s %12d %12d %10.4f", r.Label, r.Comparisons, r.NewComparisons, r.EstimatedRecall)
		if s.TruePairs > 0 {
			fmt.Fprintf(&sb, " %10.4f", r.TrueRecall)
		}
		sb.WriteByte('\n')
	}
	fmt.Fprintf(&sb, "%d comparisons (budget %d), estimated recall %.4f (target %.4f) of %.0f expected true pairs",
		s.Comparisons, s.MaxComparisons, s.EstimatedRecall, s.TargetRecall, s.ExpectedMatches)
	if s.TruePairs > 0 {
		fmt.Fprintf(&sb, "; true recall %.4f of %d true pairs", s.TrueRecall, s.TruePairs)
	}
	sb.WriteByte('\n')
	if m := s.Shortfall(); m != "" {
		sb.WriteString(m + "\n")
	}
	return sb.String()
}

// SuggestBlocking chooses blocking rules for linking the datasets under
// cfg's comparisons, from the data alone: candidate keys come from the
// comparison fields and their transforms, each candidate's comparisons
// are counted exactly from key value counts, and the true pairs each
// set of rules would miss are estimated by a model fitted without truth
// on a sample of pairs. cfg's blocking rules, if any, are ignored. With
// opt.Truth the suggestion also carries the rules' true recall.
func SuggestBlocking(ctx context.Context, datasets []Dataset, cfg Config, opt Options) (*BlockingSuggestion, error) {
	spec := AutoBlocking{}
	if cfg.AutoBlocking != nil {
		spec = *cfg.AutoBlocking
	}
	cfg.Blocking, cfg.AutoBlocking = nil, &spec
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	e, err := newEngine(datasets, cfg, opt)
	if err != nil {
		return nil, err
	}
	return e.suggest(ctx, spec, opt.Truth)
}
