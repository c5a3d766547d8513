package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
)

func TestPseudonymiseCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "s.duckdb")
	key := filepath.Join(dir, "key")
	if err := os.WriteFile(key, []byte("a partner secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	loose := filepath.Join(dir, "loose")
	os.WriteFile(loose, []byte("a partner secret\n"), 0o600)
	os.Chmod(loose, 0o644)
	out := filepath.Join(dir, "encoded.csv")
	schema := "../../examples/linkage/people.json"
	in := "../../examples/linkage/people_sample.csv"
	steps := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"pseudonymise", "--schema", schema, "--secret-file", loose, "--in", in, "--out", out}, 3, "chmod 600"},
		{[]string{"pseudonymise", "--schema", schema, "--secret-file", key, "--in", in}, 2, "needs --schema, --secret-file, --in and --out"},
		{[]string{"pseudonymise", "--schema", schema, "--secret-file", key, "--in", in, "--out", out, "--format", "xml"}, 2, "format \"xml\""},
		{[]string{"pseudonymise", "--schema", schema, "--secret-file", key, "--in", in, "--out", out}, 0, "pseudonymised 4 rows"},
		{[]string{"pseudonymise", "--schema", "../../examples/linkage/clkhash_people_v3.json", "--id", "person_id", "--secret-file", key, "--in", in, "--out", filepath.Join(dir, "clks.json"), "--format", "clks-json"}, 0, "key ids: clk="},
	}
	for _, s := range steps {
		stdout, stderr, code := run(t, data, s.args...)
		if code != s.wantCode {
			t.Errorf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", s.args, code, s.wantCode, stdout, stderr)
			continue
		}
		got := stdout
		if code != 0 {
			got = stderr
		}
		if !strings.Contains(got, s.want) {
			t.Errorf("%v: output %q does not contain %q", s.args, got, s.want)
		}
		if strings.Contains(stdout+stderr, "a partner secret") {
			t.Errorf("%v printed the secret", s.args)
		}
	}
	if _, err := os.Stat(data); err == nil {
		t.Errorf("pseudonymise touched the store %s", data)
	}
	// The output schema is a valid catalog schema, and the output loads.
	if _, err := catalog.ReadSchemaFile(filepath.Join(dir, "encoded.schema.json")); err != nil {
		t.Fatalf("the output schema is not a catalog schema: %v", err)
	}
	for _, s := range [][]string{
		{"partner", "add", "--id", "nhs", "--name", "NHS trust"},
		{"dataset", "add", "--partner", "nhs", "--id", "people", "--schema", filepath.Join(dir, "encoded.schema.json")},
		{"user", "bootstrap", "--id", "tester", "--partner", "nhs", "--name", "Tester", "--roles", "data-owner", "--no-password"},
		{"ingest", "--dataset", "people", out},
	} {
		if stdout, stderr, code := run(t, data, s...); code != 0 {
			t.Errorf("%v: exit %d\n%s%s", s, code, stdout, stderr)
		}
	}
}
