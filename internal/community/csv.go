package community

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// csvColumns are the columns of the CSV shape: one row per service at a
// location, the service's fields repeated on each of its rows.
var csvColumns = []string{
	"service_id", "name", "description", "url", "email", "eligibility", "cost", "themes",
	"organisation_id", "organisation_name", "organisation_description", "organisation_url", "organisation_kind", "charity_number",
	"location_id", "location_name", "address", "town", "postcode", "lsoa", "district", "latitude", "longitude", "precision", "cross_border",
	"schedules", "contacts",
}

// EncodeCSV writes services in the CSV shape. Lists are joined with "; ":
// themes by id, schedules as "MO 09:00-12:00", contacts (only those with
// recorded consent) as "id|name|title|phone|email".
func EncodeCSV(w io.Writer, services []Service) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return err
	}
	for _, s := range services {
		s = s.Public()
		head := []string{s.ID, s.Name, s.Description, s.URL, s.Email, s.Eligibility, s.Cost, strings.Join(s.Themes, "; "),
			s.Organisation.ID, s.Organisation.Name, s.Organisation.Description, s.Organisation.URL, string(s.Organisation.Kind), s.Organisation.CharityNumber}
		tail := []string{schedulesText(s.Schedules), contactsText(s.Contacts)}
		for _, l := range s.Locations {
			loc := []string{l.ID, l.Name, l.Address, l.Town, l.Postcode, l.LSOA, l.District, ftoa(l.Latitude), ftoa(l.Longitude), string(l.Precision), strconv.FormatBool(l.CrossBorder)}
			if err := cw.Write(slices.Concat(head, loc, tail)); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func schedulesText(ss []Schedule) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Weekday + " " + s.Opens + "-" + s.Closes
	}
	return strings.Join(out, "; ")
}

func contactsText(cs []Contact) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = strings.Join([]string{c.ID, c.Name, c.Title, c.Phone, c.Email}, "|")
	}
	return strings.Join(out, "; ")
}

// DecodeCSV reads services in the CSV shape [EncodeCSV] writes. Rows of
// one service must agree on the service's fields. Contacts in the CSV are
// public ones, so their consent is taken as recorded. Any problem refuses
// the whole file: every problem found is returned with its line.
func DecodeCSV(r io.Reader) ([]Service, Problems) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, Problems{{Line: 1, Field: "header", Reason: "the file has no CSV header: " + err.Error()}}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	var ps Problems
	for _, c := range csvColumns {
		if _, ok := col[c]; !ok {
			ps = append(ps, Problem{Line: 1, Field: c, Reason: "the column is missing: the CSV shape is what `community export --format csv` writes"})
		}
	}
	if len(ps) > 0 {
		return nil, ps
	}
	byID := map[string]*Service{}
	firstRow := map[string][]string{}
	lines := map[string]int{}
	var order []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			ps = append(ps, Problem{Line: line, Field: "row", Reason: "not valid CSV: " + err.Error()})
			return nil, ps
		}
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		if len(rec) != len(header) {
			ps = append(ps, Problem{Line: line, Field: "row", Reason: fmt.Sprintf("has %d fields, the header %d", len(rec), len(header))})
			continue
		}
		id := get("service_id")
		if id == "" {
			ps = append(ps, Problem{Line: line, Field: "service_id", Reason: "the row has no service id"})
			continue
		}
		l, lp := csvLocation(get)
		for _, p := range lp {
			ps = append(ps, Problem{Line: line, Field: p.Field, Reason: p.Reason})
		}
		s, ok := byID[id]
		if !ok {
			s = csvService(get)
			for _, p := range csvLists(get, s) {
				ps = append(ps, Problem{Line: line, Field: p.Field, Reason: p.Reason})
			}
			byID[id], lines[id], firstRow[id] = s, line, rec
			order = append(order, id)
		} else if f := disagree(header, firstRow[id], rec); f != "" {
			ps = append(ps, Problem{Line: line, Field: f, Reason: fmt.Sprintf("differs from the first row of service %q (line %d): a service's rows must agree on its fields", id, lines[id])})
		}
		s.Locations = append(s.Locations, l)
	}
	return finish(order, byID, lines, ps)
}

func csvService(get func(string) string) *Service {
	s := &Service{ID: get("service_id"), Name: get("name"), Description: get("description"), URL: get("url"), Email: get("email"),
		Eligibility: get("eligibility"), Cost: get("cost"),
		Organisation: Organisation{ID: get("organisation_id"), Name: get("organisation_name"), Description: get("organisation_description"),
			URL: get("organisation_url"), Kind: Kind(get("organisation_kind")), CharityNumber: get("charity_number")}}
	return s
}

// csvLists reads a service's themes, schedules and contacts.
func csvLists(get func(string) string, s *Service) Problems {
	var ps Problems
	for _, t := range splitList(get("themes")) {
		s.Themes = append(s.Themes, t)
	}
	for _, sc := range splitList(get("schedules")) {
		day, span, _ := strings.Cut(sc, " ")
		opens, closes, ok := strings.Cut(span, "-")
		if !ok {
			ps.add("schedules", "%q is not \"DAY HH:MM-HH:MM\" (e.g. MO 09:00-12:00)", sc)
			continue
		}
		s.Schedules = append(s.Schedules, Schedule{Weekday: day, Opens: opens, Closes: closes})
	}
	for _, c := range splitList(get("contacts")) {
		f := strings.Split(c, "|")
		if len(f) != 5 {
			ps.add("contacts", "%q is not \"id|name|title|phone|email\"", c)
			continue
		}
		s.Contacts = append(s.Contacts, Contact{ID: f[0], Name: f[1], Title: f[2], Phone: f[3], Email: f[4], Consent: true})
	}
	return ps
}

func csvLocation(get func(string) string) (Location, Problems) {
	var ps Problems
	l := Location{ID: get("location_id"), Name: get("location_name"), Address: get("address"), Town: get("town"),
		Postcode: get("postcode"), LSOA: get("lsoa"), District: get("district"), Precision: Precision(get("precision"))}
	for _, c := range []struct {
		name string
		to   *float64
	}{{"latitude", &l.Latitude}, {"longitude", &l.Longitude}} {
		if v := get(c.name); v != "" {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				ps.add(c.name, "%q is not a number", v)
			}
			*c.to = f
		}
	}
	if v := get("cross_border"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			ps.add("cross_border", "%q is not true or false", v)
		}
		l.CrossBorder = b
	}
	return l, ps
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ";") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// disagree names the first service column two rows differ in, or "".
func disagree(header, a, b []string) string {
	for i, h := range header {
		if slices.Contains(csvServiceColumns, h) && i < len(a) && i < len(b) && strings.TrimSpace(a[i]) != strings.TrimSpace(b[i]) {
			return h
		}
	}
	return ""
}

// csvServiceColumns are the columns that belong to the service (not the location).
var csvServiceColumns = slices.Concat(csvColumns[:14], csvColumns[25:])
