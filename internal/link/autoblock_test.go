package link_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
)

// autoCase is a data set with its truth, for checking automatic
// blocking's recall estimate against the true recall.
type autoCase struct {
	name  string
	ds    link.Dataset
	cfg   link.Config
	truth map[string]string
}

// sharedAutoCases loads the shared linkage sets with their example
// configs' comparisons.
func sharedAutoCases(t *testing.T) []autoCase {
	febrl := loadExample(t, "febrl.json")
	fake := loadExample(t, "fake_1000.json")
	var out []autoCase
	for _, f := range []string{"febrl_dataset1", "febrl_dataset2", "febrl_dataset3"} {
		if testing.Short() && f != "febrl_dataset1" {
			continue
		}
		ds, _ := loadLinkage(t, f+".csv", "rec_id")
		truth := map[string]string{}
		for _, r := range ds.Records {
			truth[r.ID] = eval.FEBRL.FindStringSubmatch(r.ID)[1]
		}
		out = append(out, autoCase{f, ds, febrl, truth})
	}
	ds, extra := loadLinkage(t, "splink_fake_1000.csv", "unique_id", "cluster")
	truth := map[string]string{}
	for i, r := range ds.Records {
		truth[r.ID] = extra["cluster"][i]
	}
	return append(out, autoCase{"fake_1000", ds, fake, truth})
}

// countyAutoCases are the synthetic county's layout, plain and encoded
// (names as Bloom filters, the rest as keyed tokens).
func countyAutoCases() []autoCase {
	plain, truth := synthPeople(3000, 11)
	enc, encCfg := encodePeople(plain)
	return []autoCase{{"county_plain", plain, countyConfig(), truth}, {"county_encoded", enc, encCfg, truth}}
}

func TestSuggestBlockingEstimatesRecall(t *testing.T) {
	for _, tc := range append(sharedAutoCases(t), countyAutoCases()...) {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Blocking = nil
			s, err := link.SuggestBlocking(context.Background(), []link.Dataset{tc.ds}, cfg, link.Options{
				Truth: func(_ string, r *link.Record) string { return tc.truth[r.ID] },
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("\n%s", s)
			if !s.Reached {
				t.Errorf("target %.2f not reached: %s", s.TargetRecall, s.Shortfall())
			}
			if s.Comparisons > s.MaxComparisons {
				t.Errorf("%d comparisons over the budget of %d", s.Comparisons, s.MaxComparisons)
			}
			if d := s.EstimatedRecall - s.TrueRecall; d > 0.05 || d < -0.05 {
				t.Errorf("estimated recall %.4f, true %.4f: want within 0.05", s.EstimatedRecall, s.TrueRecall)
			}
			var sum int64
			for _, r := range s.Rules {
				sum += r.NewComparisons
			}
			if sum != s.Comparisons {
				t.Errorf("rules' new comparisons add to %d, total says %d", sum, s.Comparisons)
			}
		})
	}
}

