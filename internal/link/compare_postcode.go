package link

import "strings"

// postcodeParts holds a postcode (upper case, no spaces) and its nested
// parts, finest first: for a UK
// postcode the sector (outward code and first inward digit), district
// (outward code) and area (its letters); for others, the value less one,
// two and three trailing characters.
type postcodeParts [4]string

func splitPostcode(v string) postcodeParts {
	s := strings.ToUpper(strings.ReplaceAll(v, " ", ""))
	if uk, ok := ukPostcode(s); ok {
		return uk
	}
	p := postcodeParts{s}
	for i := 1; i < len(p); i++ {
		if n := len(s) - i; n > 0 {
			p[i] = s[:n]
		}
	}
	return p
}

// ukPostcode splits a UK postcode written without spaces (inward code:
// digit and two letters).
func ukPostcode(s string) (postcodeParts, bool) {
	n := len(s)
	if n < 5 || n > 7 || !isDigit(s[n-3]) || !isLetter(s[n-2]) || !isLetter(s[n-1]) || !isLetter(s[0]) {
		return postcodeParts{}, false
	}
	out := s[:n-3]
	area := 1
	if isLetter(out[1]) {
		area = 2
	}
	return postcodeParts{s, out + s[n-3:n-2], out, out[:area]}, true
}

// District returns the postcode district of v: the outward code of a UK
// postcode, else its first n characters (all when shorter).
func District(v string, n int) string {
	s := strings.ToUpper(strings.ReplaceAll(v, " ", ""))
	if uk, ok := ukPostcode(s); ok {
		return uk[2]
	}
	if n <= 0 {
		n = 3
	}
	return s[:min(n, len(s))]
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }

// postcodeCmp levels postcodes: exact, same sector, same district, same
// area, else.
type postcodeCmp struct {
	coded
	parts []postcodeParts
}

func newPostcode(_ ComparisonSpec, col *Column) (Comparer, error) {
	c := &postcodeCmp{parts: make([]postcodeParts, len(col.Values))}
	for i, v := range col.Values {
		c.parts[i] = splitPostcode(v)
	}
	c.coded = coded{col, baseLevels("sector", "district", "area")}
	return c, nil
}

func (c *postcodeCmp) Compare(a, b int) int {
	ca, cb, l, done := c.pre(a, b)
	if done {
		return l
	}
	x, y := &c.parts[ca], &c.parts[cb]
	for i := range x {
		if x[i] != "" && x[i] == y[i] {
			return 1 + i
		}
	}
	return 5
}
