package web

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
)

// harbourLSOA is the test feed's LSOA (svc-lunch-club is placed there).
const harbourLSOA = "E01021637"

// opportunityForm is a valid opportunity's form, in the harbour LSOA.
func opportunityFormValues() url.Values {
	return url.Values{"organization_id": {"org-harbour-trust"}, "title": {"Sort donated tins for an hour"}, "description": {"Help sort the week's donations."},
		"themes": {"food"}, "minutes": {"60"}, "when": {"Saturdays 10:00 to 11:00"}, "lsoa": {harbourLSOA},
		"respond": {"Sign up on the trust's volunteering page"}, "respond_url": {"https://harbour.example.org/volunteer"}}
}

// addEditor adds a community editor of a partner who can sign in.
func addEditor(tb testing.TB, f *fixture, id, partner string) {
	tb.Helper()
	h, err := govern.HashPasswordWith(password, cheapArgon)
	if err != nil {
		tb.Fatal(err)
	}
	u := &govern.User{ID: id, PartnerID: partner, Name: "Other Editor", Roles: []govern.Role{govern.CommunityEditor}, PasswordHash: h, CreatedAt: f.clock.Now(), CreatedBy: "test"}
	if err := f.st.CreateUser(context.Background(), u); err != nil {
		tb.Fatal(err)
	}
}

