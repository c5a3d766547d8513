package normalise

import (
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// NHSNumber returns a 10-digit NHS number without spaces ("943 476 5919" →
// "9434765919") after checking its modulus-11 check digit. Spaces and
// hyphens between the digits are noise; anything else is an error, as is a
// number whose check digit does not match, whose check digit would be 10,
// or whose digits are all the same (a placeholder such as 0000000000).
func NHSNumber(s string) (string, error) {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '\t':
		default:
			return "", fault.Errorf(fault.Invalid, "%s is not an NHS number: it may hold only digits, spaces and hyphens", quote(s))
		}
	}
	d := b.String()
	if len(d) != 10 {
		return "", fault.Errorf(fault.Invalid, "%s is not an NHS number: it has %d digits, not 10", quote(s), len(d))
	}
	if strings.Count(d, d[:1]) == 10 {
		return "", fault.Errorf(fault.Invalid, "%s is a placeholder, not an NHS number", quote(s))
	}
	if c, ok := nhsCheckDigit(d[:9]); !ok || byte('0'+c) != d[9] {
		return "", fault.Errorf(fault.Invalid, "%s is not a valid NHS number: its check digit is wrong (mistyped?)", quote(s))
	}
	return d, nil
}

// nhsCheckDigit returns the modulus-11 check digit of the first nine digits
// of an NHS number, or false when it would be 10 (no valid number).
func nhsCheckDigit(nine string) (int, bool) {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (10 - i)
	}
	c := 11 - sum%11
	if c == 11 {
		c = 0
	}
	return c, c != 10
}

// NHSCheckDigit returns the check digit that completes a 9-digit NHS number
// prefix, and false when no digit does. Synthetic data generators use it to
// make valid numbers.
func NHSCheckDigit(nine string) (byte, bool) {
	if len(nine) != 9 || strings.Trim(nine, "0123456789") != "" {
		return 0, false
	}
	c, ok := nhsCheckDigit(nine)
	return byte('0' + c), ok
}
