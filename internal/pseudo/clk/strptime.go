package clk

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/civiclink/civiclink/internal/fault"
)

// Python's strptime, as clkhash's date format uses it: the format becomes a
// case-insensitive regular expression with CPython's own sub-patterns, the
// match must start at the beginning and consume the whole value, and the
// date must exist. Go's regexp prefers the same alternatives a backtracking
// engine would, so the same digits are read as day, month and year.

var strptimeDirectives = map[byte]string{
	'd': `(3[0-1]|[1-2]\p{Nd}|0[1-9]|[1-9]| [1-9])`,
	'm': `(1[0-2]|0[1-9]|[1-9])`,
	'Y': `(\p{Nd}\p{Nd}\p{Nd}\p{Nd})`,
	'y': `(\p{Nd}\p{Nd})`,
	'H': `(2[0-3]|[0-1]\p{Nd}|\p{Nd})`,
	'M': `([0-5]\p{Nd}|\p{Nd})`,
	'S': `(6[0-1]|[0-5]\p{Nd}|\p{Nd})`,
	'B': `(september|february|november|december|january|october|august|april|march|june|july|may)`,
	'b': `(sep|feb|nov|dec|jan|oct|aug|apr|mar|jun|jul|may)`,
}

var monthNames = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

type strptimeLayout struct {
	re     *regexp.Regexp
	fields []byte // the directive of each capture group, in order
}

var strptimeCache sync.Map // format -> *strptimeLayout

func compileStrptime(format string) (*strptimeLayout, error) {
	if l, ok := strptimeCache.Load(format); ok {
		return l.(*strptimeLayout), nil
	}
	var b strings.Builder
	b.WriteString(`(?i)\A`)
	l := &strptimeLayout{}
	inSpace := false
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			if !inSpace {
				b.WriteString(`[\s\v\p{Zs}\x{85}\x{1c}-\x{1f}\x{2028}\x{2029}]+`)
			}
			inSpace = true
			continue
		}
		inSpace = false
		if c != '%' {
			b.WriteString(regexp.QuoteMeta(string(c)))
			continue
		}
		if i+1 == len(format) {
			return nil, fault.Errorf(fault.Invalid, "date format %q ends with a lone %%", format)
		}
		i++
		d := format[i]
		if d == '%' {
			b.WriteString("%")
			continue
		}
		re, ok := strptimeDirectives[d]
		if !ok {
			return nil, fault.Errorf(fault.Invalid, "date format %q uses %%%c, which civiclink does not support: use %%Y %%y %%m %%d %%b %%B %%H %%M %%S", format, d)
		}
		b.WriteString(re)
		l.fields = append(l.fields, d)
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "date format %q: %v", format, err)
	}
	l.re = re
	strptimeCache.Store(format, l)
	return l, nil
}

// formatDate parses v with the strptime format and returns it as
// strftime('%Y%m%d') does on glibc: the year is not zero padded.
func formatDate(v, format string) (string, error) {
	if format == "%Y-%m-%d" {
		if out, ok := isoDateFast(v); ok {
			return out, nil
		}
	}
	y, m, d, err := strptime(v, format)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d%02d%02d", y, m, d), nil
}

func strptime(v, format string) (year, month, day int, err error) {
	l, err := compileStrptime(format)
	if err != nil {
		return 0, 0, 0, err
	}
	idx := l.re.FindStringSubmatchIndex(v)
	if idx == nil {
		return 0, 0, 0, fault.Errorf(fault.Invalid, "%s does not match the date format %s", quote(v), format)
	}
	if idx[1] != len(v) {
		return 0, 0, 0, fault.Errorf(fault.Invalid, "%s has data after the date format %s", quote(v), format)
	}
	year, month, day = 1900, 1, 1
	for g, dir := range l.fields {
		s := v[idx[2+2*g]:idx[3+2*g]]
		switch dir {
		case 'Y':
			year = atoiNd(s)
		case 'y':
			if year = atoiNd(s); year <= 68 {
				year += 2000
			} else {
				year += 1900
			}
		case 'm':
			month = atoiNd(s)
		case 'd':
			day = atoiNd(strings.TrimSpace(s))
		case 'b', 'B':
			month = monthIndex(strings.ToLower(s[:3]))
		}
	}
	if year < 1 || year > 9999 || day > daysIn(year, month) {
		return 0, 0, 0, fault.Errorf(fault.Invalid, "%s is not a real date", quote(v))
	}
	return year, month, day, nil
}

func atoiNd(s string) int {
	n := 0
	for _, r := range s {
		d, _ := decimalDigit(r)
		n = n*10 + d
	}
	return n
}

func monthIndex(abbr string) int {
	for i, m := range monthNames {
		if m == abbr {
			return i + 1
		}
	}
	return 0
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

// isoDateFast formats a value of exactly the form dddd-dd-dd under
// %Y-%m-%d without the regular expression. For such a value strptime can
// only read the four, two and two digits, so the result is the same; any
// other value, or an impossible date, goes the slow way (and its error).
func isoDateFast(v string) (string, bool) {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return "", false
	}
	var n [8]byte
	j := 0
	for i := 0; i < 10; i++ {
		if i == 4 || i == 7 {
			continue
		}
		if v[i] < '0' || v[i] > '9' {
			return "", false
		}
		n[j] = v[i]
		j++
	}
	y := int(n[0]-'0')*1000 + int(n[1]-'0')*100 + int(n[2]-'0')*10 + int(n[3]-'0')
	m := int(n[4]-'0')*10 + int(n[5]-'0')
	d := int(n[6]-'0')*10 + int(n[7]-'0')
	if y < 1000 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return "", false // years below 1000 print unpadded: leave them to the slow path
	}
	return string(n[:]), true
}
