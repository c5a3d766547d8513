package normalise

import (
	"regexp"
	"strings"
	"unicode"

	"github.com/civiclink/civiclink/internal/fault"
)

// ukPostcode is the format of a UK postcode with its space removed: the
// outward code (area letters, district digits, an optional letter) and the
// inward code (a digit and two letters). Letters that the Royal Mail never
// uses in a position are excluded. GIR 0AA is the one exception.
var ukPostcode = regexp.MustCompile(`^(?:GIR0AA|(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])[0-9][ABD-HJLNP-UW-Z]{2})$`)

// Postcode returns a UK postcode in its canonical form, upper case with one
// space before the inward code ("cm11aa", " CM1  1AA " → "CM1 1AA"). It
// returns an error for anything that is not a validly formed postcode; it
// does not guess at a mistyped letter or digit (O for 0).
func Postcode(s string) (string, error) {
	var buf [9]byte
	n := 0
	for i := 0; i < len(s) && n < len(buf)-1; i++ {
		c := s[i]
		if c >= 0x80 {
			n = -1
			break
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	if n >= 5 && n <= 7 && ukPostcode.Match(buf[:n]) {
		copy(buf[n-2:n+1], buf[n-3:n])
		buf[n-3] = ' '
		return string(buf[:n+1]), nil
	}
	compact := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
	if compact == "" {
		return "", fault.Errorf(fault.Invalid, "the postcode is empty")
	}
	if !ukPostcode.MatchString(compact) {
		return "", fault.Errorf(fault.Invalid, "%s is not a valid UK postcode (expected a form such as CM1 1AA or SS0 9DX)", quote(s))
	}
	return compact[:len(compact)-3] + " " + compact[len(compact)-3:], nil
}
