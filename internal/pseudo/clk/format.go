package clk

import (
	"encoding/binary"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/civiclink/civiclink/internal/fault"
)

// FormatValue checks a raw cell against the feature's format and returns
// the string clkhash tokenises: the value itself for string and enum,
// str(int(value)) for integer, the date re-written as %Y%m%d for date
// (with glibc's unpadded years below 1000). Missing values are handled by
// the caller before this.
func (f *Feature) FormatValue(v string) (string, error) {
	switch f.Format.Type {
	case "string":
		return v, f.validateString(v)
	case "enum":
		for _, e := range f.Format.Values {
			if v == e {
				return v, nil
			}
		}
		return "", fault.Errorf(fault.Invalid, "%s is not one of %s", quote(v), strings.Join(f.Format.Values, ", "))
	case "integer":
		s, ok := pyInt(v)
		if !ok {
			return "", fault.Errorf(fault.Invalid, "%s is not an integer", quote(v))
		}
		return s, f.checkRange(s)
	case "date":
		return formatDate(v, f.Format.DateFormat)
	}
	return "", fault.Errorf(fault.Internal, "unknown format %q", f.Format.Type)
}

func (f *Feature) validateString(v string) error {
	ft := &f.Format
	if !encodable(ft.Encoding, v) {
		return fault.Errorf(fault.Invalid, "%s cannot be encoded as %s", quote(v), ft.Encoding)
	}
	if ft.Pattern != nil {
		if !ft.Pattern.MatchString(v) {
			return fault.Errorf(fault.Invalid, "%s does not match the pattern %s", quote(v), ft.Pattern)
		}
		return nil
	}
	switch ft.Case {
	case "upper":
		if strings.ToUpper(v) != v {
			return fault.Errorf(fault.Invalid, "%s is not upper case", quote(v))
		}
	case "lower":
		if strings.ToLower(v) != v {
			return fault.Errorf(fault.Invalid, "%s is not lower case", quote(v))
		}
	}
	n := utf8.RuneCountInString(v)
	if n < ft.MinLength || (ft.MaxLength > 0 && n > ft.MaxLength) {
		return fault.Errorf(fault.Invalid, "%s has %d characters; the schema allows %d to %d", quote(v), n, ft.MinLength, ft.MaxLength)
	}
	return nil
}

func (f *Feature) checkRange(s string) error {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if f.Format.Minimum != nil || f.Format.Maximum != nil {
			return fault.Errorf(fault.Invalid, "%s is out of range", quote(s))
		}
		return nil
	}
	if f.Format.Minimum != nil && n < *f.Format.Minimum {
		return fault.Errorf(fault.Invalid, "%d is below the minimum %d", n, *f.Format.Minimum)
	}
	if f.Format.Maximum != nil && n > *f.Format.Maximum {
		return fault.Errorf(fault.Invalid, "%d is above the maximum %d", n, *f.Format.Maximum)
	}
	return nil
}

// pyIsSpace reports whether Python's str.strip() removes r: Unicode white
// space plus the separators U+001C to U+001F.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}

// pyInt returns str(int(v)) with Python's rules for base 10: surrounding
// white space, one sign, any Unicode decimal digits, single underscores
// between digits, leading zeros.
func pyInt(v string) (string, bool) {
	v = strings.TrimFunc(v, pyIsSpace)
	neg := false
	if v != "" && (v[0] == '+' || v[0] == '-') {
		neg = v[0] == '-'
		v = v[1:]
	}
	var b strings.Builder
	prevDigit := false
	for _, r := range v {
		if r == '_' {
			if !prevDigit {
				return "", false
			}
			prevDigit = false
			continue
		}
		d, ok := decimalDigit(r)
		if !ok {
			return "", false
		}
		if b.Len() > 0 || d != 0 {
			b.WriteByte(byte('0' + d))
		}
		prevDigit = true
	}
	if !prevDigit {
		return "", false
	}
	if b.Len() == 0 {
		return "0", true
	}
	if neg {
		return "-" + b.String(), true
	}
	return b.String(), true
}

// decimalDigit returns the value of a Unicode decimal digit (category Nd).
func decimalDigit(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	// Unicode keeps decimal digits in contiguous runs of ten from zero to
	// nine, and adjacent runs (the mathematical digits) are whole runs, so
	// the distance from the start of the block gives the value.
	z := r
	for z > 0 && unicode.Is(unicode.Nd, z-1) {
		z--
	}
	return int(r-z) % 10, true
}

// encoders maps a canonical codec name to a function that appends a token's
// bytes as Python's str.encode would, byte-order mark included.
var encoders = map[string]func([]byte, string) []byte{
	"utf-8":     func(b []byte, s string) []byte { return append(b, s...) },
	"ascii":     func(b []byte, s string) []byte { return append(b, s...) },
	"latin-1":   appendLatin1,
	"utf-16":    func(b []byte, s string) []byte { return appendUTF16(append(b, 0xff, 0xfe), s) },
	"utf-16-le": appendUTF16,
	"utf-32":    func(b []byte, s string) []byte { return appendUTF32(append(b, 0xff, 0xfe, 0, 0), s) },
	"utf-32-le": appendUTF32,
}

func canonicalEncoding(e string) string {
	switch e {
	case "utf8":
		return "utf-8"
	case "latin1", "iso-8859-1":
		return "latin-1"
	}
	return e
}

func encodable(enc, s string) bool {
	switch enc {
	case "ascii":
		for i := 0; i < len(s); i++ {
			if s[i] >= 0x80 {
				return false
			}
		}
	case "latin-1":
		for _, r := range s {
			if r > 0xff {
				return false
			}
		}
	}
	return true
}

func appendLatin1(b []byte, s string) []byte {
	for _, r := range s {
		b = append(b, byte(r))
	}
	return b
}

func appendUTF16(b []byte, s string) []byte {
	for _, r := range s {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			b = binary.LittleEndian.AppendUint16(b, uint16(r1))
			b = binary.LittleEndian.AppendUint16(b, uint16(r2))
			continue
		}
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

func appendUTF32(b []byte, s string) []byte {
	for _, r := range s {
		b = binary.LittleEndian.AppendUint32(b, uint32(r))
	}
	return b
}

// quote shows a value in an error, shortened.
func quote(s string) string {
	if len(s) > 40 {
		return strconv.Quote(s[:40]) + "…"
	}
	return strconv.Quote(s)
}
