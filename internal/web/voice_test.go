package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/voice"
)

// voiceFixture is the web fixture with the voice room over its store, the
// demo programme defined and n demo responses loaded.
func voiceFixture(t *testing.T, n int) (*fixture, *voice.Service) {
	t.Helper()
	var svc *voice.Service
	f := newFixtureWith(t, func(c *Config) {
		c.Voice = &voice.Service{Store: c.Catalog.(*store.Store), Audit: c.Audit, Clock: c.Clock, Districts: voice.Districts{}}
		svc = c.Voice
	})
	county, _ := loadGeo(t)
	for _, l := range county.LADs {
		svc.Districts[l.Code] = l.Name
	}
	ctx := context.Background()
	admin := &govern.User{ID: "admin", PartnerID: "county", Roles: []govern.Role{govern.PartnerAdmin}}
	p := voice.DemoProgramme(svc.Districts)
	if err := svc.Define(ctx, admin, p); err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		if _, err := svc.LoadDemo(ctx, admin, p, n, 7); err != nil {
			t.Fatal(err)
		}
	}
	return f, svc
}

func TestVoiceCaptureAPI(t *testing.T) {
	f, _ := voiceFixture(t, 0)
	c := f.client(t)
	c.signIn(analystID, password)
	post := func(body string, csrf bool) (int, string) {
		t.Helper()
		hdr := []string{}
		if csrf {
			hdr = []string{"X-CSRF-Token", c.csrf}
		}
		res := c.do("POST", "/api/voice/programmes/county-conversation/responses", strings.NewReader(body), "application/json", hdr...)
		return res.StatusCode, readBody(t, res)
	}
	good := `{"id": "web-1", "session": "e07000070-w1", "consent_store": true, "consent_quote": true, "age_band": "35-44",
		"answers": {"belong": "4", "trust": "Agree", "say": "Buses please. Ring 07700 900123 or mail me@example.org"}}`
	tests := []struct {
		name   string
		body   string
		csrf   bool
		status int
		want   string
	}{
		{"no CSRF token", good, false, http.StatusForbidden, "CSRF"},
		{"captured", good, true, http.StatusCreated, `"text": "Buses please. Ring [phone] or mail [email]"`},
		{"a retry is not stored twice", good, true, http.StatusOK, `"id": "web-1"`},
		{"outside the scale", `{"session": "e07000070-w1", "consent_store": true, "consent_quote": false, "answers": {"belong": "7"}}`, true, http.StatusBadRequest, "outside its scale"},
		{"unknown session", `{"session": "nowhere", "consent_store": true, "consent_quote": false, "answers": {"belong": "1"}}`, true, http.StatusBadRequest, "unknown session"},
		{"no consent", `{"session": "e07000070-w1", "consent_store": false, "consent_quote": false, "answers": {"belong": "1"}}`, true, http.StatusBadRequest, "no consent to store"},
		{"too long", `{"session": "e07000070-w1", "consent_store": true, "consent_quote": false, "answers": {"say": "` + strings.Repeat("a", 2001) + `"}}`, true, http.StatusBadRequest, "over the limit of 2000"},
		{"not JSON, never echoed", `{"session": "me@example.org"`, true, http.StatusBadRequest, "must be a JSON response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(tt.body, tt.csrf)
			if status != tt.status || !strings.Contains(body, tt.want) {
				t.Errorf("status %d body %s; want %d with %q", status, body, tt.status, tt.want)
			}
			if strings.Contains(body, "07700 900123") || strings.Contains(body, "me@example.org") {
				t.Errorf("the answer echoes a planted identifier: %s", body)
			}
		})
	}
	rs, _ := f.st.VoiceResponses(context.Background(), "county-conversation")
	if len(rs) != 1 {
		t.Errorf("%d responses stored, want 1", len(rs))
	}
	if logs := f.logs.String(); strings.Contains(logs, "07700") || strings.Contains(logs, "example.org") {
		t.Errorf("the server log holds a planted identifier:\n%s", logs)
	}
	for _, e := range f.rec.find("voice.capture") {
		b, _ := json.Marshal(e)
		if strings.Contains(string(b), "07700") || strings.Contains(string(b), "example.org") {
			t.Errorf("audit event holds a planted identifier: %s", b)
		}
	}
	if got := len(f.rec.find("voice.capture")); got != 6 {
		t.Errorf("%d voice.capture audit events, want 6 (one per request that reached the service)", got)
	}
}

