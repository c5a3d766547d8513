package refdata

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

func TestReadFileEmbedded(t *testing.T) {
	t.Setenv(EnvVar, "")
	b, err := ReadFile("geography_lookups/essex_lad_lookup.csv")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(b), "\n"); lines != 15 {
		t.Errorf("district lookup: got %d lines, want a header and 14 districts", lines)
	}
	if got := Source(); got != "embedded" {
		t.Errorf("Source() = %q, want embedded", got)
	}
}

func TestReadFileOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "x", "plain.csv"), []byte("a\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("b\n2\n"))
	zw.Close()
	if err := os.WriteFile(filepath.Join(dir, "x", "packed.csv.gz"), gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvVar, dir)
	cases := []struct {
		name, want string
		code       string
	}{
		{"x/plain.csv", "a\n1\n", ""},
		{"x/packed.csv", "b\n2\n", ""},
		{"geography_lookups/essex_lad_lookup.csv", "", fault.NotFound}, // the override replaces, not adds
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := ReadFile(c.name)
			if c.code != "" {
				if fault.Code(err) != c.code || !strings.Contains(fault.Message(err), dir) {
					t.Fatalf("got %v, want %s naming %s", err, c.code, dir)
				}
				return
			}
			if err != nil || string(b) != c.want {
				t.Errorf("got %q, %v; want %q", b, err, c.want)
			}
		})
	}
	t.Setenv(EnvVar, filepath.Join(dir, "nope"))
	if _, err := ReadFile("x/plain.csv"); fault.Code(err) != fault.Invalid || !strings.Contains(fault.Message(err), EnvVar) {
		t.Errorf("a missing override folder: got %v, want an Invalid error naming %s", err, EnvVar)
	}
}
