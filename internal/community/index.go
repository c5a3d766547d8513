package community

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"sync"
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

	// postings lists the positions of the services with each theme
	// ("theme:food"), district ("district:E07000070") and opening day
	// ("day:MO"), ascending.
	postings map[string][]int
	// vocab is every distinct whitespace-free run of the services' text,
	// joined by NUL (starts[k] where run k begins), with the positions of
	// the services holding each run (holders[k], ascending). A query word
	// has no whitespace, so it is in a service's text exactly when it is
	// in one of its runs: one scan of the runs finds its services.
	vocab   string
	starts  []int
	holders [][]int

	docsOnce sync.Once
	docs     []json.RawMessage // PublicJSON, parallel to all, made on first use
}

// PublicVersion is a published service as the open-data API shows it:
// public fields only (contacts with consent), with its version.
type PublicVersion struct {
	Service
	Version     int       `json:"x_version"`
	PublishedAt time.Time `json:"x_published_at"`
}

// Public returns the version as the open-data API shows it.
func (v Version) Public() PublicVersion {
	return PublicVersion{Service: v.Service.Public(), Version: v.Version, PublishedAt: v.PublishedAt}
}

// PublicJSON returns the published service at position i (see
// [Page.Positions]) as [PublicVersion]'s compact JSON. Every service's is
// encoded once per index, on first use, so a page of results is written
// without encoding its services again.
func (ix *Index) PublicJSON(i int) json.RawMessage {
	ix.docsOnce.Do(func() {
		ix.docs = make([]json.RawMessage, len(ix.all))
		for k := range ix.all {
			ix.docs[k], _ = json.Marshal(ix.all[k].Public()) // plain data: cannot fail
		}
	})
	return ix.docs[i]
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
		ix.post(i, s)
	}
	ix.buildVocab()
	return ix
}

// buildVocab indexes the services' text by its whitespace-free runs.
func (ix *Index) buildVocab() {
	runs := map[string][]int{}
	for i, t := range ix.text {
		for _, w := range strings.Fields(t) {
			if h := runs[w]; len(h) == 0 || h[len(h)-1] != i {
				runs[w] = append(h, i)
			}
		}
	}
	words := make([]string, 0, len(runs))
	for w := range runs {
		words = append(words, w)
	}
	sort.Strings(words)
	var b strings.Builder
	ix.starts, ix.holders = make([]int, len(words)), make([][]int, len(words))
	for k, w := range words {
		ix.starts[k], ix.holders[k] = b.Len(), runs[w]
		b.WriteString(w)
		b.WriteByte(0)
	}
	ix.vocab = b.String()
}

// post adds service i to the postings of its themes, districts and days.
func (ix *Index) post(i int, s *Service) {
	if ix.postings == nil {
		ix.postings = map[string][]int{}
	}
	seen := map[string]bool{}
	add := func(key string) {
		if !seen[key] {
			seen[key] = true
			ix.postings[key] = append(ix.postings[key], i)
		}
	}
	for _, t := range s.Themes {
		add("theme:" + t)
	}
	for _, l := range s.Locations {
		add("district:" + l.District)
	}
	for _, sc := range s.Schedules {
		add("day:" + sc.Weekday)
	}
}

// withWord returns the positions of the services whose text holds w,
// ascending.
func (ix *Index) withWord(w string) []int {
	if w == "" || strings.IndexByte(w, 0) >= 0 {
		return nil
	}
	has := make([]bool, len(ix.all))
	for at := 0; at < len(ix.vocab); {
		k := strings.Index(ix.vocab[at:], w)
		if k < 0 {
			break
		}
		run := sort.SearchInts(ix.starts, at+k+1) - 1
		for _, i := range ix.holders[run] {
			has[i] = true
		}
		if run+1 >= len(ix.starts) {
			break
		}
		at = ix.starts[run+1]
	}
	var out []int
	for i, h := range has {
		if h {
			out = append(out, i)
		}
	}
	return out
}

// candidates narrows the services a query can match to the shortest of
// its filters' postings and its first word's services (nil: all of them).
// Every candidate is still checked in full.
func (ix *Index) candidates(m *matcher) []int {
	var best []int
	all := true
	for _, key := range []string{"theme:" + m.q.Theme, "district:" + m.q.District, "day:" + m.q.Day} {
		if strings.HasSuffix(key, ":") {
			continue
		}
		if p := ix.postings[key]; all || len(p) < len(best) {
			best, all = p, false
		}
	}
	if len(m.words) > 0 && (all || len(best) > 256) {
		if w := ix.withWord(m.words[0]); all || len(w) < len(best) {
			best, all = w, false
		}
	}
	if all {
		return nil
	}
	if best == nil {
		best = []int{}
	}
	return best
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
	// Positions are the items' positions in the index (for PublicJSON).
	Positions []int `json:"-"`
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
	p.Positions = matches[lo:hi]
	for _, i := range p.Positions {
		p.Items = append(p.Items, ix.all[i])
	}
	return p, nil
}

// Match returns the positions of every service matching q's filters.
func (ix *Index) Match(q Query) []int {
	m := matcher{q: &q, words: strings.Fields(strings.ToLower(q.Text))}
	if !q.OpenAt.IsZero() {
		m.day, m.hm = dayAndTime(q.OpenAt)
	}
	var out []int
	if cand := ix.candidates(&m); cand != nil {
		for _, i := range cand {
			if ix.matches(i, &m) {
				out = append(out, i)
			}
		}
		return out
	}
	for i := range ix.all {
		if ix.matches(i, &m) {
			out = append(out, i)
		}
	}
	return out
}

// matcher is a query with what it asks worked out once: its words, and
// the county weekday and time of its OpenAt.
type matcher struct {
	q       *Query
	words   []string
	day, hm string
}

func (ix *Index) matches(i int, m *matcher) bool {
	q, words := m.q, m.words
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
	if m.day != "" && !openAt(s.Schedules, m.day, m.hm) {
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
	day, hm := dayAndTime(t)
	return openAt(ss, day, hm)
}

// dayAndTime is t's weekday code and HH:MM in county time.
func dayAndTime(t time.Time) (day, hm string) {
	t = t.In(county)
	return Weekdays[(int(t.Weekday())+6)%7], t.Format("15:04")
}

func openAt(ss []Schedule, day, hm string) bool {
	for _, s := range ss {
		if s.Weekday == day && s.Opens <= hm && hm < s.Closes {
			return true
		}
	}
	return false
}
