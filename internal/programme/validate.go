package programme

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Problems is every field an input gets wrong, so a form or a file is
// refused field by field and nothing of it is stored.
type Problems []*fault.Error

// add records a problem with one field.
func (p *Problems) add(field, format string, args ...any) {
	*p = append(*p, fault.FieldErrorf(fault.Invalid, field, format, args...))
}

// Error lists the problems, "field: message" each.
func (p Problems) Error() string {
	s := make([]string, len(p))
	for i, e := range p {
		s[i] = e.Field + ": " + e.Message
	}
	return strings.Join(s, "; ")
}

// Unwrap returns one domain error (code invalid, the first field) whose
// message lists every problem, so fault.Code and fault.Message see it.
func (p Problems) Unwrap() error {
	if len(p) == 0 {
		return nil
	}
	return &fault.Error{Code: fault.Invalid, Field: p[0].Field, Message: p.Error()}
}

// err returns p as an error, or nil when there is no problem.
func (p Problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return p
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ParseStatus returns the status named s.
func ParseStatus(s string) (Status, error) {
	st := Status(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "-"))
	if slices.Contains(Statuses, st) {
		return st, nil
	}
	return "", fault.FieldErrorf(fault.Invalid, "status", "unknown status %q: use one of %s", s, statusList())
}

func statusList() string {
	s := make([]string, len(Statuses))
	for i, v := range Statuses {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// Check is a project's context for validation: the partner ids of the
// catalogue and the indicator names that exist.
type Check struct {
	Partners   []string
	Indicators []string
}

// Validate checks every field of p against the catalogue's partners and
// the shipped indicators, and returns all problems at once.
func (p *Project) Validate(c Check) error {
	var ps Problems
	if !idRE.MatchString(p.ID) {
		ps.add("id", "give an id of lower-case letters, digits and hyphens (got %q)", p.ID)
	}
	if strings.TrimSpace(p.Title) == "" {
		ps.add("title", "give the project a title")
	}
	if _, err := ParseStatus(string(p.Status)); err != nil {
		ps.add("status", "unknown status %q: use one of %s", p.Status, statusList())
	}
	if len(p.Sponsors) == 0 {
		ps.add("sponsors", "name at least one sponsoring partner: one of %s", strings.Join(c.Partners, ", "))
	}
	for i, s := range p.Sponsors {
		if !slices.Contains(c.Partners, s) {
			ps.add(fmt.Sprintf("sponsors[%d]", i), "no partner %q in the catalogue: use one of %s", s, strings.Join(c.Partners, ", "))
		}
	}
	for i, s := range p.Summary {
		if strings.TrimSpace(s) == "" {
			ps.add(fmt.Sprintf("summary[%d]", i), "a summary point is empty: write it or remove it")
		}
	}
	seen := map[string]bool{}
	for i := range p.Deliverables {
		d := &p.Deliverables[i]
		d.validate(fmt.Sprintf("deliverables[%d]", i), &ps)
		if seen["d:"+d.ID] {
			ps.add(fmt.Sprintf("deliverables[%d].id", i), "deliverable %q is listed twice", d.ID)
		}
		seen["d:"+d.ID] = true
	}
	for i := range p.Measures {
		m := &p.Measures[i]
		m.validate(fmt.Sprintf("measures[%d]", i), c, &ps)
		if seen["m:"+m.ID] {
			ps.add(fmt.Sprintf("measures[%d].id", i), "measure %q is listed twice", m.ID)
		}
		seen["m:"+m.ID] = true
	}
	return ps.err()
}

func (d *Deliverable) validate(at string, ps *Problems) {
	if !idRE.MatchString(d.ID) {
		ps.add(at+".id", "give an id of lower-case letters, digits and hyphens (got %q)", d.ID)
	}
	if strings.TrimSpace(d.Title) == "" {
		ps.add(at+".title", "say what will have changed")
	}
	if _, err := time.Parse(time.DateOnly, d.Due); err != nil {
		ps.add(at+".due", "give the due date as YYYY-MM-DD (got %q)", d.Due)
	}
	if _, err := ParseStatus(string(d.Status)); err != nil {
		ps.add(at+".status", "unknown status %q: use one of %s", d.Status, statusList())
	}
}

var periodRE = regexp.MustCompile(`^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$`)

func (m *Measure) validate(at string, c Check, ps *Problems) {
	if !idRE.MatchString(m.ID) {
		ps.add(at+".id", "give an id of lower-case letters, digits and hyphens (got %q)", m.ID)
	}
	if strings.TrimSpace(m.Title) == "" {
		ps.add(at+".title", "give the measure a title")
	}
	if !slices.Contains(c.Indicators, m.Indicator) {
		ps.add(at+".indicator", "no indicator %q: use one of %s", m.Indicator, strings.Join(c.Indicators, ", "))
	}
	if !periodRE.MatchString(m.Baseline) {
		ps.add(at+".baseline", "give the baseline period as a year (2018), a quarter (2018-Q2) or a month (2018-05), got %q", m.Baseline)
	}
	if notANumber(m.Target) {
		ps.add(at+".target_percent", "give the target change in percent as a number, like -10 or 2.5")
	}
	if m.Direction != Lower && m.Direction != Higher {
		ps.add(at+".direction", "unknown direction %q: use lower or higher (which way counts as better)", m.Direction)
	}
}

// Validate checks an update: a text, and for a status change a
// deliverable of the project and a known status.
func (u *Update) Validate(p *Project) error {
	var ps Problems
	if strings.TrimSpace(u.Text) == "" {
		ps.add("text", "write what has happened")
	}
	if u.Deliverable == "" && u.To != "" {
		ps.add("deliverable", "name the deliverable whose status changes: one of %s", deliverableIDs(p))
	}
	if u.Deliverable != "" {
		i := slices.IndexFunc(p.Deliverables, func(d Deliverable) bool { return d.ID == u.Deliverable })
		if i < 0 {
			ps.add("deliverable", "project %s has no deliverable %q: use one of %s", p.ID, u.Deliverable, deliverableIDs(p))
		} else {
			u.From = p.Deliverables[i].Status
		}
		if _, err := ParseStatus(string(u.To)); err != nil {
			ps.add("status", "unknown status %q: use one of %s", u.To, statusList())
		}
	}
	return ps.err()
}

func deliverableIDs(p *Project) string {
	s := make([]string, len(p.Deliverables))
	for i, d := range p.Deliverables {
		s[i] = d.ID
	}
	if len(s) == 0 {
		return "(none yet)"
	}
	return strings.Join(s, ", ")
}

func matches(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }
