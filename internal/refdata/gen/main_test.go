package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/civiclink/civiclink/internal/refdata"
)

// TestGeneratedUpToDate regenerates the embedded reference data into a
// temporary folder and compares it, decompressed, with the committed files:
// it fails when someone changed the generator or the shared data without
// running `go generate ./internal/refdata`.
func TestGeneratedUpToDate(t *testing.T) {
	src, err := refdata.Dir()
	if err != nil {
		t.Skipf("no shared data folder to regenerate from: %v", err)
	}
	tmp := t.TempDir()
	if _, err := generate(src, tmp); err != nil {
		t.Fatal(err)
	}
	want := gzFiles(t, tmp)
	got := gzFiles(t, filepath.Join("..", "data"))
	if !slices.Equal(got, want) {
		t.Fatalf("committed files %v, generator writes %v: run go generate ./internal/refdata", got, want)
	}
	for _, name := range want {
		a := gunzip(t, filepath.Join(tmp, name))
		b := gunzip(t, filepath.Join("..", "data", name))
		if !bytes.Equal(a, b) {
			t.Errorf("%s is out of date (%d bytes committed, %d generated): run go generate ./internal/refdata", name, len(b), len(a))
		}
	}
}

// TestGeneratedSizes keeps the embedded data a few megabytes, no file over
// 4 MB.
func TestGeneratedSizes(t *testing.T) {
	var total int64
	for _, name := range gzFiles(t, filepath.Join("..", "data")) {
		st, err := os.Stat(filepath.Join("..", "data", name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > maxFile {
			t.Errorf("%s is %d bytes, over %d", name, st.Size(), maxFile)
		}
		total += st.Size()
	}
	if total > 8<<20 {
		t.Errorf("embedded reference data is %d bytes, over 8 MB", total)
	}
	t.Logf("embedded reference data: %d bytes in %d files", total, len(files))
}

func TestReshapeCSV(t *testing.T) {
	in := []byte("a,b,c\n1,2,3\n4,5,6\n")
	cases := []struct {
		name string
		f    file
		want string
	}{
		{"columns", file{kind: columns, cols: []string{"c", "a"}}, "c,a\n3,1\n6,4\n"},
		{"blanked", file{kind: blanked, cols: []string{"b"}}, "a,b,c\n1,,3\n4,,6\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := reshapeCSV(in, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
	if _, err := reshapeCSV(in, file{kind: columns, cols: []string{"z"}}); err == nil {
		t.Errorf("a missing column was not refused")
	}
}

func gzFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".gz" {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	gz, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := refdata.Gunzip(gz)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return b
}
