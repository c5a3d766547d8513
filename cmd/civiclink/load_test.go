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

// TestLoadChecksEveryDataset loads an update into a store that has users:
// a county data owner may not load the police's datasets, so the whole
// load is refused before anything is written (and the refusal is on the
// audit log); with --partner county only the county's datasets get a new
// version, each with its own audit entry by that user.
func TestLoadChecksEveryDataset(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "s.duckdb")
	first, second := filepath.Join(dir, "first"), filepath.Join(dir, "second")
	secret := filepath.Join(first, "partner-secret.key")
	for _, args := range [][]string{
		{"synth", "--people", "300", "--seed", "5", "--quiet", "--out", first},
		{"synth", "--people", "300", "--seed", "6", "--quiet", "--out", second},
		{"load", first},
		{"user", "bootstrap", "--id", "c.owner", "--partner", "county", "--name", "Owner", "--roles", "data-owner", "--no-password"},
		{"--user", "c.owner", "user", "add", "--id", "c.analyst", "--partner", "county", "--name", "Analyst", "--roles", "analyst", "--no-password"},
	} {
		if out, errs, code := run(t, data, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	versions := func(id string) string {
		out, _, _ := run(t, data, "--user", "c.owner", "dataset", "show", id)
		return out
	}
	steps := []struct {
		name, user string
		args       []string
		wantCode   int
		want       string
	}{
		{"an analyst may load nothing", "c.analyst", []string{"load", "--secret-file", secret, second}, 1, "only a data owner"},
		{"the county's owner may not load the police's data", "c.owner", []string{"load", "--secret-file", secret, second}, 1, `dataset "police_incidents"`},
		{"the county's owner loads the county's", "c.owner", []string{"load", "--partner", "county", "--secret-file", secret, second}, 0, "a new version of the dataset"},
		{"a partner with no datasets", "c.owner", []string{"load", "--partner", "nobody", "--secret-file", secret, second}, 0, ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			out, errs, code := run(t, data, append([]string{"--user", s.user}, s.args...)...)
			if s.name == "a partner with no datasets" {
				if code == 0 || !strings.Contains(errs, `no datasets of partner "nobody"`) {
					t.Errorf("exit %d, want a refusal naming the partner: %s%s", code, out, errs)
				}
				return
			}
			if (code == 0) != (s.wantCode == 0) || !strings.Contains(out+errs, s.want) {
				t.Fatalf("exit %d (want %d), output without %q:\n%s%s", code, s.wantCode, s.want, out, errs)
			}
			if s.wantCode != 0 && strings.Contains(versions("school_census")+versions("police_incidents"), "version 2") {
				t.Errorf("a refused load left a new version behind")
			}
		})
	}
	if !strings.Contains(versions("school_census"), "version 2") || strings.Contains(versions("police_incidents"), "version 2") {
		t.Errorf("after --partner county: school_census should have version 2 and police_incidents not:\n%s\n%s", versions("school_census"), versions("police_incidents"))
	}
	out, _, _ := run(t, data, "--user", "c.owner", "audit", "list", "--action", "ingest")
	for _, want := range []string{"dataset:school_census@2", "denied"} {
		if !strings.Contains(out, want) {
			t.Errorf("the audit log has no %q among the loads:\n%s", want, out)
		}
	}
}
