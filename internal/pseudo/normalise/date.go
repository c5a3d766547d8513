package normalise

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/civiclink/civiclink/internal/fault"
)

// DefaultDateFormats are the date layouts accepted when a linkage schema
// names none: ISO 8601 and the British day-first forms.
var DefaultDateFormats = []string{"YYYY-MM-DD", "D/M/YYYY", "D-M-YYYY", "D.M.YYYY", "D MMM YYYY", "D-MMM-YYYY", "YYYYMMDD"}

// DateParser reads dates written in any of a set of layouts and returns
// them as ISO 8601 (YYYY-MM-DD). A layout is written with the tokens YYYY
// (four-digit year), MM and DD (two digits), M and D (one or two digits),
// MMM (a month name, abbreviated or in full, in English, any case); every
// other character must appear as written, except that a space matches any
// run of white space. Two-digit years are refused because their century is
// a guess.
type DateParser struct {
	layouts []dateLayout
	min     string // ISO, inclusive; "" for none
	max     string
}

type dateLayout struct {
	text  string
	parts []datePart
}

type datePart struct {
	kind string // "YYYY", "MM", "M", "DD", "D", "MMM" or "" for a literal
	lit  string
}

// NewDateParser compiles the layouts (DefaultDateFormats when none) and the
// optional inclusive bounds min and max (ISO dates, "" for none).
func NewDateParser(layouts []string, min, max string) (*DateParser, error) {
	if len(layouts) == 0 {
		layouts = DefaultDateFormats
	}
	p := &DateParser{min: min, max: max}
	for _, l := range layouts {
		dl, err := compileDateLayout(l)
		if err != nil {
			return nil, err
		}
		p.layouts = append(p.layouts, dl)
	}
	for _, b := range []string{min, max} {
		if b == "" {
			continue
		}
		if _, err := p.parseWith(isoLayout, b); err != nil {
			return nil, fault.Errorf(fault.Invalid, "date bound %q is not an ISO date (YYYY-MM-DD)", b)
		}
	}
	return p, nil
}

var isoLayout, _ = compileDateLayout("YYYY-MM-DD")

func compileDateLayout(l string) (dateLayout, error) {
	dl := dateLayout{text: l}
	var y, m, d int
	for i := 0; i < len(l); {
		rest := l[i:]
		tok := ""
		for _, t := range []string{"YYYY", "MMM", "MM", "DD", "M", "D"} {
			if strings.HasPrefix(rest, t) {
				tok = t
				break
			}
		}
		switch {
		case tok != "":
			dl.parts = append(dl.parts, datePart{kind: tok})
			i += len(tok)
			switch tok[0] {
			case 'Y':
				y++
			case 'M':
				m++
			case 'D':
				d++
			}
		case strings.HasPrefix(rest, "YY"):
			return dl, fault.Errorf(fault.Invalid, "date format %q has a two-digit year, whose century would be a guess: use YYYY", l)
		default:
			dl.parts = append(dl.parts, datePart{lit: rest[:1]})
			i++
		}
	}
	if y != 1 || m != 1 || d != 1 {
		return dl, fault.Errorf(fault.Invalid, "date format %q must hold exactly one year (YYYY), one month (MM, M or MMM) and one day (DD or D)", l)
	}
	return dl, nil
}

// Parse returns the date in s as YYYY-MM-DD. It is an error when s fits no
// layout, when it names a day that does not exist (31/04/2001), when two
// layouts read it as different dates (03/04/2001 under both D/M/YYYY and
// M/D/YYYY), or when it lies outside the parser's bounds.
func (p *DateParser) Parse(s string) (string, error) {
	s = strings.TrimSpace(s)
	var got, gotLayout string
	impossible := false
	for _, l := range p.layouts {
		iso, err := p.parseWith(l, s)
		if err == errImpossible {
			impossible = true
			continue
		}
		if err != nil {
			continue
		}
		if got != "" && iso != got {
			return "", fault.Errorf(fault.Invalid, "%s is ambiguous: it reads as %s (%s) and as %s (%s)", quote(s), got, gotLayout, iso, l.text)
		}
		got, gotLayout = iso, l.text
	}
	switch {
	case got != "":
	case impossible:
		return "", fault.Errorf(fault.Invalid, "%s is not a real date", quote(s))
	default:
		return "", fault.Errorf(fault.Invalid, "%s is not a date in any accepted format (%s)", quote(s), p.formats())
	}
	if (p.min != "" && got < p.min) || (p.max != "" && got > p.max) {
		return "", fault.Errorf(fault.Invalid, "%s is outside the accepted range %s to %s", quote(s), or(p.min, "any"), or(p.max, "any"))
	}
	return got, nil
}

func (p *DateParser) formats() string {
	f := make([]string, len(p.layouts))
	for i, l := range p.layouts {
		f[i] = l.text
	}
	return strings.Join(f, ", ")
}

func or(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

var errImpossible = fmt.Errorf("impossible date")
var errNoMatch = fmt.Errorf("no match")

// parseWith reads s under one layout. It returns errNoMatch when the text
// does not fit and errImpossible when it fits but names no real day.
func (p *DateParser) parseWith(l dateLayout, s string) (string, error) {
	var y, m, d int
	i := 0
	for _, part := range l.parts {
		var n, used int
		switch part.kind {
		case "":
			used = matchLiteral(s[i:], part.lit)
		case "YYYY":
			n, used = digits(s[i:], 4, 4)
			y = n
		case "MM", "DD":
			n, used = digits(s[i:], 2, 2)
		case "M", "D":
			n, used = digits(s[i:], 1, 2)
		case "MMM":
			n, used = monthName(s[i:])
		}
		if used == 0 {
			return "", errNoMatch
		}
		switch part.kind {
		case "MM", "M", "MMM":
			m = n
		case "DD", "D":
			d = n
		}
		i += used
	}
	if i != len(s) {
		return "", errNoMatch
	}
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return "", errImpossible
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:]), nil
}

func matchLiteral(s, lit string) int {
	if lit == " " {
		n := len(s) - len(strings.TrimLeftFunc(s, unicode.IsSpace))
		return n
	}
	if strings.HasPrefix(s, lit) {
		return len(lit)
	}
	return 0
}

// digits reads between lo and hi ASCII digits, as many as there are.
func digits(s string, lo, hi int) (int, int) {
	n := 0
	for n < hi && n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n < lo {
		return 0, 0
	}
	v, _ := strconv.Atoi(s[:n])
	return v, n
}

var months = []string{"JANUARY", "FEBRUARY", "MARCH", "APRIL", "MAY", "JUNE", "JULY", "AUGUST", "SEPTEMBER", "OCTOBER", "NOVEMBER", "DECEMBER"}

// monthName reads an English month name, in full or as its first three
// letters (SEPT too), in any case.
func monthName(s string) (int, int) {
	n := 0
	for n < len(s) && ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z')) {
		n++
	}
	w := strings.ToUpper(s[:n])
	for i, m := range months {
		if w == m || w == m[:3] || (i == 8 && w == "SEPT") {
			return i + 1, n
		}
	}
	return 0, 0
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
