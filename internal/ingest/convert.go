package ingest

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
)

// converter turns one non-empty text value into the typed value the store
// keeps, or says what was expected.
type converter func(s string) (any, error)

// converterFor returns the converter for a column's declared type.
func converterFor(c *catalog.Column) converter {
	switch c.Type {
	case catalog.TypeInteger:
		return convInteger
	case catalog.TypeDecimal:
		return convDecimal
	case catalog.TypeBoolean:
		return convBoolean
	case catalog.TypeDate:
		return dateConverter(c.Format)
	case catalog.TypeDatetime:
		return datetimeConverter(c.Format)
	case catalog.TypeCategory:
		return categoryConverter(c)
	case catalog.TypePostcode:
		return convPostcode
	case catalog.TypeLSOA:
		return convLSOA
	case catalog.TypeDistrict:
		return convDistrict
	case catalog.TypeToken:
		return convToken
	case catalog.TypeEncoding:
		return convEncoding
	default:
		return convString
	}
}

func convString(s string) (any, error) { return s, nil }

func convInteger(s string) (any, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("expected a whole number, got %s", quote(s))
	}
	return n, nil
}

func convDecimal(s string) (any, error) {
	t := strings.TrimSpace(s)
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || strings.ContainsAny(t, "nNiI") { // no NaN or Inf
		return nil, fmt.Errorf("expected a decimal number such as 12.5, got %s", quote(s))
	}
	return f, nil
}

func convBoolean(s string) (any, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "t", "yes", "y", "1":
		return true, nil
	case "false", "f", "no", "n", "0":
		return false, nil
	}
	return nil, fmt.Errorf("expected true/false (or yes/no, 1/0), got %s", quote(s))
}

func dateConverter(layout string) converter {
	want := "a date as YYYY-MM-DD"
	if layout == "" {
		layout = "2006-01-02"
	} else {
		want = "a date in the layout " + layout
	}
	return func(s string) (any, error) {
		t, err := time.Parse(layout, strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("expected %s, got %s", want, quote(s))
		}
		return t, nil
	}
}

var datetimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04"}

func datetimeConverter(layout string) converter {
	layouts := datetimeLayouts
	if layout != "" {
		layouts = []string{layout}
	}
	return func(s string) (any, error) {
		t := strings.TrimSpace(s)
		for _, l := range layouts {
			if v, err := time.Parse(l, t); err == nil {
				return v.UTC(), nil
			}
		}
		return nil, fmt.Errorf("expected a date-time such as 2024-03-01T14:30:00Z, got %s", quote(s))
	}
}

func categoryConverter(c *catalog.Column) converter {
	codes := make(map[string]bool, len(c.Codes))
	var list []string
	for _, k := range c.Codes {
		codes[k.Value] = true
		if len(list) < 12 {
			list = append(list, k.Value)
		}
	}
	hint := strings.Join(list, ", ")
	if len(c.Codes) > len(list) {
		hint += ", …"
	}
	return func(s string) (any, error) {
		if !codes[s] {
			return nil, fmt.Errorf("expected one of the code list (%s), got %s", hint, quote(s))
		}
		return s, nil
	}
}

// NormalisePostcode returns a UK postcode in its standard form ("CM1 1AA")
// or false when s is not a well-formed postcode.
func NormalisePostcode(s string) (string, bool) {
	var b [8]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'):
		default:
			return "", false
		}
		if n == len(b) {
			return "", false
		}
		b[n] = c
		n++
	}
	if n < 5 || n > 7 {
		return "", false
	}
	out, in := b[:n-3], b[n-3:n]
	if !isDigit(in[0]) || !isAlpha(in[1]) || !isAlpha(in[2]) || !validOutward(out) {
		return "", false
	}
	return string(out) + " " + string(in), true
}

// validOutward checks an outward code: A9, A9A, A99, AA9, AA9A or AA99.
func validOutward(o []byte) bool {
	if !isAlpha(o[0]) {
		return false
	}
	i := 1
	if isAlpha(o[1]) {
		i = 2
	}
	if i >= len(o) || !isDigit(o[i]) {
		return false
	}
	rest := o[i+1:]
	return len(rest) == 0 || (len(rest) == 1 && (isDigit(rest[0]) || isAlpha(rest[0])))
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'A' && c <= 'Z' }

func convPostcode(s string) (any, error) {
	p, ok := NormalisePostcode(s)
	if !ok {
		return nil, fmt.Errorf("expected a UK postcode such as CM1 1AA, got %s", quote(s))
	}
	return p, nil
}

// onsCode checks an ONS code: one letter, then 8 digits, with the given
// two-digit entity prefixes.
func onsCode(s string, prefixes ...string) bool {
	if len(s) != 9 || (s[0] != 'E' && s[0] != 'W' && s[0] != 'S' && s[0] != 'N') {
		return false
	}
	for i := 1; i < 9; i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	for _, p := range prefixes {
		if s[1:3] == p {
			return true
		}
	}
	return false
}

func convLSOA(s string) (any, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if !onsCode(t, "01") {
		return nil, fmt.Errorf("expected an LSOA code such as E01021203, got %s", quote(s))
	}
	return t, nil
}

func convDistrict(s string) (any, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	if !onsCode(t, "06", "07", "08", "09") {
		return nil, fmt.Errorf("expected a local authority district code such as E07000070, got %s", quote(s))
	}
	return t, nil
}

// convToken accepts a pseudonymous token: hex or base64 text of at least 16
// characters, as the pseudonymiser writes them.
func convToken(s string) (any, error) {
	if len(s) < 16 {
		return nil, fmt.Errorf("expected a pseudonymous token (hex or base64, 16+ characters), got %d characters", len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || isAlpha(c) || (c >= 'a' && c <= 'z') || c == '+' || c == '/' || c == '=' || c == '-' || c == '_' || c == ':') {
			return nil, fmt.Errorf("expected a pseudonymous token (hex or base64): character %d is not allowed", i+1)
		}
	}
	return s, nil
}

// convEncoding accepts a Bloom-filter encoding in standard base64.
func convEncoding(s string) (any, error) {
	if _, err := base64.StdEncoding.DecodeString(s); err != nil || len(s) < 4 {
		return nil, fmt.Errorf("expected a Bloom-filter encoding in standard base64, got %d characters that do not decode", len(s))
	}
	return s, nil
}

// quote shows a value in an error, shortened so an error never carries a
// whole record.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		return strconv.Quote(s[:max]) + "…"
	}
	return strconv.Quote(s)
}
