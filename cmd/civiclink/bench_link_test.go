package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/demo"
)

// TestBenchLink links a small county on encoded and plain identifiers and
// checks both are scored against the truth, with the gap between them.
func TestBenchLink(t *testing.T) {
	data := filepath.Join(t.TempDir(), "s.duckdb")
	work := filepath.Join(t.TempDir(), "county")
	stdout, stderr, code := run(t, data, "bench", "link", "--people", "400", "--seed", "3", "--work", work, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var r demo.LinkBenchResult
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &r); err != nil {
		t.Fatalf("last line is not the JSON result: %v\n%s", err, stdout)
	}
	if r.Encoded == nil || r.Plain == nil {
		t.Fatalf("want an encoded and a plain run, got %+v", r)
	}
	for _, run := range []*demo.LinkBenchRun{r.Encoded, r.Plain} {
		if run.Records == 0 || run.F1 < 0.9 {
			t.Errorf("%s: %d records, F1 %.4f: want records linked with F1 >= 0.9", run.Identifiers, run.Records, run.F1)
		}
	}
	if got, want := r.Gap, r.Plain.F1-r.Encoded.F1; got != want {
		t.Errorf("gap %v, want plain minus encoded %v", got, want)
	}
	if !strings.Contains(stdout, "F1 gap (plain - encoded)") {
		t.Errorf("stdout has no gap line:\n%s", stdout)
	}
	// A second run reuses the prepared county.
	if _, stderr, code := run(t, data, "bench", "link", "--people", "400", "--seed", "3", "--work", work, "--encoded-only"); code != 0 || strings.Contains(stderr, "generating") {
		t.Errorf("second run: exit %d, stderr %q: want the county reused", code, stderr)
	}
}
