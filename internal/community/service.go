// Package community is the community-support directory: formal and
// informal support across the county in the shape of Open Referral UK (the
// UK profile of the Human Services Data Specification), its moderation
// (every entry waits in a queue until an editor publishes it), and "need
// beside support" (support gaps where a disclosure-controlled indicator is
// high and services are thin).
//
// The types here carry no SQL and no HTTP: [Store] is implemented by the
// store package and [Directory] serves the published entries from memory.
package community

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
)

// Kind says whether an organisation is formal (a registered charity or a
// public service) or informal (a community, faith or neighbourhood group,
// which needs no registration number).
type Kind string

// The kinds of organisation.
const (
	Formal   Kind = "formal"
	Informal Kind = "informal"
)

// Organisation is an ORUK organization: who runs one or more services.
type Organisation struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url,omitempty"`
	// CharityNumber is the registered charity (or company) number; an
	// informal group has none.
	CharityNumber string `json:"charity_number,omitempty"`
	Kind          Kind   `json:"x_kind"`
}

// Precision says how exactly a location's point is known.
type Precision string

// The precisions a location is placed at (see [Placer]).
const (
	// PrecisionPoint: latitude and longitude were given and lie in the county.
	PrecisionPoint Precision = "point"
	// PrecisionLSOA: the population-weighted centroid of the LSOA given.
	PrecisionLSOA Precision = "lsoa"
	// PrecisionDistrict: the postcode's district (the reference data holds
	// no postcode coordinates), at the mean of its LSOA centroids.
	PrecisionDistrict Precision = "district"
)

// Location is an ORUK location: where a service is delivered.
type Location struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Address  string `json:"address_1,omitempty"`
	Town     string `json:"city,omitempty"`
	Postcode string `json:"postal_code,omitempty"`
	// LSOA is the 2021 LSOA code, when known (or placed from the point).
	LSOA      string    `json:"x_lsoa,omitempty"`
	District  string    `json:"x_district,omitempty"` // LAD code, set by the placer
	Latitude  float64   `json:"latitude"`
	Longitude float64   `json:"longitude"`
	Precision Precision `json:"x_precision,omitempty"`
	// CrossBorder marks a location outside the county that serves it.
	CrossBorder bool `json:"x_cross_border,omitempty"`
}

// Contact is a named contact for a service. It is shown and exported only
// when Consent records that the person agreed to publication.
type Contact struct {
	ID      string `json:"id"`
	Name    string `json:"name,omitempty"`
	Title   string `json:"title,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
	Consent bool   `json:"x_consent"`
}

// Schedule is an ORUK regular_schedule: open on a weekday between two
// local times ("09:00", "17:30").
type Schedule struct {
	Weekday string `json:"byday"` // MO TU WE TH FR SA SU
	Opens   string `json:"opens_at"`
	Closes  string `json:"closes_at"`
}

// Service is an ORUK service with what it hangs on: its organisation,
// locations (service_at_location), contacts, schedules, eligibility, cost
// and taxonomy terms (themes). It is the unit that is suggested,
// moderated, versioned and published.
type Service struct {
	ID           string       `json:"id"`
	Organisation Organisation `json:"organization"`
	Name         string       `json:"name"`
	Description  string       `json:"description,omitempty"`
	URL          string       `json:"url,omitempty"`
	Email        string       `json:"email,omitempty"`
	Eligibility  string       `json:"eligibility_description,omitempty"`
	// Cost is what the service costs ("Free", "£2 a session").
	Cost      string     `json:"cost,omitempty"`
	Themes    []string   `json:"themes"`
	Locations []Location `json:"locations"`
	Contacts  []Contact  `json:"contacts,omitempty"`
	Schedules []Schedule `json:"regular_schedules,omitempty"`
}

// Formal reports whether the service's organisation is formal.
func (s *Service) Formal() bool { return s.Organisation.Kind == Formal }

// Public returns the service as it may be shown or exported openly: with
// only the contacts whose consent is recorded.
func (s Service) Public() Service {
	out := s
	out.Contacts = nil
	for _, c := range s.Contacts {
		if c.Consent {
			out.Contacts = append(out.Contacts, c)
		}
	}
	return out
}

// Digest is a stable hash of the service's content: equal digests mean an
// import or edit changes nothing.
func (s Service) Digest() string {
	b, _ := json.Marshal(s)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Changes names the fields a new version changes from an old one, in
// words an editor reads.
func Changes(old, new Service) []string {
	var out []string
	add := func(what string, changed bool) {
		if changed {
			out = append(out, what)
		}
	}
	add("name", old.Name != new.Name)
	add("description", old.Description != new.Description)
	add("organisation", old.Organisation != new.Organisation)
	add("web address or email", old.URL != new.URL || old.Email != new.Email)
	add("eligibility or cost", old.Eligibility != new.Eligibility || old.Cost != new.Cost)
	add("themes", !slices.Equal(old.Themes, new.Themes))
	add("locations", !slices.Equal(old.Locations, new.Locations))
	add("contacts", !slices.Equal(old.Contacts, new.Contacts))
	add("opening times", !slices.Equal(old.Schedules, new.Schedules))
	return out
}
