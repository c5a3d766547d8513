package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/community"
)

// suggestion is a valid public suggestion's form.
func suggestion() url.Values {
	return url.Values{"name": {"Tuesday knit and natter"}, "organisation": {"Elm Street Neighbours"}, "kind": {"informal"},
		"themes": {"loneliness"}, "town": {"Chelmsford"}, "postcode": {"CM1 1AA"}, "days": {"TU"}, "opens": {"10:00"}, "closes": {"12:00"},
		"contact_name": {"A volunteer"}, "contact_phone": {"01632 960001"}}
}

// TestCommunitySuggestAndModerate sends suggestions through the public
// form without signing in (bad ones refused field by field, nothing
// stored), then a community editor publishes one and rejects another
// with a reason; a user without the role cannot see the queue.
func TestCommunitySuggestAndModerate(t *testing.T) {
	f, dir := communityFixture(t, 0)
	ctx := context.Background()
	anon := f.client(t)
	pending := func() int {
		subs, err := f.st.CommunitySubmissions(ctx, community.Pending)
		if err != nil {
			t.Fatal(err)
		}
		return len(subs)
	}
	for name, c := range map[string]struct {
		edit func(url.Values)
		want string
	}{
		"no name":       {func(v url.Values) { v.Del("name") }, "Service name: this is required"},
		"script":        {func(v url.Values) { v.Set("description", `<script>alert("x")</script>`) }, "What it offers: contains HTML or script"},
		"outside":       {func(v url.Values) { v.Set("postcode", "NW1 1AA") }, "Where: postcode NW1 1AA is outside the county"},
		"unknown theme": {func(v url.Values) { v.Set("themes", "knitting") }, "Themes: unknown theme"},
		"bad time":      {func(v url.Values) { v.Set("closes", "09:00") }, "Opening times: closes at 09:00, not after it opens at 10:00"},
	} {
		v := suggestion()
		c.edit(v)
		res := anon.form("/community/suggest", v, false)
		body := readBody(t, res)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, c.want) || !strings.Contains(body, "Nothing has been saved") {
			t.Errorf("%s: %d, want 400 saying %q; body has problems: %v", name, res.StatusCode, c.want, between(body, `id="suggest-problems"`, "</ul>"))
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("%s: the page echoes the script unescaped", name)
		}
	}
	if n := pending(); n != 0 {
		t.Fatalf("%d submissions stored from refused suggestions", n)
	}
	res := anon.form("/community/suggest", suggestion(), false)
	if body := readBody(t, res); res.StatusCode != http.StatusOK || !strings.Contains(body, "waits for a community editor") {
		t.Fatalf("good suggestion: %d", res.StatusCode)
	}
	corr := suggestion()
	corr.Set("service", "svc-lunch-club")
	corr.Set("name", "Friday lunch club and games")
	corr.Set("note", "now with board games")
	if res := anon.form("/community/suggest", corr, false); res.StatusCode != http.StatusOK {
		t.Fatalf("correction: %d %s", res.StatusCode, readBody(t, res))
	}
	if n := pending(); n != 2 {
		t.Fatalf("%d pending, want 2", n)
	}

	analyst := f.client(t)
	analyst.signIn(analystID, password)
	if code, _ := analyst.get("/community/queue"); code != http.StatusForbidden {
		t.Errorf("an analyst sees the queue: %d", code)
	}
	editor := f.client(t)
	editor.signIn(editorID, password)
	code, page := editor.get("/community/queue")
	if code != http.StatusOK || !strings.Contains(page, "Tuesday knit and natter") || !strings.Contains(page, "Changes: name") {
		t.Fatalf("queue: %d %s", code, between(page, "<h1>", "</ol>"))
	}
	subs, _ := f.st.CommunitySubmissions(ctx, community.Pending)
	newID, corrID := subs[0].ID, subs[1].ID
	if res := editor.form("/community/queue/"+itoa(newID)+"/reject", url.Values{}, true); res.StatusCode != http.StatusBadRequest {
		t.Errorf("reject without a reason: %d", res.StatusCode)
	}
	if res := editor.form("/community/queue/"+itoa(newID)+"/reject", url.Values{"reason": {"please add the hall's full address"}}, true); res.StatusCode != http.StatusSeeOther {
		t.Errorf("reject: %d %s", res.StatusCode, readBody(t, res))
	}
	if res := editor.form("/community/queue/"+itoa(corrID)+"/publish", url.Values{}, true); res.StatusCode != http.StatusSeeOther {
		t.Errorf("publish: %d %s", res.StatusCode, readBody(t, res))
	}
	if res := editor.form("/community/queue/"+itoa(corrID)+"/publish", url.Values{}, true); res.StatusCode != http.StatusConflict {
		t.Errorf("publish twice: %d", res.StatusCode)
	}
	_, body := anon.get("/api/community/services/svc-lunch-club")
	if !strings.Contains(body, "Friday lunch club and games") || !strings.Contains(body, `"x_version": 2`) || strings.Contains(body, "organiser@example.org") {
		t.Errorf("after the correction: %s", body)
	}
	vs, err := dir.History(ctx, "svc-lunch-club")
	if err != nil || len(vs) != 2 || vs[0].Service.Name != "Friday lunch club" {
		t.Errorf("history %v %v: want the first version kept", vs, err)
	}
	for _, a := range []string{"community.suggest", "community.publish", "community.reject"} {
		if len(f.rec.find(a)) == 0 {
			t.Errorf("no %s in the audit log", a)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
