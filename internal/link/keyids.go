package link

import (
	"fmt"
	"slices"
	"sort"

	"github.com/civiclink/civiclink/internal/fault"
)

// KeyedInput is one linkage input's key ids: the name each pseudonymised
// column carries of the secret and settings it was made with
// (docs/pseudonymisation.md). Columns with equal key ids are comparable;
// columns whose key ids differ were made with different secrets, projects
// or settings, and comparing them finds nothing while looking like a
// result.
type KeyedInput struct {
	// Name is the input as the user knows it: a file or a dataset.
	Name string
	// KeyIDs maps a column to its key id; a column not in it has none.
	KeyIDs map[string]string
	// From says where the key ids were read (a schema file, the dataset's
	// schema), for messages.
	From string
	// Columns are the columns the input has; nil means every compared
	// field (a file must have them all). An input without a column is not
	// compared on it.
	Columns []string
}

// CheckKeyIDs refuses a linkage under cfg that would compare a field
// across inputs whose key ids differ, or where one input's column has a
// key id and another's has none. The error names both inputs, the column
// and both key ids.
func CheckKeyIDs(cfg Config, inputs []KeyedInput) error {
	var cols []string
	seen := map[string]bool{}
	for _, in := range inputs {
		for c := range in.KeyIDs {
			if !seen[c] && cfg.UsesField(c) {
				seen[c] = true
				cols = append(cols, c)
			}
		}
	}
	sort.Strings(cols)
	for _, c := range cols {
		i := slices.IndexFunc(inputs, func(in KeyedInput) bool { return in.KeyIDs[c] != "" })
		first := inputs[i]
		for _, in := range inputs {
			if in.Columns != nil && !slices.Contains(in.Columns, c) {
				continue
			}
			if id := in.KeyIDs[c]; id != first.KeyIDs[c] {
				return keyIDError(c, first, in)
			}
		}
	}
	return nil
}

func keyIDError(col string, a, b KeyedInput) error {
	idB := b.KeyIDs[col]
	if idB == "" {
		return fault.Errorf(fault.Invalid, "column %s of %s has key id %s (from %s) but column %s of %s has none (%s): "+
			"an encoding can only be compared with one made with the same secret and linkage schema; pseudonymise %s with them",
			col, a.Name, a.KeyIDs[col], a.From, col, b.Name, describeFrom(b), b.Name)
	}
	return fault.Errorf(fault.Invalid, "column %s of %s (key id %s) and column %s of %s (key id %s) were pseudonymised with different secrets, projects or settings, so they cannot be compared: "+
		"pseudonymise both files with the same secret file and the same linkage schema",
		col, a.Name, a.KeyIDs[col], col, b.Name, idB)
}

func describeFrom(in KeyedInput) string {
	if in.From == "" {
		return "no key ids were found for it"
	}
	return fmt.Sprintf("not in %s", in.From)
}
