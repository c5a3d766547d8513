package pseudo

import "github.com/civiclink/civiclink/internal/pseudo/normalise"

// The normalisers of package normalise, here for callers that work with
// pseudo alone (linkage evaluation on plain values, synthetic data). Each
// gives exactly what pseudonymise hashes for that kind of field.

// NormaliseName returns the canonical form of a forename or surname
// ([normalise.Name]); "" when no letter remains.
func NormaliseName(s string) string { return normalise.Name(s) }

// NormalisePostcode returns a valid UK postcode as "CM1 1AA"
// ([normalise.Postcode]).
func NormalisePostcode(s string) (string, error) { return normalise.Postcode(s) }

// NormaliseNHSNumber returns a valid NHS number as ten digits
// ([normalise.NHSNumber]).
func NormaliseNHSNumber(s string) (string, error) { return normalise.NHSNumber(s) }

// NormaliseSex returns M, F, X, or "" for not known ([normalise.Sex]).
func NormaliseSex(s string) (string, error) { return normalise.Sex(s, nil) }

// NormaliseDate returns the date in s as YYYY-MM-DD, read under the given
// layouts (normalise.DefaultDateFormats when none); an ambiguous or
// impossible date is an error ([normalise.DateParser]). For many values,
// make one parser with [normalise.NewDateParser] instead.
func NormaliseDate(s string, layouts ...string) (string, error) {
	p, err := normalise.NewDateParser(layouts, "", "")
	if err != nil {
		return "", err
	}
	return p.Parse(s)
}
