package link_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
	"github.com/civiclink/civiclink/internal/link/linkcsv"
	"github.com/civiclink/civiclink/internal/refdata"
)

// loadExample reads a config shipped in examples/.
func loadExample(tb testing.TB, name string) link.Config {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", name))
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := link.ParseConfig(data)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return cfg
}

// loadLinkage reads one of the shared linkage test files.
func loadLinkage(tb testing.TB, file, idColumn string, drop ...string) (link.Dataset, map[string][]string) {
	tb.Helper()
	p, err := refdata.Path("linkage", file)
	if err != nil {
		tb.Skipf("shared linkage data not found: %v", err)
	}
	f, err := os.Open(p)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	ds, extra, err := linkcsv.Read(f, strings.TrimSuffix(file, ".csv"), idColumn, drop...)
	if err != nil {
		tb.Fatal(err)
	}
	return ds, extra
}

func clustersOf(r *link.Result) map[link.RecordRef]string {
	out := map[link.RecordRef]string{}
	for i := range r.Records() {
		out[r.Ref(i)] = r.ClusterOf(i).ID
	}
	return out
}

func TestFEBRL(t *testing.T) {
	cfg := loadExample(t, "febrl.json")
	for _, file := range []string{"febrl_dataset1.csv", "febrl_dataset2.csv", "febrl_dataset3.csv"} {
		t.Run(file, func(t *testing.T) {
			ds, _ := loadLinkage(t, file, "rec_id")
			res, err := link.Link(context.Background(), []link.Dataset{ds}, cfg, link.Options{})
			if err != nil {
				t.Fatal(err)
			}
			refs := res.Refs()
			truth, err := eval.FromIDs(eval.FEBRL, refs)
			if err != nil {
				t.Fatal(err)
			}
			pr := eval.Pairs(truth, refs, res.MatchedPairs(), false)
			cr := eval.Clusters(truth, clustersOf(res))
			t.Logf("pairs %d candidates %d λ %.2e pairwise P %.4f R %.4f F1 %.4f (tp %d fp %d fn %d); clusters F1 %.4f B3 %.4f",
				res.Records(), res.Blocking.CandidatePairs, res.Model.Lambda, pr.Precision, pr.Recall, pr.F1, pr.TP, pr.FP, pr.FN, cr.Pairwise.F1, cr.BCubedF1)
			if got, want := pr.F1, 0.99; got < want {
				t.Errorf("pairwise F1 = %.4f, want >= %.2f", got, want)
			}
		})
	}
}
