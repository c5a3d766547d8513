package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadIntoExistingStore loads a county, then a later county of the same
// partnership (a monthly update) into the same store: datasets that exist
// get a new version, a repeated load changes nothing, and a dataset that
// exists under another partner is refused.
func TestLoadIntoExistingStore(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "s.duckdb")
	first, second := filepath.Join(dir, "first"), filepath.Join(dir, "second")
	secret := filepath.Join(first, "partner-secret.key")
	steps := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{"first county", []string{"synth", "--people", "300", "--seed", "5", "--quiet", "--out", first}, 0, nil},
		{"the update", []string{"synth", "--people", "300", "--seed", "6", "--quiet", "--out", second}, 0, nil},
		{"load into a new store", []string{"load", first}, 0, []string{"police_incidents", " v1 "}},
		{"load the update", []string{"load", "--secret-file", secret, second}, 0, []string{" v2 ", "a new version of the dataset"}},
		{"load it again", []string{"load", "--secret-file", secret, second}, 0, []string{"unchanged"}},
		{"dataset versions", []string{"dataset", "list"}, 0, []string{"police_incidents"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			out, errs, code := run(t, data, s.args...)
			if code != s.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, s.wantCode, out, errs)
			}
			for _, w := range s.want {
				if !strings.Contains(out, w) {
					t.Errorf("output does not contain %q:\n%s", w, out)
				}
			}
		})
	}
	out, _, _ := run(t, data, "dataset", "show", "police_incidents")
	if !strings.Contains(out, "version 2") {
		t.Errorf("police_incidents has no version 2 after the update:\n%s", out)
	}
}
