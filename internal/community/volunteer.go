package community

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Zone is a community action zone: an area of the county (a set of 2021
// LSOAs) the partnership has designated for community action, where
// volunteering opportunities are gathered and shown together.
type Zone struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// LSOAs are the zone's 2021 LSOA codes, sorted; an LSOA is in at most
	// one zone.
	LSOAs []string `json:"lsoas"`
	// Districts are the local authority districts the LSOAs lie in (set
	// when the zone is designated).
	Districts    []string  `json:"districts"`
	DesignatedBy string    `json:"designated_by"`
	DesignatedAt time.Time `json:"designated_at"`
}

// OpportunityStatus is whether a volunteering opportunity is still taking
// responses.
type OpportunityStatus string

// The states of an opportunity: posted open, closed by its organisation
// (or a moderator). An open opportunity past its closing date is not shown.
const (
	Open   OpportunityStatus = "open"
	Closed OpportunityStatus = "closed"
)

// MaxMinutes caps the time an opportunity asks for: micro-volunteering is
// short (at most a day's eight hours).
const MaxMinutes = 480

// Opportunity is a short volunteering opportunity an organisation in the
// directory posts: what, where, the time it needs and how to respond
// through the organisation (never a private person's details).
type Opportunity struct {
	ID int64 `json:"id"`
	// OrganisationID and OrganisationName are the posting organisation, one
	// with a published service in the directory.
	OrganisationID   string   `json:"organization_id"`
	OrganisationName string   `json:"organization_name"`
	Title            string   `json:"title"`
	Description      string   `json:"description,omitempty"`
	Themes           []string `json:"themes"`
	// Location is where it happens, placed like a service's location.
	Location Location `json:"location"`
	// Zone is the community action zone the location's LSOA is in, if any.
	Zone string `json:"zone,omitempty"`
	// Minutes is the time a volunteer gives (5 to [MaxMinutes]).
	Minutes int `json:"minutes"`
	// When says when it happens in words ("Saturday mornings", "any time
	// this month").
	When string `json:"when,omitempty"`
	// Respond says how to respond through the organisation; RespondURL and
	// RespondEmail are the organisation's own address (at least one).
	Respond      string `json:"respond"`
	RespondURL   string `json:"respond_url,omitempty"`
	RespondEmail string `json:"respond_email,omitempty"`
	// Closes is the last day it takes responses (YYYY-MM-DD), or empty.
	Closes   string            `json:"closes,omitempty"`
	Status   OpportunityStatus `json:"status"`
	PostedBy string            `json:"posted_by"`
	// Partner is the partner of the editor who posted it: its owner.
	Partner  string    `json:"partner,omitempty"`
	PostedAt time.Time `json:"posted_at"`
	ClosedBy string    `json:"closed_by,omitempty"`
	ClosedAt time.Time `json:"closed_at,omitzero"`
}

// ValidateZone checks a zone's own fields (not its LSOAs against the
// county: see [Directory.DesignateZone]).
func ValidateZone(z *Zone) Problems {
	var ps Problems
	checkID(&ps, "id", z.ID)
	required(&ps, "name", z.Name, 120)
	text(&ps, "description", z.Description, 2000)
	if len(z.LSOAs) == 0 {
		ps.add("lsoas", "give the zone's LSOAs (2021 codes such as E01021234)")
	}
	if len(z.LSOAs) > 500 {
		ps.add("lsoas", "a zone has at most 500 LSOAs")
	}
	return ps
}

// ValidateOpportunity checks an opportunity's fields (not its location's
// placement nor its organisation: see [Directory.PostOpportunity]).
func ValidateOpportunity(o *Opportunity) Problems {
	var ps Problems
	checkID(&ps, "organization_id", o.OrganisationID)
	required(&ps, "title", o.Title, 120)
	text(&ps, "description", o.Description, 1000)
	checkThemes(&ps, o.Themes)
	if o.Minutes < 5 || o.Minutes > MaxMinutes {
		ps.add("minutes", "the time needed is 5 to %d minutes: micro-volunteering is short", MaxMinutes)
	}
	text(&ps, "when", o.When, 200)
	required(&ps, "respond", o.Respond, 300)
	checkURL(&ps, "respond_url", o.RespondURL)
	checkEmail(&ps, "respond_email", o.RespondEmail)
	if o.RespondURL == "" && o.RespondEmail == "" {
		ps.add("respond_url", "give the organisation's web address or email address for responses (not a private person's)")
	}
	if o.Closes != "" {
		if _, err := time.Parse(time.DateOnly, o.Closes); err != nil {
			ps.add("closes", "closing date %q is not YYYY-MM-DD", o.Closes)
		}
	}
	l := &o.Location
	checkID(&ps, "location.id", l.ID)
	text(&ps, "location.name", l.Name, 200)
	text(&ps, "location.address_1", l.Address, 200)
	text(&ps, "location.city", l.Town, 100)
	text(&ps, "location.postal_code", l.Postcode, 10)
	text(&ps, "location.x_lsoa", l.LSOA, 9)
	return ps
}

// Current reports whether the opportunity is open and not past its
// closing date on day (county time).
func (o *Opportunity) Current(now time.Time) bool {
	return o.Status == Open && (o.Closes == "" || o.Closes >= now.In(county).Format(time.DateOnly))
}

// TimeNeeded says the time an opportunity needs in words.
func (o *Opportunity) TimeNeeded() string {
	h, m := o.Minutes/60, o.Minutes%60
	switch {
	case h == 0:
		return fmt.Sprintf("%d minutes", m)
	case m == 0 && h == 1:
		return "1 hour"
	case m == 0:
		return fmt.Sprintf("%d hours", h)
	}
	return fmt.Sprintf("%d h %02d min", h, m)
}

// OpportunityQuery filters the current opportunities. Zero fields do not
// filter.
type OpportunityQuery struct {
	Text     string // every word in the title, description, organisation or place
	Theme    string
	District string
	Zone     string
	// MaxMinutes keeps opportunities needing at most this long.
	MaxMinutes int
}

// Validate checks a query's fields.
func (q *OpportunityQuery) Validate() error {
	var ps Problems
	if q.Theme != "" {
		if _, err := FindTheme(q.Theme); err != nil {
			ps.add("theme", "unknown theme %q", q.Theme)
		}
	}
	if q.MaxMinutes < 0 || q.MaxMinutes > 24*60 {
		ps.add("max_minutes", "max_minutes is 0 (any) to 1440")
	}
	if len(q.Text) > 200 {
		ps.add("text", "search text is at most 200 characters")
	}
	if q.Zone != "" && !idRE.MatchString(q.Zone) {
		ps.add("zone", "zone %q is not a zone id", q.Zone)
	}
	return ps.Err()
}

// Matches reports whether o passes q's filters.
func (q *OpportunityQuery) Matches(o *Opportunity) bool {
	if q.Theme != "" && !slices.Contains(o.Themes, q.Theme) {
		return false
	}
	if q.District != "" && o.Location.District != q.District {
		return false
	}
	if q.Zone != "" && o.Zone != q.Zone {
		return false
	}
	if q.MaxMinutes > 0 && o.Minutes > q.MaxMinutes {
		return false
	}
	hay := strings.ToLower(strings.Join([]string{o.Title, o.Description, o.OrganisationName, o.Location.Name, o.Location.Address, o.Location.Town, o.When}, " "))
	for _, w := range strings.Fields(strings.ToLower(q.Text)) {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}
