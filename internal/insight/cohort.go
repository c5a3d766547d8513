// Package insight turns linked partner data into the partnership's shared
// picture: cohorts of people across agencies, indicators by place and time,
// and ad-hoc aggregates. Nothing leaves it unchecked: every table passes
// disclosure control before it is returned.
package insight

import (
	"encoding/json"
	"io"
	"os"
	"regexp"
	"sort"

	"github.com/civiclink/civiclink/internal/fault"
)

// EventSource names a kind of event for a cohort: records of one dataset,
// optionally filtered (see package expr for the filter language).
type EventSource struct {
	Dataset string `json:"dataset"`
	Where   string `json:"where,omitempty"`
}

// Rule says who is in a cohort; exactly one of All, Sequence or AtLeast.
type Rule struct {
	// All: an event of each named source (two sources may take WithinDays).
	All []string `json:"all,omitempty"`
	// Sequence: an event of the first, then one of the second.
	Sequence []string `json:"sequence,omitempty"`
	// AtLeast: events of at least this many of Of (e.g. "2 or more agencies").
	AtLeast int      `json:"at_least,omitempty"`
	Of      []string `json:"of,omitempty"`
	// WithinDays bounds the gap between the events of All (two sources) or
	// Sequence; 0 means any gap.
	WithinDays int `json:"within_days,omitempty"`
}

// Cohort is a group of people defined across linked datasets, such as
// "people with a domestic-abuse incident and an A&E attendance within 90
// days". Members are placed in time and space by their index event: the
// event that completed the rule.
type Cohort struct {
	Name        string                 `json:"name"`
	Title       string                 `json:"title"`
	Description string                 `json:"description,omitempty"`
	Purpose     string                 `json:"purpose,omitempty"`
	Events      map[string]EventSource `json:"events"`
	Rule        Rule                   `json:"rule"`
}

var cohortName = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)

// Validate checks a cohort's shape: names, sources and a single rule that
// refers only to declared events.
func (c *Cohort) Validate() error {
	if !cohortName.MatchString(c.Name) {
		return fault.Errorf(fault.Invalid, "cohort name %q: use lower-case letters, digits, - and _", c.Name)
	}
	if len(c.Events) == 0 {
		return fault.Errorf(fault.Invalid, "cohort %s declares no events", c.Name)
	}
	for n, e := range c.Events {
		if !cohortName.MatchString(n) {
			return fault.Errorf(fault.Invalid, "cohort %s: event name %q: use lower-case letters, digits, - and _", c.Name, n)
		}
		if e.Dataset == "" {
			return fault.Errorf(fault.Invalid, "cohort %s: event %s names no dataset", c.Name, n)
		}
	}
	r := c.Rule
	set := 0
	var refs []string
	if len(r.All) > 0 {
		set, refs = set+1, append(refs, r.All...)
		if r.WithinDays > 0 && len(r.All) != 2 {
			return fault.Errorf(fault.Invalid, "cohort %s: within_days with all needs exactly two events", c.Name)
		}
	}
	if len(r.Sequence) > 0 {
		set, refs = set+1, append(refs, r.Sequence...)
		if len(r.Sequence) != 2 {
			return fault.Errorf(fault.Invalid, "cohort %s: a sequence names exactly two events (first, then second)", c.Name)
		}
	}
	if r.AtLeast > 0 {
		set, refs = set+1, append(refs, r.Of...)
		if r.AtLeast > len(r.Of) {
			return fault.Errorf(fault.Invalid, "cohort %s: at_least %d of %d events can never hold", c.Name, r.AtLeast, len(r.Of))
		}
		if r.WithinDays > 0 {
			return fault.Errorf(fault.Invalid, "cohort %s: within_days does not apply to at_least", c.Name)
		}
	}
	if set != 1 {
		return fault.Errorf(fault.Invalid, "cohort %s: give exactly one rule: all, sequence, or at_least with of", c.Name)
	}
	for _, ref := range refs {
		if _, ok := c.Events[ref]; !ok {
			return fault.Errorf(fault.Invalid, "cohort %s: the rule names event %q, which is not declared in events", c.Name, ref)
		}
	}
	return nil
}

// EventNames returns the declared event names, sorted.
func (c *Cohort) EventNames() []string {
	var out []string
	for n := range c.Events {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ParseCohort reads and validates a cohort definition.
func ParseCohort(r io.Reader) (*Cohort, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var c Cohort
	if err := dec.Decode(&c); err != nil {
		return nil, fault.Errorf(fault.Invalid, "cohort definition is not valid JSON of the expected shape: %v (see docs/insight.md)", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// ReadCohortFile reads a cohort definition from a file.
func ReadCohortFile(path string) (*Cohort, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fault.Errorf(fault.Invalid, "cannot read cohort file %s: %v", path, err)
	}
	defer f.Close()
	return ParseCohort(f)
}
