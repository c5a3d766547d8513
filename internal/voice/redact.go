package voice

import (
	"encoding/json"
	"regexp"
	"strings"
	"unicode"
)

// Text is free text after redaction. The only ways to make one are
// [Redact] and JSON decoding (which redacts too), so a value of this type
// never holds an identifier the scanner knows: the store takes and
// returns Texts, never strings.
type Text struct {
	s       string
	markers int
}

// String returns the redacted text.
func (t Text) String() string { return t.s }

// Markers returns how many identifiers were replaced by a marker.
func (t Text) Markers() int { return t.markers }

// IsZero reports whether the text is empty.
func (t Text) IsZero() bool { return t.s == "" }

// MarshalJSON writes the redacted text.
func (t Text) MarshalJSON() ([]byte, error) { return json.Marshal(t.s) }

// UnmarshalJSON reads a string and redacts it.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*t = Redact(s)
	return nil
}

// Identifier is one kind of identifier the scanner replaces, with the
// marker it leaves.
type Identifier struct {
	// Marker replaces each match, e.g. "[email]".
	Marker string
	// What says what is caught, for the docs and the capture form.
	What string
	re   *regexp.Regexp
	// needs, when set, is a cheap test that the text could hold the
	// identifier at all (a digit, an @); the pattern is skipped otherwise.
	needs func(s string) bool
	// digits says the identifier always has a digit.
	digits bool
	// keep, when set, rejects a match (e.g. a failed checksum): the text
	// is left for later identifiers, ending with the catch-all for long
	// numbers.
	keep func(match string) bool
}

// Identifiers lists what [Redact] replaces, in the order it scans.
// Email addresses come before web addresses (a domain inside an address)
// and checksummed numbers before phone numbers and the catch-all.
var Identifiers = []Identifier{
	{Marker: "[email]", What: "email addresses, also written with (at) or [at]", needs: func(s string) bool {
		return strings.Contains(s, "@") || strings.Contains(strings.ToLower(s), "at)") || strings.Contains(strings.ToLower(s), "at]")
	},
		re: regexp.MustCompile(`(?i)[a-z0-9._%+-]+\s*(?:@|\(at\)|\[at\])\s*[a-z0-9-]+(?:\s*(?:\.|\(dot\)|\[dot\])\s*[a-z0-9-]+)*\s*(?:\.|\(dot\)|\[dot\])\s*[a-z]{2,}`)},
	{Marker: "[url]", What: "web addresses (http://, https://, www. or a name ending .uk, .com, .org, .net, .io, .info)", needs: func(s string) bool { return strings.Contains(s, ".") },
		re: regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"]+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:co\.uk|org\.uk|gov\.uk|nhs\.uk|ac\.uk|uk|com|org|net|io|info)\b(?:/[^\s<>"]*)?`)},
	{Marker: "[ni-number]", digits: true, What: "National Insurance numbers",
		re: regexp.MustCompile(`(?i)\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b`)},
	{Marker: "[card-number]", digits: true, What: "payment card numbers (13–19 digits passing the Luhn check)",
		re: regexp.MustCompile(`\b\d(?:[ -]?\d){12,18}\b`), keep: func(m string) bool { return !luhn(digits(m)) }},
	{Marker: "[nhs-number]", digits: true, What: "NHS numbers (10 digits passing the modulus 11 check, spaced or not)",
		re: regexp.MustCompile(`\b\d{3}[ -]?\d{3}[ -]?\d{4}\b`), keep: func(m string) bool { return !NHSNumberValid(digits(m)) }},
	{Marker: "[phone]", digits: true, What: "UK telephone numbers (+44 or 0, 10 or 11 digits, spaced, dashed or bracketed)",
		re:   regexp.MustCompile(`(?:\+\s?44\s?(?:\(0\)\s?)?|\(?\b0)\d[\d\s()-]{7,14}\d\b`),
		keep: func(m string) bool { n := len(digits(m)); return n < 10 || n > 13 }},
	{Marker: "[postcode]", digits: true, What: "full postcodes (a postcode district such as CM1 alone is kept)",
		re: regexp.MustCompile(`(?i)\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2})\b`)},
	{Marker: "[date]", digits: true, What: "full dates such as a date of birth (12/03/1980, 12-3-80)",
		re: regexp.MustCompile(`\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b`)},
	{Marker: "[ip-address]", digits: true, What: "IP addresses",
		re: regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)},
	{Marker: "[vehicle-reg]", digits: true, What: "vehicle registrations in the current format (AB12 CDE)",
		re: regexp.MustCompile(`\b[A-Z]{2}\d{2}\s?[A-Z]{3}\b`)},
	{Marker: "[handle]", What: "social media handles (@name)", needs: func(s string) bool { return strings.Contains(s, "@") },
		re: regexp.MustCompile(`(?i)(?:^|[^a-z0-9_\]])@[a-z0-9_]{2,30}\b`)},
	{Marker: "[number]", digits: true, What: "any other run of 8 or more digits (reference, account or mistyped NHS numbers)",
		re: regexp.MustCompile(`\d(?:[ -]?\d){7,}`)},
}

// Redact returns raw with every identifier in [Identifiers] replaced by
// its marker. It is idempotent: markers match no identifier, so redacting
// a Text's string again changes nothing.
func Redact(raw string) Text {
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return ' '
		}
		return r
	}, raw)
	// A marker can make a word boundary that lets an earlier identifier
	// match (AA000000A00000000: the number goes first, then the NI
	// number is whole): scan again until nothing changes.
	n := 0
	for pass := 0; pass < 4; pass++ {
		k := 0
		s, k = redactPass(s)
		if n += k; k == 0 {
			break
		}
	}
	return Text{s: strings.TrimSpace(s), markers: n}
}

// redactPass runs every identifier over s once, returning the text and how
// many markers it placed.
func redactPass(s string) (string, int) {
	n := 0
	hasDigit := strings.ContainsAny(s, "0123456789")
	for _, id := range Identifiers {
		if id.needs != nil && !id.needs(s) || id.digits && !hasDigit {
			continue
		}
		s = id.re.ReplaceAllStringFunc(s, func(m string) string {
			if id.keep != nil && id.keep(m) {
				return m
			}
			n++
			// Keep what a lookbehind-free pattern matched before the
			// identifier (the handle's leading space).
			if id.Marker == "[handle]" {
				if i := strings.IndexByte(m, '@'); i > 0 {
					return m[:i] + id.Marker
				}
			}
			return id.Marker
		})
	}
	return s, n
}

// NHSNumberValid reports whether d, ten digits, passes the NHS number's
// modulus 11 check.
func NHSNumberValid(d string) bool {
	if len(d) != 10 {
		return false
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(d[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(d[9]-'0')
}

// luhn reports whether d passes the Luhn check of card numbers.
func luhn(d string) bool {
	if len(d) < 13 {
		return false
	}
	sum := 0
	for i := 0; i < len(d); i++ {
		v := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return sum%10 == 0
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