func TestVoiceResultsPage(t *testing.T) {
	f, _ := voiceFixture(t, 3000)
	c := f.client(t)
	c.signIn(analystID, password)
	res := c.do("GET", "/voice/county-conversation?by=district", nil, "")
	page := readBody(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", res.StatusCode, page)
	}
	for _, want := range []string{`id="bars-belong"`, `class="seg"`, `id="table-trust"`, "Chelmsford", `id="trend-0"`, `class="interval"`, `id="theme-safety"`, `href="/themes/violence-and-vulnerability"`} {
		if !strings.Contains(page, want) {
			t.Errorf("results page lacks %s", want)
		}
	}
	// By age band within 14 districts' worth of data some groups are small.
	res = c.do("GET", "/api/voice/programmes/county-conversation/results?question=belong&by=district,age_band", nil, "")
	var r voice.Results
	if err := json.Unmarshal([]byte(readBody(t, res)), &r); err != nil {
		t.Fatal(err)
	}
	supp := 0
	for _, row := range r.Rows {
		for _, o := range row.Options {
			if o.Suppressed {
				supp++
				if o.Display != "[c]" || o.Count != 0 || o.Share != nil {
					t.Errorf("a suppressed cell shows %+v", o)
				}
			} else if o.Count > 0 && o.Count < 10 {
				t.Errorf("a count of %d is published", o.Count)
			}
		}
	}
	if supp == 0 {
		t.Error("no cell suppressed by district and age band: small groups must be")
	}
	res = c.do("GET", "/api/openapi.json", nil, "")
	doc := readBody(t, res)
	for _, want := range []string{`"/api/voice/programmes/{id}/responses"`, `"VoiceInput"`, `"VoiceTrend"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("OpenAPI lacks %s", want)
		}
	}
}

// TestVoiceBesideData checks that a theme page shows what residents said
// about it (the codebook theme linked to it), released quotes only, and
// the "you said, we did" actions linked to the programme's projects.
func TestVoiceBesideData(t *testing.T) {
	var svc *voice.Service
	f := newThemeFixtureWith(t, func(c *Config) {
		c.Voice = &voice.Service{Store: c.Catalog.(*store.Store), Audit: c.Audit, Districts: voice.Districts{}}
		svc = c.Voice
	})
	county, _ := loadGeo(t)
	for _, l := range county.LADs {
		svc.Districts[l.Code] = l.Name
	}
	ctx := context.Background()
	admin := &govern.User{ID: "ann", PartnerID: "county", Roles: []govern.Role{govern.Analyst, govern.PartnerAdmin}}
	checker := &govern.User{ID: "oli", PartnerID: "county", Roles: []govern.Role{govern.OutputChecker}}
	p := voice.DemoProgramme(svc.Districts)
	if err := svc.Define(ctx, admin, p); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.LoadDemo(ctx, admin, p, 2000, 7); err != nil {
		t.Fatal(err)
	}
	rs, _ := svc.Store.VoiceResponses(ctx, p.ID)
	quotes := 0
	for _, r := range rs {
		a, ok := r.Answer("say")
		if !ok || !r.ConsentQuote || a.Text.Markers() > 0 || !strings.Contains(a.Text.String(), "safe") {
			continue
		}
		q, err := svc.ProposeQuote(ctx, admin, r.ID, "say", "", "safety")
		if err != nil {
			t.Fatal(err)
		}
		if quotes++; quotes == 1 { // the first released, the second left proposed
			svc.CheckQuote(ctx, checker, q.ID, true, "")
			if _, err := svc.ReleaseQuote(ctx, checker, q.ID); err != nil {
				t.Fatal(err)
			}
		} else {
			break
		}
	}
	for _, a := range voice.DemoActions() {
		a.ProgrammeID = p.ID
		if err := svc.AddAction(ctx, admin, &a); err != nil {
			t.Fatal(err)
		}
	}
	c := f.client(t, themeAnalyst)
	page := readBody(t, c.do("GET", "/themes/violence-and-vulnerability", nil, ""))
	for _, want := range []string{`id="voice-beside"`, `id="voice-theme-safety"`, "Feeling safe", `href="/programme/safer-communities"`} {
		if !strings.Contains(page, want) {
			t.Errorf("theme page lacks %s", want)
		}
	}
	if n := strings.Count(page, `class="quote"`); quotes != 2 || n != 1 {
		t.Errorf("%d quotes on the theme page of %d proposed, want the 1 released", n, quotes)
	}
	page = readBody(t, c.do("GET", "/themes/road-safety", nil, ""))
	if !strings.Contains(page, `id="voice-theme-roads"`) || strings.Contains(page, `id="voice-theme-safety"`) {
		t.Error("the road-safety page should show the roads theme and not the safety one")
	}
}

func TestVoiceReviewAPI(t *testing.T) {
	f, _ := voiceFixture(t, 500)
	ctx := context.Background()
	h, err := govern.HashPasswordWith(password, cheapArgon)
	if err != nil {
		t.Fatal(err)
	}
	checker := &govern.User{ID: "chloe", PartnerID: "county", Name: "Chloe Checker", Roles: []govern.Role{govern.OutputChecker}, PasswordHash: h, CreatedAt: f.clock.Now(), CreatedBy: "test"}
	if err := f.st.CreateUser(ctx, checker); err != nil {
		t.Fatal(err)
	}
	rs, _ := f.st.VoiceResponses(ctx, voice.DemoProgrammeID)
	var quotable, unconsented *voice.Response
	for _, r := range rs {
		if _, ok := r.Answer("say"); ok {
			if r.ConsentQuote && quotable == nil {
				quotable = r
			} else if !r.ConsentQuote && unconsented == nil {
				unconsented = r
			}
		}
	}
	analyst, chk := f.client(t), f.client(t)
	analyst.signIn(analystID, password)
	chk.signIn("chloe", password)
	call := func(c *client, method, path, body string) (int, string) {
		t.Helper()
		res := c.do(method, path, strings.NewReader(body), "application/json", "X-CSRF-Token", c.csrf)
		return res.StatusCode, readBody(t, res)
	}
	status, body := call(analyst, "POST", "/api/voice/responses/"+unconsented.ID+"/quotes", `{"question": "say"}`)
	if status != http.StatusForbidden || !strings.Contains(body, "no consent to be quoted") {
		t.Errorf("quote without consent: %d %s", status, body)
	}
	status, body = call(analyst, "POST", "/api/voice/responses/"+quotable.ID+"/quotes", `{"question": "say", "theme": "safety"}`)
	var q voice.Quote
	if json.Unmarshal([]byte(body), &q); status != http.StatusCreated || q.State != voice.QuoteProposed {
		t.Fatalf("propose: %d %s", status, body)
	}
	steps := []struct {
		c      *client
		action string
		status int
		want   string
	}{
		{analyst, "approve", http.StatusForbidden, "output-checker"},
		{chk, "release", http.StatusConflict, "only an approved quote"},
		{chk, "approve", http.StatusOK, `"state": "approved"`},
		{chk, "release", http.StatusOK, `"digest": "`},
		{chk, "reject", http.StatusConflict, "released and cannot change"},
		{chk, "publish", http.StatusNotFound, "approved, rejected or released"},
	}
	for _, s := range steps {
		if status, body := call(s.c, "POST", "/api/voice/quotes/"+q.ID+"/"+s.action, `{"note": "ok"}`); status != s.status || !strings.Contains(body, s.want) {
			t.Errorf("%s: %d %s; want %d with %q", s.action, status, body, s.status, s.want)
		}
	}
	status, body = call(analyst, "POST", "/api/voice/programmes/county-conversation/codings", `{"response": "`+quotable.ID+`", "question": "say", "themes": ["safety"]}`)
	if status != http.StatusCreated {
		t.Errorf("code: %d %s", status, body)
	}
	status, body = call(analyst, "GET", "/api/voice/programmes/county-conversation/agreement?coders=carl,rules", "")
	if status != http.StatusOK || !strings.Contains(body, `"items": 1`) {
		t.Errorf("agreement: %d %s", status, body)
	}
}
