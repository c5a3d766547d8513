package web

import (
	"strings"
	"testing"
)

func TestWebWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"no dataset \"x\" (see `civiclink dataset list`)", "no dataset \"x\" (see the Datasets page (/datasets))"},
		{"no agreement \"a\" that you may see: shown to its parties (see `civiclink agreement list` or /agreements)", "no agreement \"a\" that you may see: shown to its parties (see /agreements)"},
		{"no linkage run yet: run `civiclink link run` first", "no linkage run yet: start a linkage run on the Linkage page (/linkage) first"},
		{"no linkage run has been adopted: run `civiclink link run`, then a linkage steward adopts it with `civiclink link adopt RUN`", "no linkage run has been adopted: start a linkage run on the Linkage page (/linkage), then a linkage steward adopts it with the Adopt button on the run's page"},
		{"reset it (`civiclink user mfa reset ann`) to enrol", "reset it (your partner's administrator) to enrol"},
		{"something `civiclink frobnicate`", "something the platform team"},
		{"plain message", "plain message"},
	}
	for _, tt := range tests {
		got := webWords(tt.in)
		if got != tt.want {
			t.Errorf("webWords(%q)\n = %q\nwant %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "civiclink ") {
			t.Errorf("webWords(%q) still names a command: %q", tt.in, got)
		}
	}
}

// TestPagesUseWebWords: the sign-in page names no command, and a web
// error written for the CLI (no dataset: "see `civiclink dataset list`")
// reaches the page and the API in the web's words.
func TestPagesUseWebWords(t *testing.T) {
	f := newFixture(t)
	anon := f.client(t)
	if body := readBody(t, anon.do("GET", "/signin", nil, "")); strings.Contains(body, "civiclink user") {
		t.Error("the sign-in page shows a CLI command")
	}
	owner := f.client(t)
	owner.signIn(ownerID, password)
	for _, path := range []string{"/datasets/nope", "/api/datasets/nope"} {
		body := readBody(t, owner.do("GET", path, nil, ""))
		if strings.Contains(body, "civiclink dataset") || !strings.Contains(body, "/datasets") {
			t.Errorf("%s: %s, want the error in web words", path, body)
		}
	}
}

// TestOverviewPurpose: the overview offers a purpose only where it drives
// the figure (a dataset's own counts); a named indicator is published for
// its own purpose, which the page names instead of a select that would
// change nothing.
func TestOverviewPurpose(t *testing.T) {
	f := newFixture(t)
	f.load(t, "incidents.csv")
	c := f.client(t)
	c.signIn(ownerID, password)
	if body := readBody(t, c.do("GET", "/?indicator=records-incidents", nil, "")); !strings.Contains(body, `<select id="purpose"`) {
		t.Error("a dataset's counts lost the purpose select that drives them")
	}
	th := newThemeFixture(t)
	a := th.client(t, themeAnalyst)
	body := readBody(t, a.do("GET", "/", nil, ""))
	if strings.Contains(body, `<select id="purpose"`) || !strings.Contains(body, `id="indicator-purpose"`) {
		t.Error("a named indicator shows a purpose select that changes nothing, or does not name its purpose")
	}
}

// TestNavigationByRole: the main navigation offers each role only the
// pages it can use.
func TestNavigationByRole(t *testing.T) {
	g := newGovernFixture(t)
	tests := []struct {
		user   string
		has    []string
		hasNot []string
	}{
		{ownerID, []string{`href="/themes"`, `href="/linkage"`, `href="/audit"`}, nil},
		{analystID, []string{`href="/themes"`, `href="/linkage"`}, []string{`href="/audit"`}},
		{auditorID, []string{`href="/audit"`, `href="/agreements"`}, []string{`href="/themes"`, `href="/linkage"`}},
		{checkerID, []string{`href="/outputs"`}, []string{`href="/themes"`, `href="/audit"`, `href="/linkage"`}},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			_, body := g.as(t, tt.user).get("/datasets")
			nav := body[strings.Index(body, `<nav aria-label="Main">`):]
			nav = nav[:strings.Index(nav, "</nav>")]
			for _, h := range tt.has {
				if !strings.Contains(nav, h) {
					t.Errorf("the navigation lacks %s", h)
				}
			}
			for _, h := range tt.hasNot {
				if strings.Contains(nav, h) {
					t.Errorf("the navigation offers %s, which the role cannot use", h)
				}
			}
		})
	}
}
