// Package tempcheck makes a package's tests prove they leave nothing
// behind in the temporary directory: [Main] runs them with TMPDIR set to a
// fresh folder and fails the run when any civiclink-* file or folder is left
// in it (the demo's county holds identities and a partner's key; uploads
// and benchmarks hold partner data).
package tempcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Prefix is the name prefix of every temporary file and folder civiclink
// makes.
const Prefix = "civiclink-"

// Main runs m with TMPDIR set to a fresh folder and returns the exit code
// for os.Exit: m's, or 1 when civiclink-* entries were left behind. Use it
// as `func TestMain(m *testing.M) { os.Exit(tempcheck.Main(m)) }`.
func Main(m *testing.M) int {
	dir, err := os.MkdirTemp("", "tempcheck-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "tempcheck:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	old, had := os.LookupEnv("TMPDIR")
	os.Setenv("TMPDIR", dir)
	code := m.Run()
	if had {
		os.Setenv("TMPDIR", old)
	} else {
		os.Unsetenv("TMPDIR")
	}
	if left := Leftovers(dir); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "tempcheck: the tests left %d civiclink-* entries in the temporary directory: %v\n", len(left), left)
		return 1
	}
	return code
}

// Leftovers lists the civiclink-* entries in dir, sorted.
func Leftovers(dir string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, Prefix+"*"))
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	sort.Strings(m)
	return m
}
