package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/synth"
)

func TestSynthCommand(t *testing.T) {
	data := filepath.Join(t.TempDir(), "s.duckdb")
	out := filepath.Join(t.TempDir(), "county")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"no out", []string{"synth", "--people", "10"}, 2, "--out DIR is required"},
		{"no people", []string{"synth", "--people", "0", "--out", out}, 2, "people must be between"},
		{"bad end", []string{"synth", "--people", "10", "--end", "2023-02-30", "--out", out}, 2, "is not a date"},
		{"small county", []string{"synth", "--people", "300", "--seed", "5", "--quiet", "--out", out}, 0, "300 people"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := run(t, data, tt.args...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout, stderr)
			}
			got := stdout
			if code != 0 {
				got = stderr
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("output %q does not contain %q", got, tt.want)
			}
		})
	}
	m, err := synth.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.People != 300 || m.Seed != 5 || len(m.Datasets) != len(synth.DatasetIDs()) {
		t.Errorf("manifest: people %d seed %d datasets %d", m.People, m.Seed, len(m.Datasets))
	}
	if _, err := os.Stat(filepath.Join(out, m.Truth)); err != nil {
		t.Errorf("truth file: %v", err)
	}
}
