package pseudo

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"testing"
)

func testSecret(tb testing.TB, s string) *Secret {
	tb.Helper()
	sec, err := NewSecret([]byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return sec
}

func readSpec(tb testing.TB, path string) *Spec {
	tb.Helper()
	s, err := ReadSpecFile(path, "")
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// runFile pseudonymises in with the spec and secret into a temp folder and
// returns the options used (with the output paths) and the result.
func runFile(tb testing.TB, spec *Spec, secret *Secret, in string, edit func(*Options)) (Options, *Result, error) {
	tb.Helper()
	dir := tb.TempDir()
	o := Options{Spec: spec, Secret: secret, In: in, Out: filepath.Join(dir, "encoded.csv")}
	if edit != nil {
		edit(&o)
	}
	res, err := Run(context.Background(), o)
	return o, res, err
}

func readCSV(tb testing.TB, path string) []map[string]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(r) {
				m[h] = r[i]
			}
		}
		out = append(out, m)
	}
	return out
}

func ls(tb testing.TB, dir string) []string {
	tb.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}
