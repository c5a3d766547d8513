package community

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/civiclink/civiclink/internal/fault"
)

// Vocabulary names the directory's taxonomy in a feed.
const Vocabulary = "civiclink-community-themes"

// Feed is an Open Referral UK feed as flat tables (the HSDS data package
// layout, one JSON array per table), each row keeping the line it starts
// on. civiclink's own fields beyond the standard start with "x_".
type Feed struct {
	Organisations      []feedOrganisation   `json:"organizations"`
	Services           []feedService        `json:"services"`
	Locations          []feedLocation       `json:"locations"`
	ServiceAtLocations []feedServiceAtLoc   `json:"service_at_locations"`
	Contacts           []feedContact        `json:"contacts"`
	Schedules          []feedSchedule       `json:"regular_schedules"`
	Eligibilities      []feedEligibility    `json:"eligibilitys"`
	CostOptions        []feedCost           `json:"cost_options"`
	TaxonomyTerms      []feedTaxonomyTerm   `json:"taxonomy_terms"`
	ServiceTaxonomies  []feedServiceTaxonom `json:"service_taxonomys"`
}

type row struct {
	Line int `json:"-"`
}

type feedOrganisation struct {
	row
	Organisation
}

type feedService struct {
	row
	ID             string `json:"id"`
	OrganisationID string `json:"organization_id"`
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	URL            string `json:"url,omitempty"`
	Email          string `json:"email,omitempty"`
	Status         string `json:"status"`
}

type feedLocation struct {
	row
	Location
}

type feedServiceAtLoc struct {
	row
	ID         string `json:"id"`
	ServiceID  string `json:"service_id"`
	LocationID string `json:"location_id"`
}

type feedContact struct {
	row
	ServiceID string `json:"service_id"`
	Contact
}

type feedSchedule struct {
	row
	ID        string `json:"id"`
	ServiceID string `json:"service_id"`
	Schedule
}

type feedEligibility struct {
	row
	ID          string `json:"id"`
	ServiceID   string `json:"service_id"`
	Eligibility string `json:"eligibility"`
}

type feedCost struct {
	row
	ID          string `json:"id"`
	ServiceID   string `json:"service_id"`
	Description string `json:"amount_description"`
}

type feedTaxonomyTerm struct {
	row
	ID         string `json:"id"`
	Name       string `json:"name"`
	Vocabulary string `json:"vocabulary"`
}

type feedServiceTaxonom struct {
	row
	ID         string `json:"id"`
	ServiceID  string `json:"service_id"`
	TaxonomyID string `json:"taxonomy_id"`
}