// TestAutoBlockingLinks runs a link config with "blocking": "auto": the
// run uses the chosen rules, and its blocking report agrees with the
// suggestion's exact comparison count and true recall.
func TestAutoBlockingLinks(t *testing.T) {
	cs := sharedAutoCases(t)
	tc := cs[len(cs)-1] // fake_1000
	cfg, err := link.ParseConfig([]byte(`{"id_column": "unique_id", "blocking": "auto", "auto_blocking": {"target_recall": 0.9},
		"comparisons": [{"field": "first_name", "kind": "jaro_winkler", "tf": true}, {"field": "surname", "kind": "jaro_winkler", "tf": true},
		{"field": "dob", "kind": "date", "thresholds": [31, 366]}, {"field": "city", "kind": "jaro_winkler", "thresholds": [0.85]},
		{"field": "email", "kind": "levenshtein", "thresholds": [2, 4]}], "threshold": 0.2}`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := link.Link(context.Background(), []link.Dataset{tc.ds}, cfg, link.Options{
		Truth: func(_ string, r *link.Record) string { return tc.truth[r.ID] },
	})
	if err != nil {
		t.Fatal(err)
	}
	s := res.AutoBlocking
	if s == nil {
		t.Fatal("no auto_blocking in the result")
	}
	if got, want := len(res.Blocking.Rules), len(s.Rules); got != want {
		t.Fatalf("run blocked by %d rules, suggestion has %d", got, want)
	}
	if got, want := int64(res.Blocking.CandidatePairs), s.Comparisons; got != want {
		t.Errorf("run compared %d pairs, suggestion counted %d", got, want)
	}
	if got, want := res.Blocking.Recall, s.TrueRecall; got != want {
		t.Errorf("run's blocking recall %.4f, suggestion's true recall %.4f", got, want)
	}
	if s.EstimatedRecall < 0.9 {
		t.Errorf("estimated recall %.4f below the target 0.9", s.EstimatedRecall)
	}
}

func TestSuggestBlockingBadInput(t *testing.T) {
	cs := sharedAutoCases(t)
	tc := cs[len(cs)-1]
	cfg := tc.cfg
	cfg.Blocking = nil
	cfg.AutoBlocking = &link.AutoBlocking{TargetRecall: 0.99, MaxComparisons: 2000}
	s, err := link.SuggestBlocking(context.Background(), []link.Dataset{tc.ds}, cfg, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Reached || !strings.Contains(s.Shortfall(), "cannot be reached within 2000 comparisons") {
		t.Errorf("unreachable target: reached %v, shortfall %q", s.Reached, s.Shortfall())
	}
	if s.Comparisons > 2000 || len(s.Rules) == 0 || s.EstimatedRecall <= 0 {
		t.Errorf("best found: %d rules, %d comparisons, recall %.3f: want some rules within the budget", len(s.Rules), s.Comparisons, s.EstimatedRecall)
	}
	for _, bad := range []struct{ json, want string }{
		{`{"comparisons": [{"field": "a", "kind": "exact"}], "blocking": "automatic"}`, `give a list of rules or "auto"`},
		{`{"comparisons": [{"field": "a", "kind": "exact"}], "blocking": "auto", "auto_blocking": {"target_recall": 1.5}}`, "target_recall 1.5"},
		{`{"comparisons": [{"field": "a", "kind": "exact"}], "blocking": [{"keys": [{"field": "a"}]}], "auto_blocking": {}}`, "give one"},
	} {
		_, err := link.ParseConfig([]byte(bad.json))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("ParseConfig(%s) = %v, want an error saying %q", bad.json, err, bad.want)
		}
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Code != fault.Invalid {
			t.Errorf("ParseConfig(%s): error %v is not an invalid-input fault", bad.json, err)
		}
	}
}

// TestSuggestBlockingMemory wants a budget enough for the records but
// not for automatic blocking's candidate keys refused with the minimum
// that does, and that minimum enough.
func TestSuggestBlockingMemory(t *testing.T) {
	tc := countyAutoCases()[0]
	cfg := tc.cfg
	cfg.Blocking = nil
	cfg.AutoBlocking = &link.AutoBlocking{TargetRecall: 0.9}
	opt := link.Options{Workers: 2, Memory: 1}
	suggest := func() (*link.BlockingSuggestion, *link.MemoryError) {
		s, err := link.SuggestBlocking(context.Background(), []link.Dataset{tc.ds}, cfg, opt)
		var me *link.MemoryError
		if err != nil && !errors.As(err, &me) {
			t.Fatalf("budget %d: %v, want a MemoryError or a suggestion", opt.Memory, err)
		}
		return s, me
	}
	_, records := suggest()
	if records == nil {
		t.Fatal("a 1-byte budget was not refused")
	}
	opt.Memory = records.Minimum
	_, keys := suggest()
	if keys == nil || keys.Minimum <= records.Minimum || !strings.Contains(keys.Error(), "automatic blocking's") {
		t.Fatalf("the records' minimum %d: refusal %v, want one for the candidate keys with a larger minimum", records.Minimum, keys)
	}
	opt.Memory = keys.Minimum + 1<<20
	if s, me := suggest(); me != nil || len(s.Rules) == 0 {
		t.Errorf("the candidate keys' minimum %d: refused %v, want a suggestion", keys.Minimum, me)
	}
}
