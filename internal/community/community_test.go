package community

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

var testPlacer = sync.OnceValues(LoadPlacer)

func placer(tb testing.TB) *Placer {
	tb.Helper()
	p, err := testPlacer()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// readFixture decodes and places testdata/feed.json.
func readFixture(tb testing.TB) []Service {
	tb.Helper()
	data, err := os.ReadFile("testdata/feed.json")
	if err != nil {
		tb.Fatal(err)
	}
	ss, ps := DecodeFeed(data)
	if len(ps) > 0 {
		tb.Fatalf("fixture refused: %v", ps)
	}
	d := &Directory{Placer: placer(tb)}
	for i := range ss {
		if ps := d.Prepare(&ss[i]); len(ps) > 0 {
			tb.Fatalf("fixture service %s: %v", ss[i].ID, ps)
		}
	}
	return ss
}

func TestDecodeFeed(t *testing.T) {
	ss := readFixture(t)
	if len(ss) != 3 {
		t.Fatalf("got %d services, want 3", len(ss))
	}
	drop, lunch, food := ss[0], ss[1], ss[2]
	if drop.Organisation.CharityNumber != "1000001" || drop.Organisation.Kind != Formal || drop.Eligibility != "Adults 18 and over" {
		t.Errorf("drop-in = %+v", drop)
	}
	if lunch.Organisation.Kind != Informal || lunch.Organisation.CharityNumber != "" || lunch.Cost != "£2 a meal" {
		t.Errorf("lunch club = %+v: an informal group needs no registration number", lunch)
	}
	if got := lunch.Themes; !reflect.DeepEqual(got, []string{"food", "loneliness"}) {
		t.Errorf("lunch themes = %v", got)
	}
	if len(food.Locations) != 2 || len(lunch.Schedules) != 1 || len(drop.Contacts) != 1 {
		t.Errorf("food share locations %d, lunch schedules %d, drop-in contacts %d", len(food.Locations), len(lunch.Schedules), len(drop.Contacts))
	}
}

func TestPlace(t *testing.T) {
	p := placer(t)
	cases := []struct {
		name      string
		loc       Location
		precision Precision
		district  string
		refused   string
	}{
		{"lsoa centroid", Location{ID: "a", LSOA: "E01021637"}, PrecisionLSOA, "E07000071", ""},
		{"postcode district", Location{ID: "a", Postcode: "cm1 1aa"}, PrecisionDistrict, "E07000070", ""},
		{"point in the county", Location{ID: "a", Latitude: 51.553235, Longitude: 0.653406}, PrecisionPoint, "E06000033", ""},
		{"postcode outside", Location{ID: "a", Postcode: "NW1 1AA"}, "", "", "outside the county"},
		{"point outside", Location{ID: "a", Latitude: 51.5072, Longitude: -0.1276}, "", "", "outside the county"},
		{"cross-border point", Location{ID: "a", Latitude: 51.5072, Longitude: -0.1276, CrossBorder: true}, PrecisionPoint, "", ""},
		{"cross-border postcode without point", Location{ID: "a", Postcode: "NW1 1AA", CrossBorder: true}, "", "", "needs its latitude and longitude"},
		{"unknown lsoa", Location{ID: "a", LSOA: "E01999999"}, "", "", "not one of the county's"},
		{"nothing to place by", Location{ID: "a", Name: "somewhere"}, "", "", "cannot be placed"},
		{"swapped coordinates", Location{ID: "a", Latitude: 0.65, Longitude: 51.55}, "", "", "swapped"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := c.loc
			reason := p.place(&l)
			if c.refused != "" {
				if !strings.Contains(reason, c.refused) {
					t.Errorf("reason = %q, want it to say %q", reason, c.refused)
				}
				return
			}
			if reason != "" || l.Precision != c.precision || l.District != c.district || l.Latitude == 0 {
				t.Errorf("placed %+v (%q), want precision %s district %q", l, reason, c.precision, c.district)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := func() Service {
		return Service{ID: "s1", Name: "Lunch", Themes: []string{"food"}, Organisation: Organisation{ID: "o1", Name: "Neighbours", Kind: Informal},
			Locations: []Location{{ID: "l1", Postcode: "CM1 1AA"}}}
	}
	cases := []struct {
		name  string
		edit  func(*Service)
		field string
	}{
		{"fine", func(*Service) {}, ""},
		{"no name", func(s *Service) { s.Name = " " }, "name"},
		{"script in description", func(s *Service) { s.Description = `Hi <script>alert(1)</script>` }, "description"},
		{"handler in org name", func(s *Service) { s.Organisation.Name = `x" onmouseover="alert(1)` }, "organization.name"},
		{"javascript url", func(s *Service) { s.URL = "javascript:alert(1)" }, "url"},
		{"image tag in location", func(s *Service) { s.Locations[0].Name = "<img src=x>" }, "locations[0].name"},
		{"unknown theme", func(s *Service) { s.Themes = []string{"knitting"} }, "themes[0]"},
		{"no theme", func(s *Service) { s.Themes = nil }, "themes"},
		{"bad kind", func(s *Service) { s.Organisation.Kind = "" }, "organization.x_kind"},
		{"bad email", func(s *Service) { s.Email = "not-an-email" }, "email"},
		{"bad id", func(s *Service) { s.ID = "a b" }, "id"},
		{"no locations", func(s *Service) { s.Locations = nil }, "locations"},
		{"schedule backwards", func(s *Service) { s.Schedules = []Schedule{{"MO", "12:00", "09:00"}} }, "regular_schedules[0].closes_at"},
		{"bad day", func(s *Service) { s.Schedules = []Schedule{{"XX", "09:00", "12:00"}} }, "regular_schedules[0].byday"},
		{"empty contact", func(s *Service) { s.Contacts = []Contact{{ID: "c"}} }, "contacts[0]"},
		{"less-than in prose is fine", func(s *Service) { s.Description = "Waits are < 5 minutes" }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := ok()
			c.edit(&s)
			ps := Validate(&s)
			switch {
			case c.field == "" && len(ps) > 0:
				t.Errorf("refused: %v", ps)
			case c.field != "" && (len(ps) == 0 || ps[0].Field != c.field):
				t.Errorf("problems %v, want the first about %s", ps, c.field)
			}
		})
	}
}

func TestDecodeFeedRefuses(t *testing.T) {
	good, err := os.ReadFile("testdata/feed.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, from, to string
		line           int
		want           string
	}{
		{"missing service id", `{"id": "svc-lunch-club", "organization_id"`, `{"id": "", "organization_id"`, 8, "no id"},
		{"duplicate service id", `{"id": "svc-food-share", "organization_id"`, `{"id": "svc-lunch-club", "organization_id"`, 9, "used twice"},
		{"broken organisation reference", `"organization_id": "org-harbour-trust"`, `"organization_id": "org-nowhere"`, 7, "org-nowhere"},
		{"broken location reference", `"location_id": "loc-elm-room"}`, `"location_id": "loc-gone"}`, 18, "loc-gone"},
		{"unknown theme", `"taxonomy_id": "food"}`, `"taxonomy_id": "knitting"}`, 36, "unknown theme"},
		{"script payload", `"name": "Food share"`, `"name": "<script>x</script>"`, 9, "HTML or script"},
		{"location unplaceable is checked later, a missing name now", `"name": "Friday lunch club", `, ``, 8, "required"},
		{"wrong type", `"x_consent": true`, `"x_consent": "yes"`, 23, "wrong types"},
		{"a table not an array", `"eligibilitys": [`, `"eligibilitys": 3, "x": [`, 30, "JSON array"},
		{"malformed JSON", `"status": "active"},`, `"status": "active"`, 8, "not valid JSON"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := bytes.Replace(good, []byte(c.from), []byte(c.to), 1)
			if bytes.Equal(data, good) {
				t.Fatalf("the case changed nothing")
			}
			ss, ps := DecodeFeed(data)
			if len(ps) == 0 {
				t.Fatalf("accepted %d services", len(ss))
			}
			if ss != nil {
				t.Errorf("returned services beside problems")
			}
			if ps[0].Line != c.line || !strings.Contains(ps[0].Reason+ps[0].Field, c.want) {
				t.Errorf("first problem %+v, want line %d saying %q (all: %v)", ps[0], c.line, c.want, ps)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	ss := readFixture(t)
	for _, f := range []struct {
		name   string
		encode func(*bytes.Buffer, []Service) error
		decode func([]byte) ([]Service, Problems)
	}{
		{"oruk-json", func(b *bytes.Buffer, s []Service) error { return EncodeFeed(b, s) }, DecodeFeed},
		{"csv", func(b *bytes.Buffer, s []Service) error { return EncodeCSV(b, s) }, func(b []byte) ([]Service, Problems) { return DecodeCSV(bytes.NewReader(b)) }},
	} {
		t.Run(f.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := f.encode(&buf, ss); err != nil {
				t.Fatal(err)
			}
			if strings.Contains(buf.String(), "organiser@example.org") {
				t.Error("a contact without consent was exported")
			}
			back, ps := f.decode(buf.Bytes())
			if len(ps) > 0 {
				t.Fatalf("export refused on import: %v", ps)
			}
			d := &Directory{Placer: placer(t)}
			for i := range back {
				if ps := d.Prepare(&back[i]); len(ps) > 0 {
					t.Fatal(ps)
				}
				if got, want := back[i].Digest(), ss[i].Public().Digest(); got != want {
					t.Errorf("service %s changed in the round trip:\n got %+v\nwant %+v", back[i].ID, back[i], ss[i].Public())
				}
			}
		})
	}
}

func TestSearch(t *testing.T) {
	ss := readFixture(t)
	var vs []Version
	for i, s := range ss {
		vs = append(vs, Version{Service: s, Version: 1, Submission: int64(i + 1)})
	}
	ix := NewIndex(vs)
	tue1030 := time.Date(2026, 12, 8, 10, 30, 0, 0, county) // a Tuesday
	cases := []struct {
		name string
		q    Query
		want []string
	}{
		{"all", Query{}, []string{"svc-drop-in", "svc-food-share", "svc-lunch-club"}},
		{"theme", Query{Theme: "food"}, []string{"svc-food-share", "svc-lunch-club"}},
		{"district", Query{District: "E07000071"}, []string{"svc-drop-in"}},
		{"day", Query{Day: "FR"}, []string{"svc-lunch-club"}},
		{"open now", Query{OpenAt: tue1030}, []string{"svc-drop-in"}},
		{"closed later", Query{OpenAt: tue1030.Add(3 * time.Hour)}, nil},
		{"text, every word", Query{Text: "LUNCH own"}, []string{"svc-lunch-club"}},
		{"text on organisation", Query{Text: "harbour"}, []string{"svc-drop-in"}},
		{"kind", Query{Kind: Informal}, []string{"svc-food-share", "svc-lunch-club"}},
		{"paged", Query{PerPage: 2, Page: 2}, []string{"svc-lunch-club"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ix.Search(c.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range p.Items {
				got = append(got, v.Service.ID)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	for _, bad := range []Query{{Theme: "knitting"}, {Day: "XX"}, {PerPage: 500}, {Page: -1}} {
		if _, err := ix.Search(bad); err == nil {
			t.Errorf("query %+v accepted", bad)
		}
	}
}

func TestSynthesise(t *testing.T) {
	p := placer(t)
	ss := Synthesise(p, 400, 7)
	d := &Directory{Placer: p}
	districts, kinds, cross := map[string]int{}, map[Kind]int{}, 0
	for i := range ss {
		if ps := d.Prepare(&ss[i]); len(ps) > 0 {
			t.Fatalf("synthetic service %s refused: %v", ss[i].ID, ps)
		}
		for _, l := range ss[i].Locations {
			districts[l.District]++
			if l.CrossBorder {
				cross++
			}
		}
		kinds[ss[i].Organisation.Kind]++
		if !strings.Contains(ss[i].Organisation.Name, "(demo)") {
			t.Errorf("organisation %q is not marked as made up", ss[i].Organisation.Name)
		}
	}
	if len(districts) < 14 || cross != 2 || kinds[Formal] < 100 || kinds[Informal] < 100 {
		t.Errorf("districts %d (want all 14 and the cross-border), cross-border %d, kinds %v", len(districts), cross, kinds)
	}
	again := Synthesise(p, 400, 7)
	if again[17].Name != ss[17].Name || again[17].Locations[0].LSOA != ss[17].Locations[0].LSOA {
		t.Error("the same seed gave another directory")
	}
}

func TestGaps(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	need := []Need{
		{District: "A", Rate: f(9), Display: "9.0"},
		{District: "B", Rate: f(8), Display: "8.0"},
		{District: "C", Rate: f(2), Display: "2.0"},
		{District: "D", Rate: nil, Display: "[c]"},
		{District: "E", Rate: f(5), Display: "5.0"},
	}
	support := map[string]int{"A": 1, "B": 20, "C": 1, "D": 0, "E": 5}
	residents := map[string]int{"A": 100000, "B": 100000, "C": 100000, "D": 50000, "E": 100000}
	gs := Gaps(need, support, residents)
	var order []string
	for _, g := range gs {
		order = append(order, g.District)
	}
	if !reflect.DeepEqual(order, []string{"A", "C", "B", "E", "D"}) {
		t.Errorf("order %v, want the highest need with the thinnest support first and the suppressed district last", order)
	}
	if !gs[0].Gap || gs[0].PerTenThousand != 0.1 || gs[1].Gap || gs[2].Gap || gs[4].Gap || !gs[4].Unknown {
		t.Errorf("gaps %+v", gs)
	}
}

func TestNullTableIsEmpty(t *testing.T) {
	var buf bytes.Buffer
	ss := readFixture(t)[2:] // the food share: no eligibility, cost or contacts
	if err := EncodeFeed(&buf, ss); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "null") {
		t.Errorf("the feed writes a null table")
	}
	data := bytes.Replace(buf.Bytes(), []byte(`"eligibilitys": []`), []byte(`"eligibilitys": null`), 1)
	if _, ps := DecodeFeed(data); len(ps) > 0 {
		t.Errorf("a null table refused: %v", ps)
	}
}

func TestSynthesisedFeedImports(t *testing.T) {
	var buf bytes.Buffer
	if err := EncodeFeed(&buf, Synthesise(placer(t), 50, 2)); err != nil {
		t.Fatal(err)
	}
	if ss, ps := DecodeFeed(buf.Bytes()); len(ps) > 0 || len(ss) != 52 {
		t.Errorf("a synthetic directory's feed: %d services, problems %v", len(ss), ps)
	}
}
