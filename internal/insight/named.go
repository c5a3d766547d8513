package insight

import (
	"bytes"
	"os"
	"sort"
	"strings"

	"github.com/civiclink/civiclink/internal/definitions"
	"github.com/civiclink/civiclink/internal/fault"
)

// NamedCohorts returns the cohorts shipped with civiclink (internal/definitions/cohorts),
// by name.
func NamedCohorts() (map[string]*Cohort, error) {
	out := map[string]*Cohort{}
	files, err := definitions.Kind("cohorts")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		c, err := ParseCohort(bytes.NewReader(f.Data))
		if err != nil {
			return nil, fault.Errorf(fault.Internal, "shipped cohort %s: %s", f.Path, fault.Message(err))
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
