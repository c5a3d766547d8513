package insight

import (
	"bytes"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/civiclink/civiclink/examples"
	"github.com/civiclink/civiclink/internal/fault"
)

// NamedCohorts returns the cohorts shipped with civiclink (examples/cohorts),
// by name.
func NamedCohorts() (map[string]*Cohort, error) {
	out := map[string]*Cohort{}
	files, err := fs.Glob(examples.FS, "cohorts/*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		b, err := examples.FS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		c, err := ParseCohort(bytes.NewReader(b))
		if err != nil {
			return nil, fault.Errorf(fault.Internal, "shipped cohort %s: %s", f, fault.Message(err))
		}
		out[c.Name] = c
	}
	return out, nil
}

// FindCohort returns a shipped cohort by name, or reads a definition file.
func FindCohort(nameOrFile string) (*Cohort, error) {
	named, err := NamedCohorts()
	if err != nil {
		return nil, err
	}
	if c, ok := named[nameOrFile]; ok {
		return c, nil
	}
	if _, err := os.Stat(nameOrFile); err == nil {
		return ReadCohortFile(nameOrFile)
	}
	var names []string
	for n := range named {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fault.Errorf(fault.NotFound, "no cohort %q: give a definition file or one of %s", nameOrFile, strings.Join(names, ", "))
}
