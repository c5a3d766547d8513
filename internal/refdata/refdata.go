// Package refdata finds the partnership's shared reference data (Essex
// geography, name frequencies, linkage test sets): the folder shared/data
// that sits beside the project checkout. The files are read from there and
// never copied into the repository.
package refdata

import (
	"os"
	"path/filepath"

	"github.com/civiclink/civiclink/internal/fault"
)

// EnvVar names the environment variable that overrides the search.
const EnvVar = "CIVICLINK_REFDATA"

// Dir returns the reference data folder: $CIVICLINK_REFDATA when set, else
// the first shared/data found beside the working directory or the
// executable, or beside one of their parents.
func Dir() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		if isDir(d) {
			return d, nil
		}
		return "", fault.Errorf(fault.Invalid, "%s=%s is not a folder", EnvVar, d)
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, s := range starts {
		for d := s; ; d = filepath.Dir(d) {
			if c := filepath.Join(d, "shared", "data"); isDir(c) {
				return c, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", fault.Errorf(fault.NotFound, "cannot find the reference data folder shared/data beside the checkout; set %s to its path", EnvVar)
}

// Path returns the path of a file under the reference data folder, e.g.
// Path("geography_lookups", "essex_lad_lookup.csv").
func Path(parts ...string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(append([]string{d}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		return "", fault.Errorf(fault.NotFound, "reference file %s is missing from %s", filepath.Join(parts...), d)
	}
	return p, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
