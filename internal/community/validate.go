package community

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"github.com/civiclink/civiclink/internal/fault"
)

// Problem is one thing wrong with an entry: the field (in ORUK's words,
// with an index where a list holds it: "locations[0].postal_code") and
// why.
type Problem struct {
	// Line is the line of the feed the problem is on (0 when not from a file).
	Line   int    `json:"line,omitempty"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Problems is every problem found in an entry. As an error it is a
// [fault.Invalid] domain error naming the first field.
type Problems []Problem

func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Field + ": " + p.Reason
		if p.Line > 0 {
			s[i] = fmt.Sprintf("line %d: %s", p.Line, s[i])
		}
	}
	return strings.Join(s, "; ")
}

// Err returns ps as a domain error, or nil when there are none.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	msg := ps.Error()
	if len(ps) > 1 {
		msg = fmt.Sprintf("%d problems: %s", len(ps), msg)
	}
	e := &fault.Error{Code: fault.Invalid, Message: msg}
	if ps[0].Line == 0 { // a field of a form or request, not a line of a file
		e.Field = ps[0].Field
	}
	return e
}

func (ps *Problems) add(field, format string, args ...any) {
	*ps = append(*ps, Problem{Field: field, Reason: fmt.Sprintf(format, args...)})
}

var (
	idRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$`)
	timeRE  = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	phoneRE = regexp.MustCompile(`^\+?[0-9 ()-]{6,20}$`)
	// markupRE finds the start of an HTML tag, comment or processing
	// instruction, or a script URL or inline handler: refused in every
	// field rather than stored and escaped on every page and export.
	markupRE  = regexp.MustCompile(`(?i)<\s*[a-z/!?]|javascript:|vbscript:|data:text/html|\bon[a-z]+\s*=`)
	charityRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,20}$`)
)

// Validate checks every field of s and returns all the problems found
// (nil when it is fine). It does not place locations: see [Placer].
func Validate(s *Service) Problems {
	var ps Problems
	checkID(&ps, "id", s.ID)
	required(&ps, "name", s.Name, 200)
	text(&ps, "description", s.Description, 4000)
	checkURL(&ps, "url", s.URL)
	checkEmail(&ps, "email", s.Email)
	text(&ps, "eligibility_description", s.Eligibility, 1000)
	text(&ps, "cost", s.Cost, 200)
	checkOrganisation(&ps, &s.Organisation)
	checkThemes(&ps, s.Themes)
	if len(s.Locations) == 0 {
		ps.add("locations", "give at least one location (an address with a postcode, an LSOA code or a point)")
	}
	seen := map[string]bool{}
	for i, l := range s.Locations {
		f := fmt.Sprintf("locations[%d]", i)
		checkID(&ps, f+".id", l.ID)
		if seen[l.ID] {
			ps.add(f+".id", "location %q is listed twice", l.ID)
		}
		seen[l.ID] = true
		text(&ps, f+".name", l.Name, 200)
		text(&ps, f+".address_1", l.Address, 200)
		text(&ps, f+".city", l.Town, 100)
		text(&ps, f+".postal_code", l.Postcode, 10)
		text(&ps, f+".x_lsoa", l.LSOA, 9)
	}
	for i, c := range s.Contacts {
		checkContact(&ps, fmt.Sprintf("contacts[%d]", i), &c)
	}
	for i, sc := range s.Schedules {
		checkSchedule(&ps, fmt.Sprintf("regular_schedules[%d]", i), sc)
	}
	return ps
}

func checkOrganisation(ps *Problems, o *Organisation) {
	checkID(ps, "organization.id", o.ID)
	required(ps, "organization.name", o.Name, 200)
	text(ps, "organization.description", o.Description, 2000)
	checkURL(ps, "organization.url", o.URL)
	switch o.Kind {
	case Formal, Informal:
	default:
		ps.add("organization.x_kind", "kind %q is neither formal (a registered charity or public service) nor informal (a community, faith or neighbourhood group)", o.Kind)
	}
	if o.CharityNumber != "" && !charityRE.MatchString(o.CharityNumber) {
		ps.add("organization.charity_number", "a registration number is letters, digits and hyphens, at most 20 (an informal group leaves it empty)")
	}
}

func checkThemes(ps *Problems, themes []string) {
	if len(themes) == 0 {
		ps.add("themes", "give at least one theme")
	}
	seen := map[string]bool{}
	for i, t := range themes {
		if _, err := FindTheme(t); err != nil {
			ps.add(fmt.Sprintf("themes[%d]", i), "%s", fault.Message(err))
		} else if seen[t] {
			ps.add(fmt.Sprintf("themes[%d]", i), "theme %q is listed twice", t)
		}
		seen[t] = true
	}
}

func checkContact(ps *Problems, f string, c *Contact) {
	checkID(ps, f+".id", c.ID)
	text(ps, f+".name", c.Name, 100)
	text(ps, f+".title", c.Title, 100)
	if c.Phone != "" && !phoneRE.MatchString(c.Phone) {
		ps.add(f+".phone", "a phone number is digits, spaces, brackets and hyphens, with an optional leading +")
	}
	checkEmail(ps, f+".email", c.Email)
	if strings.ContainsAny(c.Name+c.Title, "|;") {
		ps.add(f, "a contact's name and title may not contain | or ;")
	}
	if c.Name == "" && c.Phone == "" && c.Email == "" {
		ps.add(f, "a contact needs a name, a phone number or an email address")
	}
}

func checkSchedule(ps *Problems, f string, s Schedule) {
	if !validWeekday(s.Weekday) {
		ps.add(f+".byday", "day %q is not one of %s", s.Weekday, strings.Join(Weekdays, " "))
	}
	if !timeRE.MatchString(s.Opens) {
		ps.add(f+".opens_at", "time %q is not HH:MM (24-hour)", s.Opens)
	}
	if !timeRE.MatchString(s.Closes) {
		ps.add(f+".closes_at", "time %q is not HH:MM (24-hour)", s.Closes)
	}
	if timeRE.MatchString(s.Opens) && timeRE.MatchString(s.Closes) && s.Closes <= s.Opens {
		ps.add(f+".closes_at", "closes at %s, not after it opens at %s", s.Closes, s.Opens)
	}
}

func checkID(ps *Problems, f, id string) {
	if id == "" {
		ps.add(f, "an id is required")
	} else if !idRE.MatchString(id) {
		ps.add(f, "an id is letters, digits and . _ : - (at most 100), starting with a letter or digit")
	}
}

func required(ps *Problems, f, v string, max int) {
	if strings.TrimSpace(v) == "" {
		ps.add(f, "this is required")
		return
	}
	text(ps, f, v, max)
}

// text checks a free-text field: its length, no control characters, and
// no markup or script.
func text(ps *Problems, f, v string, max int) {
	if len([]rune(v)) > max {
		ps.add(f, "at most %d characters", max)
	}
	if strings.IndexFunc(v, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0 {
		ps.add(f, "contains control characters")
	}
	if markupRE.MatchString(v) {
		ps.add(f, "contains HTML or script (tags, javascript: links or event handlers are refused): give plain text")
	}
}

func checkURL(ps *Problems, f, v string) {
	if v == "" {
		return
	}
	text(ps, f, v, 500)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		ps.add(f, "a web address starts with https:// or http:// and names a host")
	}
}

func checkEmail(ps *Problems, f, v string) {
	if v == "" {
		return
	}
	text(ps, f, v, 200)
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
		ps.add(f, "%q is not an email address (name@example.org)", v)
	}
}
