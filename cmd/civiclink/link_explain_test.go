package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinkExplainFromSavedRun links fake_1000 with --detail and --report,
// then explains pairs from the output folder alone: a matched pair, a
// pair blocking never proposed, and unknown ids, which are named.
func TestLinkExplainFromSavedRun(t *testing.T) {
	data := linkageFile(t, "splink_fake_1000.csv")
	out := t.TempDir()
	db := filepath.Join(t.TempDir(), "s.duckdb")
	report := filepath.Join(out, "report.html")
	_, stderr, code := run(t, db, "link", "files", "--config", filepath.Join("..", "..", "examples", "fake_1000.json"),
		"--out", out, "--detail", "--report", report, data)
	if code != 0 {
		t.Fatalf("link files exit %d: %s", code, stderr)
	}
	pairs := readAll(t, filepath.Join(out, "pairs.csv"))
	if got, want := strings.Join(pairs[0][6:8], ","), "first_name_level,first_name_weight"; got != want {
		t.Errorf("pairs.csv detail columns start %s, want %s", got, want)
	}
	review := readAll(t, filepath.Join(out, "review.csv"))
	below := 0
	for _, r := range review[1:] {
		if strings.HasPrefix(r[len(r)-1], "no: below the threshold") {
			below++
		}
	}
	if last := review[0][len(review[0])-1]; last != "matched" || below == 0 {
		t.Errorf("review.csv last column %q, %d rows below the threshold: want a matched column saying which are below", last, below)
	}
	if b, err := os.ReadFile(report); err != nil || !strings.Contains(string(b), `id="chart-waterfalls"`) {
		t.Errorf("no report with waterfalls at %s (%v)", report, err)
	}
	for _, tc := range []struct {
		a, b, want string
	}{
		{pairs[1][0], pairs[1][1], "threshold 0.2000: a match"},
		{"0", "999", "threshold 0.2000: not a match"},
	} {
		stdout, stderr, code := run(t, db, "link", "explain", "--run", out, tc.a, tc.b)
		if code != 0 {
			t.Fatalf("explain %s %s exit %d: %s", tc.a, tc.b, code, stderr)
		}
		if !strings.Contains(stdout, tc.want) || !strings.Contains(stdout, "prior") || !strings.Contains(stdout, "email") {
			t.Errorf("explain %s %s printed:\n%s\nwant a waterfall ending %q", tc.a, tc.b, stdout, tc.want)
		}
	}
	_, stderr, code = run(t, db, "link", "explain", "--run", out, "nobody-1", "0")
	if code == 0 || !strings.Contains(stderr, `no record "nobody-1"`) {
		t.Errorf("unknown id: exit %d, stderr %q; want an error naming nobody-1", code, stderr)
	}
}

func TestLinkBlockingSuggest(t *testing.T) {
	data := linkageFile(t, "splink_fake_1000.csv")
	db := filepath.Join(t.TempDir(), "s.duckdb")
	cfg := filepath.Join("..", "..", "examples", "fake_1000.json")
	written := filepath.Join(t.TempDir(), "chosen.json")
	stdout, stderr, code := run(t, db, "link", "blocking", "suggest", "--config", cfg, "--target", "0.9", "--write", written, data)
	if code != 0 {
		t.Fatalf("suggest exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "estimated recall") || !strings.Contains(stdout, "true recall") {
		t.Errorf("suggest printed no estimated and true recall:\n%s", stdout)
	}
	out := t.TempDir()
	if _, stderr, code := run(t, db, "link", "files", "--config", written, "--out", out, data); code != 0 {
		t.Errorf("link files with the written config: exit %d: %s", code, stderr)
	}
	stdout, stderr, code = run(t, db, "link", "blocking", "suggest", "--config", cfg, "--target", "0.99", "--max-comparisons", "1500", data)
	if code == 0 || !strings.Contains(stdout, "cannot be reached within 1500 comparisons") || !strings.Contains(stderr, "best found") {
		t.Errorf("unreachable target: exit %d\nstdout:\n%s\nstderr: %s", code, stdout, stderr)
	}
}
