package link

import (
	"fmt"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// day is a parsed date: its eight digits YYYYMMDD and, when it is a real
// calendar date, its day number.
type day struct {
	digits     string
	y, m, d    int
	num        int
	valid, has bool
}

// parseDay reads YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD, DD/MM/YYYY or
// DD-MM-YYYY. Values that fit none have has false and compare only by
// exact equality.
func parseDay(s string) day {
	digits := make([]byte, 0, 8)
	var groups []int
	n := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			digits = append(digits, s[i])
			n++
			continue
		}
		if i < len(s) && s[i] != '-' && s[i] != '/' && s[i] != '.' {
			return day{}
		}
		if n > 0 {
			groups = append(groups, n)
		}
		n = 0
	}
	if len(digits) != 8 {
		return day{}
	}
	ds := string(digits)
	if len(groups) == 3 && groups[0] == 2 && groups[2] == 4 { // DD/MM/YYYY
		ds = ds[4:] + ds[2:4] + ds[:2]
	} else if len(groups) != 1 && !(len(groups) == 3 && groups[0] == 4) {
		return day{}
	}
	dy := day{digits: ds, has: true}
	dy.y = atoi(ds[:4])
	dy.m = atoi(ds[4:6])
	dy.d = atoi(ds[6:])
	t := time.Date(dy.y, time.Month(dy.m), dy.d, 12, 0, 0, 0, time.UTC)
	if dy.m >= 1 && dy.m <= 12 && t.Day() == dy.d {
		dy.valid = true
		dy.num = int(t.Unix() / 86400)
	}
	return dy
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// oneTypo reports whether two different strings of eight digits differ by
// one substitution or one swap of neighbours (Damerau distance 1, which
// for equal lengths allows nothing else).
func oneTypo(a, b string) bool {
	first, n := -1, 0
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			if n++; n > 2 {
				return false
			}
			if first < 0 {
				first = i
			}
		}
	}
	if n == 1 {
		return true
	}
	return first+1 < len(a) && a[first] == b[first+1] && a[first+1] == b[first] && n == 2
}

// dateCmp levels dates: exact, day and month transposed, one typing error
// in the digits, within each threshold of days, else.
type dateCmp struct {
	coded
	days   []day
	within []int
}

func newDate(spec ComparisonSpec, col *Column) (Comparer, error) {
	th := spec.Thresholds
	if len(th) == 0 {
		th = []float64{365}
	}
	c := &dateCmp{days: make([]day, len(col.Values))}
	labels := []string{"day-month transposed", "one digit typo"}
	for i, t := range th {
		if t != float64(int(t)) || t < 1 || (i > 0 && t <= th[i-1]) {
			return nil, fault.Errorf(fault.Invalid, "comparison %s: date thresholds are whole days from 1, increasing, got %v", spec.Label(), th)
		}
		c.within = append(c.within, int(t))
		labels = append(labels, fmt.Sprintf("within %d days", int(t)))
	}
	for i, v := range col.Values {
		c.days[i] = parseDay(v)
	}
	c.coded = coded{col, baseLevels(labels...)}
	return c, nil
}

func (c *dateCmp) Compare(a, b int) int {
	ca, cb, l, done := c.pre(a, b)
	if done {
		return l
	}
	x, y := &c.days[ca], &c.days[cb]
	last := len(c.levels) - 1
	if !x.has || !y.has {
		return last
	}
	if x.digits == y.digits {
		return 1 // the same date written differently
	}
	if x.y == y.y && x.m == y.d && x.d == y.m {
		return 2
	}
	if oneTypo(x.digits, y.digits) {
		return 3
	}
	if x.valid && y.valid {
		diff := x.num - y.num
		if diff < 0 {
			diff = -diff
		}
		for i, w := range c.within {
			if diff <= w {
				return 4 + i
			}
		}
	}
	return last
}
