package govern

import (
	"encoding/json"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Date is a calendar day (UTC), written "2006-01-02" in JSON. Agreement
// dates are whole days: an agreement ending on a date still allows access
// throughout that day.
type Date struct{ time.Time }

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fault.Errorf(fault.Invalid, "date %q is not a date: write it as YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// DateOf returns the day t falls on, in UTC.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// String returns "YYYY-MM-DD", or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

// DayAfter returns the first instant after the day d, when a period ending on
// d is over.
func (d Date) DayAfter() time.Time { return d.AddDate(0, 0, 1) }

// MarshalJSON writes "YYYY-MM-DD", or null for the zero date.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or null.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fault.Errorf(fault.Invalid, "a date must be a string YYYY-MM-DD")
	}
	v, err := ParseDate(s)
	*d = v
	return err
}
