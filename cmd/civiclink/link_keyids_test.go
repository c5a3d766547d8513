package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/pseudo"
)

// writePeople writes n made-up people (with the columns of
// examples/linkage/people.json) to path.
func writePeople(tb testing.TB, path string, n int) {
	tb.Helper()
	fore := []string{"Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo", "Freya", "Oscar"}
	sur := []string{"Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hall"}
	rows := [][]string{{"person_id", "forename", "surname", "dob", "sex", "postcode", "nhs_number"}}
	for i := range n {
		rows = append(rows, []string{fmt.Sprintf("p%03d", i), fore[i%len(fore)], sur[i*7%len(sur)],
			fmt.Sprintf("19%02d-%02d-%02d", 40+i%60, 1+i%12, 1+i%28), []string{"F", "M"}[i%2], fmt.Sprintf("CM%d %dAB", 1+i%9, i%10), ""})
	}
	writeAll(tb, path, rows)
}

// pseudonymised pseudonymises people.csv in dir with the secret into
// name.csv (and name.schema.json beside it) and returns its path.
func pseudonymised(t *testing.T, dir, secret, name string) string {
	t.Helper()
	key := filepath.Join(dir, name+".key")
	if err := os.WriteFile(key, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name+".csv")
	args := []string{"pseudonymise", "--schema", "../../examples/linkage/people.json", "--secret-file", key,
		"--in", filepath.Join(dir, "people.csv"), "--out", out}
	if stdout, stderr, code := run(t, filepath.Join(dir, "s.duckdb"), args...); code != 0 {
		t.Fatalf("pseudonymise: exit %d\n%s%s", code, stdout, stderr)
	}
	return out
}

// TestLinkFilesKeyIDs refuses to link files whose compared columns carry
// different key ids (different secrets), or a key id against none, naming
// both files, the column and the key ids; files made with one secret link.
func TestLinkFilesKeyIDs(t *testing.T) {
	dir := t.TempDir()
	writePeople(t, filepath.Join(dir, "people.csv"), 60)
	a := pseudonymised(t, dir, "the first partner secret", "a")
	b := pseudonymised(t, dir, "another partner secret", "b")
	same := pseudonymised(t, dir, "the first partner secret", "same")
	bare := filepath.Join(dir, "bare.csv")
	data, err := os.ReadFile(same)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(bare, data, 0o600) // the same encodings, without their schema
	keyID := func(path, col string) string {
		s, err := catalog.ReadSchemaFile(schemaBeside(path))
		if err != nil {
			t.Fatal(err)
		}
		return pseudo.SchemaKeyIDs(s)[col]
	}
	tests := []struct {
		name     string
		files    []string
		wantCode int
		want     []string
	}{
		{"different secrets", []string{a, b}, 2, []string{a, b, "bf_dob", keyID(a, "bf_dob"), keyID(b, "bf_dob"), "different secrets"}},
		{"a key id against none", []string{a, bare}, 2, []string{a, bare, "bf_dob", keyID(a, "bf_dob"), "has none", "bare.schema.json"}},
		{"the same secret", []string{a, same}, 0, []string{"60 clusters"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			stdout, stderr, code := run(t, filepath.Join(dir, "s.duckdb"), append([]string{"link", "files", "--config", "testdata/encoded_link.json", "--out", out}, tt.files...)...)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout+stderr, w) {
					t.Errorf("output does not name %q:\n%s%s", w, stdout, stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "pairs.csv")); (err == nil) != (tt.wantCode == 0) {
				t.Errorf("pairs.csv written = %v, want %v", err == nil, tt.wantCode == 0)
			}
		})
	}
}
