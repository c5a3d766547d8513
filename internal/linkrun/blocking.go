package linkrun

import (
	"slices"
	"strings"

	"github.com/civiclink/civiclink/internal/link"
)

// filterPairs are the pairs of per-field Bloom filters whose exact
// agreement proposes a pair: any two of name, date of birth and postcode,
// except surname with postcode, which proposes every member of a
// household and buys almost no recall (docs/linkage.md, Blocking).
var filterPairs = [][2]string{
	{"bf_forename", "bf_surname"},
	{"bf_forename", "bf_dob"},
	{"bf_surname", "bf_dob"},
	{"bf_dob", "bf_postcode"},
	{"bf_forename", "bf_postcode"},
}

// namesBlockCap caps blocks of forename and surname alone. A larger block
// is mostly different people who share a common name (one person's records
// are found by the other rules as well), so it is skipped: on the
// 100,000-person county a cap of 20 raised F1 from 0.986 (cap 150) to
// 0.989, and at Essex scale a cap of 150 let this one rule propose half of
// all 147 million candidate pairs.
const namesBlockCap = 20

// namesLSH is the fuzzy rule: the same date of birth and forename and
// surname filters alike on one of 8 bands of 16 sampled bits, for names
// mistyped on both sides.
var namesLSH = link.LSHSpec{Fields: []string{"bf_forename", "bf_surname"}, Bands: 8, BandBits: 16, Seed: 1}

// DefaultBlocking is the blocking of [DefaultConfig] for the identifier
// fields present: exact agreement on every keyed token (the partners only
// tokenise high-entropy combinations), exact agreement on two per-field
// Bloom filters, and locality-sensitive hashing of the name filters within
// a date of birth. Every key is computed on the platform from the
// pseudonymous columns; none needs a low-entropy token.
func DefaultBlocking(fields []string) []link.BlockingRule {
	var rules []link.BlockingRule
	for _, f := range fields {
		if strings.HasPrefix(f, "tok_") {
			rules = append(rules, link.BlockingRule{Name: f, Keys: []link.KeyPart{{Field: f, Raw: true}}})
		}
	}
	has := func(fs ...string) bool {
		for _, f := range fs {
			if !slices.Contains(fields, f) {
				return false
			}
		}
		return true
	}
	for _, p := range filterPairs {
		if has(p[0], p[1]) {
			r := link.BlockingRule{Name: strings.TrimPrefix(p[0], "bf_") + "+" + strings.TrimPrefix(p[1], "bf_"),
				Keys: []link.KeyPart{{Field: p[0], Raw: true}, {Field: p[1], Raw: true}}}
			if p == [2]string{"bf_forename", "bf_surname"} {
				r.MaxBlockSize = namesBlockCap
			}
			rules = append(rules, r)
		}
	}
	if has("bf_dob", "bf_forename", "bf_surname") {
		spec := namesLSH
		rules = append(rules, link.BlockingRule{Name: "dob+names~lsh", Keys: []link.KeyPart{{Field: "bf_dob", Raw: true}}, LSH: &spec})
	}
	return rules
}
