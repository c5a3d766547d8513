package community

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// Index is the published directory held in memory for search: built once
// per change, read by any number of requests at once, never modified.
type Index struct {
	all  []Version // by service id
	byID map[string]*Version
	text []string // lower-cased searchable text, parallel to all
}

// NewIndex indexes the current versions.
func NewIndex(vs []Version) *Index {
	sort.Slice(vs, func(i, j int) bool { return vs[i].Service.ID < vs[j].Service.ID })
	ix := &Index{all: vs, byID: make(map[string]*Version, len(vs)), text: make([]string, len(vs))}
	for i := range vs {
		s := &vs[i].Service
		ix.byID[s.ID] = &vs[i]
		parts := []string{s.Name, s.Description, s.Organisation.Name, s.Eligibility, strings.Join(s.Themes, " ")}
		for _, l := range s.Locations {
			parts = append(parts, l.Name, l.Address, l.Town, l.Postcode)
		}
		ix.text[i] = strings.ToLower(strings.Join(parts, " "))
	}
	return ix
}

// Len is the number of published services.
func (ix *Index) Len() int { return len(ix.all) }

// All returns every published version, by service id. Callers must not
// modify them.
func (ix *Index) All() []Version { return ix.all }

// Get returns a published service's current version.
func (ix *Index) Get(id string) (*Version, error) {
	v, ok := ix.byID[id]
	if !ok {
		return nil, fault.Errorf(fault.NotFound, "no published service %q", id)
	}
	return v, nil
}

// ActsFor reports whether u may act for organisation id: u may edit (see
// [CanEdit]) one of its published services.
func (ix *Index) ActsFor(u *govern.User, id string) bool {
	for i := range ix.all {
		if ix.all[i].Service.Organisation.ID == id && CanEdit(u, ix.all[i].Owner) {
			return true
		}
	}
	return false
}

// Organisation returns the organisation of a published service by its
// id (the organisation of the first such service, by service id).
func (ix *Index) Organisation(id string) (Organisation, bool) {
	for i := range ix.all {
		if o := ix.all[i].Service.Organisation; o.ID == id {
			return o, true
		}
	}
	return Organisation{}, false
}

// Query filters the published directory. Zero fields do not filter.
type Query struct {
	Text     string // every word must appear in the name, description, organisation, address or themes
	Theme    string // a theme id
	District string // a local authority district code
	Day      string // a byday code: open on that day
	// OpenAt, when set, keeps services open at that moment (county time).
	OpenAt time.Time
	Kind   Kind // formal or informal
	// Page (from 1) and PerPage (1–200, default 50) select a page.
	Page, PerPage int
}

// MaxPerPage caps a page.
const MaxPerPage = 200

// Validate checks a query's fields and fills defaults.
func (q *Query) Validate() error {
	var ps Problems
	if q.Theme != "" {
		if _, err := FindTheme(q.Theme); err != nil {
			ps.add("theme", "%s", fault.Message(err))
		}
	}
	if q.Day != "" && !validWeekday(q.Day) {
		ps.add("day", "day %q is not one of %s", q.Day, strings.Join(Weekdays, " "))
	}
	if q.Kind != "" && q.Kind != Formal && q.Kind != Informal {
		ps.add("kind", "kind %q is not formal or informal", q.Kind)
	}
	if len(q.Text) > 200 {
		ps.add("text", "search text is at most 200 characters")
	}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.PerPage == 0 {
		q.PerPage = 50
	}
	if q.Page < 1 {
		ps.add("page", "page numbers start at 1")
	}
	if q.PerPage < 1 || q.PerPage > MaxPerPage {
		ps.add("per_page", "per_page is between 1 and %d", MaxPerPage)
	}
	return ps.Err()
}

// Page is one page of a query's results.
type Page struct {
	Total      int       `json:"total_items"`
	Page       int       `json:"page_number"`
	PerPage    int       `json:"size"`
	TotalPages int       `json:"total_pages"`
	First      bool      `json:"first_page"`
	Last       bool      `json:"last_page"`
	Items      []Version `json:"-"`
}

// Search returns the page of services matching q (validated first).
func (ix *Index) Search(q Query) (*Page, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	matches := ix.Match(q)
	p := &Page{Total: len(matches), Page: q.Page, PerPage: q.PerPage}
	p.TotalPages = (len(matches) + q.PerPage - 1) / q.PerPage
	p.First, p.Last = q.Page == 1, q.Page >= p.TotalPages
	lo := min((q.Page-1)*q.PerPage, len(matches))
	hi := min(lo+q.PerPage, len(matches))
	for _, i := range matches[lo:hi] {
		p.Items = append(p.Items, ix.all[i])
	}
	return p, nil
}

// Match returns the positions of every service matching q's filters.
func (ix *Index) Match(q Query) []int {
	words := strings.Fields(strings.ToLower(q.Text))
	var out []int
	for i := range ix.all {
		if ix.matches(i, &q, words) {
			out = append(out, i)
		}
	}
	return out
}

func (ix *Index) matches(i int, q *Query, words []string) bool {
	s := &ix.all[i].Service
	if q.Theme != "" && !slices.Contains(s.Themes, q.Theme) {
		return false
	}
	if q.Kind != "" && s.Organisation.Kind != q.Kind {
		return false
	}
	if q.District != "" && !slices.ContainsFunc(s.Locations, func(l Location) bool { return l.District == q.District }) {
		return false
	}
	if q.Day != "" && !slices.ContainsFunc(s.Schedules, func(sc Schedule) bool { return sc.Weekday == q.Day }) {
		return false
	}
	if !q.OpenAt.IsZero() && !OpenAt(s.Schedules, q.OpenAt) {
		return false
	}
	for _, w := range words {
		if !strings.Contains(ix.text[i], w) {
			return false
		}
	}
	return true
}

// county is the county's time zone: opening hours are local times.
var county = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

// OpenAt reports whether a schedule is open at t (in county time).
func OpenAt(ss []Schedule, t time.Time) bool {
	t = t.In(county)
	day := Weekdays[(int(t.Weekday())+6)%7]
	hm := t.Format("15:04")
	for _, s := range ss {
		if s.Weekday == day && s.Opens <= hm && hm < s.Closes {
			return true
		}
	}
	return false
}
