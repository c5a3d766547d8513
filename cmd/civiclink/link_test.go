package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/refdata"
)

func linkageFile(tb testing.TB, name string) string {
	tb.Helper()
	p, err := refdata.Path("linkage", name)
	if err != nil {
		tb.Skipf("shared linkage data not found: %v", err)
	}
	return p
}

func TestLinkFilesAndEvaluate(t *testing.T) {
	data := linkageFile(t, "febrl_dataset1.csv")
	out := t.TempDir()
	cfg := filepath.Join("..", "..", "examples", "febrl.json")
	stdout, stderr, code := run(t, filepath.Join(t.TempDir(), "s.duckdb"), "link", "files", "--config", cfg, "--out", out,
		"--explain", "rec-10-org:rec-10-dup-0", data)
	if code != 0 {
		t.Fatalf("link files exit %d: %s", code, stderr)
	}
	m := regexp.MustCompile(`pairwise precision \S+ recall \S+ F1 (\S+)`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no evaluation in output:\n%s", stdout)
	}
	if f1, _ := strconv.ParseFloat(m[1], 64); f1 < 0.99 {
		t.Errorf("F1 = %v, want >= 0.99", f1)
	}
	if !strings.Contains(stdout, "febrl_dataset1/rec-10-org ~ febrl_dataset1/rec-10-dup-0") {
		t.Errorf("no explanation of the asked pair in output:\n%s", stdout)
	}
	rows := readAll(t, filepath.Join(out, "pairs.csv"))
	if got, want := strings.Join(rows[0][:4], ","), "id_l,id_r,match_probability,match_weight"; got != want {
		t.Errorf("pairs.csv header = %s, want %s", got, want)
	}
	clusters := readAll(t, filepath.Join(out, "clusters.csv"))
	if got, want := len(clusters), 1001; got != want {
		t.Errorf("clusters.csv has %d rows, want %d (header and every record)", got, want)
	}
	for _, r := range clusters[1:] {
		if r[1] > r[0] {
			t.Fatalf("record %s is in cluster %s: a cluster is named by its smallest id", r[0], r[1])
		}
	}
	stdout, stderr, code = run(t, filepath.Join(t.TempDir(), "s.duckdb"), "link", "evaluate", "--pairs", filepath.Join(out, "pairs.csv"),
		"--clusters", filepath.Join(out, "clusters.csv"), "--truth-regex", `^rec-(\d+)-`)
	if code != 0 {
		t.Fatalf("link evaluate exit %d: %s", code, stderr)
	}
	m = regexp.MustCompile(`pairwise: precision \S+ recall \S+ F1 (\S+)`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no pairwise line in:\n%s", stdout)
	}
	if f1, _ := strconv.ParseFloat(m[1], 64); f1 < 0.99 {
		t.Errorf("evaluate F1 = %v, want >= 0.99", f1)
	}
}

func TestLinkFilesTwoFilesCrossOnly(t *testing.T) {
	data := linkageFile(t, "febrl_dataset1.csv")
	dir := t.TempDir()
	// Split dataset 1 into originals and duplicates: every true pair crosses.
	rows := readAll(t, data)
	a, b := [][]string{rows[0]}, [][]string{rows[0]}
	for _, r := range rows[1:] {
		if strings.HasSuffix(strings.TrimSpace(r[0]), "-org") {
			a = append(a, r)
		} else {
			b = append(b, r)
		}
	}
	pa, pb := filepath.Join(dir, "org.csv"), filepath.Join(dir, "dup.csv")
	writeAll(t, pa, a)
	writeAll(t, pb, b)
	out := filepath.Join(dir, "out")
	stdout, stderr, code := run(t, filepath.Join(dir, "s.duckdb"), "link", "files", "--config", filepath.Join("..", "..", "examples", "febrl.json"), "--out", out, pa, pb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, r := range readAll(t, filepath.Join(out, "pairs.csv"))[1:] {
		if r[4] == r[5] {
			t.Fatalf("pair %v is within one file; only cross-file pairs were asked for", r)
		}
	}
	if !strings.Contains(stdout, "F1 1.0000") && !strings.Contains(stdout, "F1 0.99") {
		t.Errorf("cross-file F1 below 0.99:\n%s", stdout)
	}
}

func TestLinkFilesRejectsTruthColumnInModel(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(cfg, []byte(`{"id_column":"unique_id","comparisons":[{"field":"cluster","kind":"exact"}],
		"blocking":[{"keys":[{"field":"surname"}]}],"truth":{"column":"cluster"}}`), 0o644)
	_, stderr, code := run(t, filepath.Join(t.TempDir(), "s.duckdb"), "link", "files", "--config", cfg, "--out", t.TempDir(), linkageFile(t, "splink_fake_1000.csv"))
	if code == 0 || !strings.Contains(stderr, "must not be used for matching") {
		t.Errorf("exit %d, stderr %q: want a refusal to match on the truth column", code, stderr)
	}
}

func readAll(tb testing.TB, path string) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.TrimLeadingSpace = true
	rows, err := cr.ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	return rows
}

func writeAll(tb testing.TB, path string, rows [][]string) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(rows)
	f.Close()
}

func TestLinkFilesFake1000(t *testing.T) {
	data := linkageFile(t, "splink_fake_1000.csv")
	out := t.TempDir()
	stdout, stderr, code := run(t, filepath.Join(t.TempDir(), "s.duckdb"), "link", "files", "--config", filepath.Join("..", "..", "examples", "fake_1000.json"), "--out", out, data)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	m := regexp.MustCompile(`pairwise precision (\S+) recall \S+ F1 (\S+)`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no evaluation in output:\n%s", stdout)
	}
	p, _ := strconv.ParseFloat(m[1], 64)
	f1, _ := strconv.ParseFloat(m[2], 64)
	if p < 0.95 || f1 < 0.85 {
		t.Errorf("fake_1000 precision %v F1 %v, want >= 0.95 and >= 0.85", p, f1)
	}
	var rep struct {
		Model struct {
			Comparisons []struct{ Name string } `json:"comparisons"`
		} `json:"model"`
	}
	js, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &rep); err != nil {
		t.Fatal(err)
	}
	for _, c := range rep.Model.Comparisons {
		if c.Name == "cluster" {
			t.Errorf("the truth column cluster is among the model's comparisons")
		}
	}
	if got, want := len(rep.Model.Comparisons), 5; got != want {
		t.Errorf("report.json has %d comparisons, want %d", got, want)
	}
	review := readAll(t, filepath.Join(out, "review.csv"))
	if got, want := strings.Join(review[0][6:], ","), "first_name,surname,dob,city,email,matched"; got != want {
		t.Errorf("review.csv comparison columns = %s, want %s", got, want)
	}
	for _, row := range review[1:] {
		for _, level := range row[6 : len(row)-1] {
			if !regexp.MustCompile(`^(null|exact|swapped|else|jw>=[0-9.]+|lev<=\d+|day-month transposed|one digit typo|within \d+ days)$`).MatchString(level) {
				t.Fatalf("review.csv shows %q: it must hold agreement levels, never values", level)
			}
		}
	}
}