// EncodeFeed writes services as an ORUK feed. Organisations and locations
// shared by several services are written once. Contacts without recorded
// consent are never written.
func EncodeFeed(w io.Writer, services []Service) error {
	f := Feed{ // every table written, empty ones as []
		Organisations: []feedOrganisation{}, Services: []feedService{}, Locations: []feedLocation{}, ServiceAtLocations: []feedServiceAtLoc{},
		Contacts: []feedContact{}, Schedules: []feedSchedule{}, Eligibilities: []feedEligibility{}, CostOptions: []feedCost{},
		TaxonomyTerms: []feedTaxonomyTerm{}, ServiceTaxonomies: []feedServiceTaxonom{},
	}
	orgs, locs := map[string]bool{}, map[string]bool{}
	for _, t := range Themes {
		f.TaxonomyTerms = append(f.TaxonomyTerms, feedTaxonomyTerm{ID: t.ID, Name: t.Title, Vocabulary: Vocabulary})
	}
	for _, s := range services {
		s = s.Public()
		if !orgs[s.Organisation.ID] {
			orgs[s.Organisation.ID] = true
			f.Organisations = append(f.Organisations, feedOrganisation{Organisation: s.Organisation})
		}
		f.Services = append(f.Services, feedService{ID: s.ID, OrganisationID: s.Organisation.ID, Name: s.Name, Description: s.Description, URL: s.URL, Email: s.Email, Status: "active"})
		for _, l := range s.Locations {
			if !locs[l.ID] {
				locs[l.ID] = true
				f.Locations = append(f.Locations, feedLocation{Location: l})
			}
			f.ServiceAtLocations = append(f.ServiceAtLocations, feedServiceAtLoc{ID: s.ID + "@" + l.ID, ServiceID: s.ID, LocationID: l.ID})
		}
		for _, c := range s.Contacts {
			f.Contacts = append(f.Contacts, feedContact{ServiceID: s.ID, Contact: c})
		}
		for i, sc := range s.Schedules {
			f.Schedules = append(f.Schedules, feedSchedule{ID: fmt.Sprintf("%s-s%d", s.ID, i+1), ServiceID: s.ID, Schedule: sc})
		}
		if s.Eligibility != "" {
			f.Eligibilities = append(f.Eligibilities, feedEligibility{ID: s.ID + "-e", ServiceID: s.ID, Eligibility: s.Eligibility})
		}
		if s.Cost != "" {
			f.CostOptions = append(f.CostOptions, feedCost{ID: s.ID + "-c", ServiceID: s.ID, Description: s.Cost})
		}
		for _, t := range s.Themes {
			f.ServiceTaxonomies = append(f.ServiceTaxonomies, feedServiceTaxonom{ID: s.ID + "-" + t, ServiceID: s.ID, TaxonomyID: t})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(f)
}

// DecodeFeed reads an ORUK feed and assembles its services, checking ids,
// the references between tables and every field. Any problem refuses the
// whole feed: it returns every problem found, each with its line.
func DecodeFeed(data []byte) ([]Service, Problems) {
	f, ps := readFeed(data)
	if len(ps) > 0 {
		return nil, ps
	}
	return f.assemble()
}

// readFeed decodes the feed's tables, noting the line each row starts on.
func readFeed(data []byte) (*Feed, Problems) {
	var ps Problems
	f := &Feed{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		ps = append(ps, Problem{Line: 1, Field: "feed", Reason: "an ORUK feed is a JSON object of tables (organizations, services, locations, …)"})
		return nil, ps
	}
	tables := map[string]func(int, json.RawMessage) error{
		"organizations":        appendRow(&f.Organisations, func(r *feedOrganisation, l int) { r.Line = l }),
		"services":             appendRow(&f.Services, func(r *feedService, l int) { r.Line = l }),
		"locations":            appendRow(&f.Locations, func(r *feedLocation, l int) { r.Line = l }),
		"service_at_locations": appendRow(&f.ServiceAtLocations, func(r *feedServiceAtLoc, l int) { r.Line = l }),
		"contacts":             appendRow(&f.Contacts, func(r *feedContact, l int) { r.Line = l }),
		"regular_schedules":    appendRow(&f.Schedules, func(r *feedSchedule, l int) { r.Line = l }),
		"eligibilitys":         appendRow(&f.Eligibilities, func(r *feedEligibility, l int) { r.Line = l }),
		"cost_options":         appendRow(&f.CostOptions, func(r *feedCost, l int) { r.Line = l }),
		"taxonomy_terms":       appendRow(&f.TaxonomyTerms, func(r *feedTaxonomyTerm, l int) { r.Line = l }),
		"service_taxonomys":    appendRow(&f.ServiceTaxonomies, func(r *feedServiceTaxonom, l int) { r.Line = l }),
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, append(ps, syntaxProblem(data, dec, err))
		}
		name, _ := t.(string)
		add, known := tables[name]
		var raw json.RawMessage
		if !known {
			if err := dec.Decode(&raw); err != nil { // another table: skipped
				return nil, append(ps, syntaxProblem(data, dec, err))
			}
			continue
		}
		t, err = dec.Token()
		if err == nil && t == nil {
			continue // a null table is an empty one
		}
		if err != nil || t != json.Delim('[') {
			return nil, append(ps, Problem{Line: lineAt(data, dec.InputOffset()), Field: name, Reason: "a table is a JSON array of rows"})
		}
		for i := 0; dec.More(); i++ {
			line := lineAt(data, skipSpace(data, dec.InputOffset()))
			if err := dec.Decode(&raw); err != nil {
				return nil, append(ps, syntaxProblem(data, dec, err))
			}
			if err := add(line, raw); err != nil {
				ps = append(ps, Problem{Line: line, Field: fmt.Sprintf("%s[%d]", name, i), Reason: "a row's fields have the wrong types: " + jsonReason(err)})
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, append(ps, syntaxProblem(data, dec, err))
		}
	}
	return f, ps
}

// appendRow returns a function that decodes a row into its table.
func appendRow[T any](table *[]T, setLine func(*T, int)) func(int, json.RawMessage) error {
	return func(line int, raw json.RawMessage) error {
		var r T
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		setLine(&r, line)
		*table = append(*table, r)
		return nil
	}
}

func syntaxProblem(data []byte, dec *json.Decoder, err error) Problem {
	off := skipSpace(data, dec.InputOffset())
	var v any
	if se, ok := json.Unmarshal(data, &v).(*json.SyntaxError); ok {
		off = se.Offset - 1 // the decoder's offsets are relative to its buffer; this is to the file
	}
	return Problem{Line: lineAt(data, off), Field: "feed", Reason: "the file is not valid JSON: " + jsonReason(err)}
}

// jsonReason words a JSON error without Go's type names.
func jsonReason(err error) string {
	var te *json.UnmarshalTypeError
	if t, ok := err.(*json.UnmarshalTypeError); ok {
		te = t
		return fmt.Sprintf("field %q should be a %s, not a %s", te.Field, strings.TrimPrefix(te.Type.Kind().String(), "float64"), te.Value)
	}
	return err.Error()
}

func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.ContainsRune(" \t\r\n,", rune(data[off])) {
		off++
	}
	return off
}

// lineAt is the 1-based line of a byte offset.
func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// assemble joins the tables into services, checking ids and references.
func (f *Feed) assemble() ([]Service, Problems) {
	var ps Problems
	orgs := map[string]*feedOrganisation{}
	for i := range f.Organisations {
		o := &f.Organisations[i]
		if uniqueID(&ps, o.Line, "organizations", o.ID, orgs != nil && orgs[o.ID] != nil) {
			orgs[o.ID] = o
		}
	}
	locs := map[string]*feedLocation{}
	for i := range f.Locations {
		l := &f.Locations[i]
		if uniqueID(&ps, l.Line, "locations", l.ID, locs[l.ID] != nil) {
			locs[l.ID] = l
		}
	}
	terms := map[string]bool{}
	for _, t := range f.TaxonomyTerms {
		terms[t.ID] = true
	}
	byID := map[string]*Service{}
	var order []string
	for _, r := range f.Services {
		if !uniqueID(&ps, r.Line, "services", r.ID, byID[r.ID] != nil) {
			continue
		}
		o, ok := orgs[r.OrganisationID]
		if !ok {
			ps = append(ps, Problem{Line: r.Line, Field: "services." + r.ID + ".organization_id", Reason: fmt.Sprintf("organisation %q is not in the feed's organizations", r.OrganisationID)})
			continue
		}
		byID[r.ID] = &Service{ID: r.ID, Organisation: o.Organisation, Name: r.Name, Description: r.Description, URL: r.URL, Email: r.Email}
		order = append(order, r.ID)
	}
	lines := map[string]int{}
	for _, r := range f.Services {
		lines[r.ID] = r.Line
	}
	service := func(line int, table, id string) *Service {
		s, ok := byID[id]
		if !ok && lines[id] == 0 {
			ps = append(ps, Problem{Line: line, Field: table + ".service_id", Reason: fmt.Sprintf("service %q is not in the feed's services", id)})
		}
		return s
	}
	for _, r := range f.ServiceAtLocations {
		s := service(r.Line, "service_at_locations", r.ServiceID)
		l, ok := locs[r.LocationID]
		if !ok {
			ps = append(ps, Problem{Line: r.Line, Field: "service_at_locations.location_id", Reason: fmt.Sprintf("location %q is not in the feed's locations", r.LocationID)})
		}
		if s != nil && ok {
			s.Locations = append(s.Locations, l.Location)
		}
	}
	seenContact := map[string]bool{}
	for _, r := range f.Contacts {
		uniqueID(&ps, r.Line, "contacts", r.ID, seenContact[r.ID])
		seenContact[r.ID] = true
		if s := service(r.Line, "contacts", r.ServiceID); s != nil {
			s.Contacts = append(s.Contacts, r.Contact)
		}
	}
	for _, r := range f.Schedules {
		if s := service(r.Line, "regular_schedules", r.ServiceID); s != nil {
			s.Schedules = append(s.Schedules, r.Schedule)
		}
	}
	for _, r := range f.Eligibilities {
		if s := service(r.Line, "eligibilitys", r.ServiceID); s != nil {
			s.Eligibility = joinText(s.Eligibility, r.Eligibility)
		}
	}
	for _, r := range f.CostOptions {
		if s := service(r.Line, "cost_options", r.ServiceID); s != nil {
			s.Cost = joinText(s.Cost, r.Description)
		}
	}
	for _, r := range f.ServiceTaxonomies {
		if !terms[r.TaxonomyID] {
			if _, err := FindTheme(r.TaxonomyID); err != nil {
				ps = append(ps, Problem{Line: r.Line, Field: "service_taxonomys.taxonomy_id", Reason: fault.Message(err)})
				continue
			}
		}
		if s := service(r.Line, "service_taxonomys", r.ServiceID); s != nil {
			s.Themes = append(s.Themes, r.TaxonomyID)
		}
	}
	return finish(order, byID, lines, ps)
}

// finish validates the services read from a file in the order read,
// adding their problems (at the line each service starts on) to ps; any
// problem refuses them all.
func finish(order []string, byID map[string]*Service, lines map[string]int, ps Problems) ([]Service, Problems) {
	out := make([]Service, 0, len(order))
	for _, id := range order {
		s := byID[id]
		sort.Strings(s.Themes)
		for _, p := range Validate(s) {
			p.Line, p.Field = lines[id], "service "+id+": "+p.Field
			ps = append(ps, p)
		}
		out = append(out, *s)
	}
	if len(out) == 0 && len(ps) == 0 {
		ps = append(ps, Problem{Line: 1, Field: "services", Reason: "the file has no services"})
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return out, nil
}

// uniqueID checks a row's id: present and not seen before.
func uniqueID(ps *Problems, line int, table, id string, seen bool) bool {
	switch {
	case id == "":
		*ps = append(*ps, Problem{Line: line, Field: table + ".id", Reason: "the row has no id"})
	case seen:
		*ps = append(*ps, Problem{Line: line, Field: table + ".id", Reason: fmt.Sprintf("id %q is used twice", id)})
	default:
		return true
	}
	return false
}

func joinText(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
