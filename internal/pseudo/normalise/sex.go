package normalise

import (
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Sex values after normalisation. Unknown is the empty string: a missing
// value, not a category that matches other unknowns.
const (
	Male          = "M"
	Female        = "F"
	Indeterminate = "X"
	Unknown       = ""
)

var sexCodes = map[string]string{
	"M": Male, "MALE": Male, "1": Male, "MAN": Male, "BOY": Male,
	"F": Female, "FEMALE": Female, "2": Female, "WOMAN": Female, "GIRL": Female,
	"X": Indeterminate, "I": Indeterminate, "INDETERMINATE": Indeterminate,
	"0": Unknown, "9": Unknown, "U": Unknown, "UNKNOWN": Unknown, "NOT KNOWN": Unknown, "NOT SPECIFIED": Unknown, "": Unknown,
}

// Sex returns M, F or X for a recorded sex in the usual spellings (M, Male,
// 1; F, Female, 2; X, I, Indeterminate) and "" for the codes that mean not
// known (0, 9, U, Unknown, blank), following the NHS data dictionary's
// person stated gender codes. extra maps further partner codes (upper case)
// to one of those results and wins over the defaults. Anything else is an
// error, so that an unexpected code is noticed rather than lost.
func Sex(s string, extra map[string]string) (string, error) {
	k := s
	if len(s) != 1 || s[0] >= 'a' {
		k = strings.ToUpper(strings.Join(strings.Fields(s), " "))
	}
	if v, ok := extra[k]; ok {
		return v, nil
	}
	if v, ok := sexCodes[k]; ok {
		return v, nil
	}
	return "", fault.Errorf(fault.Invalid, "%s is not a recognised sex code: use M/F/X (or 1/2/9), or map it with \"map\" in the linkage schema", quote(s))
}