// TestCommunityVolunteering designates a community action zone and posts
// micro-volunteering opportunities through the web forms, tries bad
// zones, bad opportunities and other users (each refused, nothing
// stored), then reads them without signing in: the page, its filters, the
// open-data API and the zone boundaries; finally another partner's editor
// cannot close an opportunity its owner can.
func TestCommunityVolunteering(t *testing.T) {
	f, _ := communityFixture(t, 0)
	ctx := context.Background()
	p, err := communityPlacer()
	if err != nil {
		t.Fatal(err)
	}
	lad, _ := p.County.LADOfLSOA(harbourLSOA)
	var zoneLSOAs []string
	for _, l := range p.County.LSOAsIn(lad)[:3] {
		zoneLSOAs = append(zoneLSOAs, l.Code)
	}
	if !strings.Contains(strings.Join(zoneLSOAs, ","), harbourLSOA) {
		zoneLSOAs = append(zoneLSOAs, harbourLSOA)
	}
	anon := f.client(t)
	if code, body := anon.get("/community/volunteering"); code != http.StatusOK || !strings.Contains(body, "No zone has been designated yet") || strings.Contains(body, "post-opportunity") {
		t.Fatalf("empty page: %d %s", code, between(body, "<h1>", "</form>"))
	}
	analyst := f.client(t)
	analyst.signIn(analystID, password)
	if res := analyst.form("/community/zones", url.Values{"id": {"z1"}, "name": {"Harbour"}, "lsoas": {harbourLSOA}}, true); res.StatusCode != http.StatusForbidden {
		t.Errorf("an analyst designates a zone: %d", res.StatusCode)
	}
	if res := analyst.form("/community/volunteering", opportunityFormValues(), true); res.StatusCode != http.StatusForbidden {
		t.Errorf("an analyst posts an opportunity: %d", res.StatusCode)
	}

	editor := f.client(t)
	editor.signIn(editorID, password)
	zone := url.Values{"id": {"harbour"}, "name": {"Harbour neighbourhoods"}, "description": {"Where the partnership is scaling up community action."}, "lsoas": {strings.Join(zoneLSOAs, ", ")}}
	if res := editor.form("/community/zones", zone, true); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("designate: %d %s", res.StatusCode, readBody(t, res))
	}
	for name, c := range map[string]struct {
		v    url.Values
		want string
	}{
		"unknown LSOA": {url.Values{"id": {"z2"}, "name": {"Nowhere"}, "lsoas": {"E01999999"}}, `"E01999999" is not one of the county's 2021 LSOAs`},
		"taken LSOA":   {url.Values{"id": {"z2"}, "name": {"Overlap"}, "lsoas": {harbourLSOA}}, "is already in zone harbour"},
		"script name":  {url.Values{"id": {"z2"}, "name": {"<script>x</script>"}, "lsoas": {zoneLSOAs[0]}}, "contains HTML or script"},
		"no LSOAs":     {url.Values{"id": {"z2"}, "name": {"Empty"}}, "give the zone's LSOAs"},
	} {
		res := editor.form("/community/zones", c.v, true)
		if body := html.UnescapeString(readBody(t, res)); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.want) {
			t.Errorf("zone %s: %d, want 400 saying %q: %s", name, res.StatusCode, c.want, between(body, `role="alert"`, "</p>"))
		}
	}
	if zs, _ := f.st.CommunityZones(ctx); len(zs) != 1 {
		t.Fatalf("%d zones stored, want 1 (refusals store nothing)", len(zs))
	}
	t.Logf("zone attacks: unknown LSOA, an LSOA in two zones, script, empty: all refused, 1 zone stored")

	for name, c := range map[string]struct {
		edit func(url.Values)
		want string
	}{
		"no title":        {func(v url.Values) { v.Del("title") }, "What: this is required"},
		"too long":        {func(v url.Values) { v.Set("minutes", "600") }, "Time needed: the time needed is 5 to 480 minutes"},
		"not a number":    {func(v url.Values) { v.Set("minutes", "an hour") }, "Time needed: the time needed is 5 to 480 minutes"},
		"script":          {func(v url.Values) { v.Set("description", `<img src=x onerror=alert(1)>`) }, "More about it: contains HTML or script"},
		"unknown org":     {func(v url.Values) { v.Set("organization_id", "org-nobody") }, `Organisation: organisation "org-nobody" has no published service`},
		"no way to reply": {func(v url.Values) { v.Del("respond_url") }, "Organisation's web address: give the organisation's web address or email address"},
		"outside":         {func(v url.Values) { v.Del("lsoa"); v.Set("postcode", "NW1 1AA") }, "Where: postcode NW1 1AA is outside the county"},
		"unknown theme":   {func(v url.Values) { v.Set("themes", "knitting") }, "unknown theme"},
		"bad date":        {func(v url.Values) { v.Set("closes", "next week") }, `Closes on: closing date "next week" is not YYYY-MM-DD`},
	} {
		v := opportunityFormValues()
		c.edit(v)
		res := editor.form("/community/volunteering", v, true)
		raw := readBody(t, res)
		body := html.UnescapeString(raw)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.want) || !strings.Contains(body, "Nothing has been saved") {
			t.Errorf("%s: %d, want 400 saying %q: %s", name, res.StatusCode, c.want, between(body, `id="opportunity-problems"`, "</ul>"))
		}
		if strings.Contains(raw, "<img src=x") {
			t.Errorf("%s: the form echoes markup unescaped", name)
		}
	}
	if os, _ := f.st.CommunityOpportunities(ctx); len(os) != 0 {
		t.Fatalf("%d opportunities stored from refused posts", len(os))
	}

	posts := []url.Values{opportunityFormValues(), opportunityFormValues(), opportunityFormValues()}
	posts[1].Set("title", "Phone a lonely neighbour")
	posts[1].Set("themes", "loneliness")
	posts[1].Set("minutes", "20")
	posts[1].Del("lsoa")
	posts[1].Set("postcode", "CM1 1AA")
	posts[2].Set("title", "Last week's litter pick")
	posts[2].Set("closes", f.clock.Now().AddDate(0, 0, -1).Format("2006-01-02"))
	for i, v := range posts {
		if res := editor.form("/community/volunteering", v, true); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("post %d: %d %s", i, res.StatusCode, readBody(t, res))
		}
	}

	type apiPage struct {
		Total    int `json:"total_items"`
		Contents []struct {
			ID       int64  `json:"id"`
			Title    string `json:"title"`
			Zone     string `json:"zone"`
			ZoneName string `json:"zone_name"`
			PostedBy string `json:"posted_by"`
			Time     string `json:"time_needed"`
		} `json:"contents"`
	}
	get := func(q string, want ...string) apiPage {
		t.Helper()
		code, body := anon.get("/api/community/opportunities" + q)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", q, code, body)
		}
		var p apiPage
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range p.Contents {
			got = append(got, c.Title)
			if c.PostedBy != "" {
				t.Errorf("%s: the API shows who posted (%s)", q, c.PostedBy)
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("GET %s: %q, want %q", q, got, want)
		}
		return p
	}
	all := get("", "Phone a lonely neighbour", "Sort donated tins for an hour")
	get("?zone=harbour", "Sort donated tins for an hour")
	get("?max_minutes=30", "Phone a lonely neighbour")
	get("?theme=loneliness", "Phone a lonely neighbour")
	get("?text=TINS+donations", "Sort donated tins for an hour")
	get("?district=E07000070", "Phone a lonely neighbour")
	if c := all.Contents[1]; c.Zone != "harbour" || c.ZoneName != "Harbour neighbourhoods" || c.Time != "1 hour" {
		t.Errorf("in the zone: %+v", c)
	}
	if code, body := anon.get("/api/community/opportunities?max_minutes=lots"); code != http.StatusBadRequest || !strings.Contains(body, "max_minutes") {
		t.Errorf("bad max_minutes: %d %s", code, body)
	}

	code, page := anon.get("/community/volunteering?zone=harbour")
	if code != http.StatusOK || !strings.Contains(page, "Sort donated tins for an hour") || strings.Contains(page, "Phone a lonely neighbour") ||
		!strings.Contains(page, `id="zone-harbour"`) || !strings.Contains(page, `data-zones="/api/community/zones/boundaries"`) || strings.Contains(page, "close-") {
		t.Errorf("the public page filtered by zone: %d %s", code, between(page, "<h1>", "</table>"))
	}
	code, body := anon.get("/api/community/zones/boundaries")
	var fc struct {
		Features []struct {
			Properties map[string]string `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(body), &fc); code != http.StatusOK || err != nil || len(fc.Features) != len(zoneLSOAs) || fc.Features[0].Properties["zone"] != "harbour" {
		t.Errorf("zone boundaries: %d %v, %d features, want %d", code, err, len(fc.Features), len(zoneLSOAs))
	}

	addEditor(t, f, "otto", "police")
	other := f.client(t)
	other.signIn("otto", password)
	id := itoa(all.Contents[1].ID)
	if res := other.form("/community/volunteering/"+id+"/close", nil, true); res.StatusCode != http.StatusForbidden {
		t.Errorf("another partner's editor closes it: %d", res.StatusCode)
	}
	if res := editor.form("/community/volunteering/"+id+"/close", nil, true); res.StatusCode != http.StatusSeeOther {
		t.Errorf("its owner closes it: %d %s", res.StatusCode, readBody(t, res))
	}
	if res := editor.form("/community/volunteering/"+id+"/close", nil, true); res.StatusCode != http.StatusConflict {
		t.Errorf("closed twice: %d", res.StatusCode)
	}
	get("", "Phone a lonely neighbour")
	for _, a := range []string{"community.zone.designate", "community.volunteer.post", "community.volunteer.close"} {
		if len(f.rec.find(a)) == 0 {
			t.Errorf("no %s in the audit log", a)
		}
	}
	denied := 0
	for _, e := range f.rec.find("community.volunteer.close") {
		if e.Outcome == govern.OutcomeDenied {
			denied++
		}
	}
	if denied != 1 {
		t.Errorf("%d refused closes audited, want 1", denied)
	}
}
