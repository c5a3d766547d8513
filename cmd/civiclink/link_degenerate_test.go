package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLinkFilesDegenerate refuses to estimate a model from a header-only
// file, a file too small, or files whose blocking proposes no pair, and
// warns when EM does not converge.
func TestLinkFilesDegenerate(t *testing.T) {
	dir := t.TempDir()
	writePeople(t, filepath.Join(dir, "people.csv"), 60)
	a := pseudonymised(t, dir, "the first partner secret", "a")
	b := pseudonymised(t, dir, "another partner secret", "b")
	c := pseudonymised(t, dir, "the first partner secret", "c")
	os.Remove(schemaBeside(a)) // without key ids, nothing stops the comparison
	os.Remove(schemaBeside(b))
	os.Remove(schemaBeside(c))
	rows := readAll(t, a)
	header, one := filepath.Join(dir, "header.csv"), filepath.Join(dir, "one.csv")
	writeAll(t, header, rows[:1])
	writeAll(t, one, rows[:2])
	unsettled := filepath.Join(dir, "unsettled.json")
	cfg, err := os.ReadFile("testdata/encoded_link.json")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(unsettled, []byte(strings.Replace(string(cfg), `"threshold": 0.5`, `"threshold": 0.5, "em_iterations": 1`, 1)), 0o600)
	tests := []struct {
		name     string
		config   string
		files    []string
		wantCode int
		want     string
	}{
		{"header only", "testdata/encoded_link.json", []string{header}, 2, "header has no records"},
		{"header only beside a file", "testdata/encoded_link.json", []string{a, header}, 2, "header has no records"},
		{"one row", "testdata/encoded_link.json", []string{one}, 2, "only 1 records to link: estimating the model needs at least 20"},
		{"no candidate pairs", "testdata/encoded_link.json", []string{a, b}, 2, "blocking proposed no candidate pairs out of 3600"},
		{"EM unsettled", unsettled, []string{a, c}, 0, "warning: EM did not converge in 1 iterations"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			stdout, stderr, code := run(t, filepath.Join(dir, "s.duckdb"), append([]string{"link", "files", "--config", tt.config, "--out", out}, tt.files...)...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.want) {
				t.Fatalf("exit %d, want %d with %q on stderr\nstdout: %s\nstderr: %s", code, tt.wantCode, tt.want, stdout, stderr)
			}
			if _, err := os.Stat(filepath.Join(out, "report.json")); (err == nil) != (tt.wantCode == 0) {
				t.Errorf("report.json written = %v, want %v", err == nil, tt.wantCode == 0)
			}
		})
	}
}
