package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/programme"
)

// TestProgrammeCommands runs the programme's commands on a fresh demo
// store as its staff would: the claims come out of the data (the road
// claims differ from DfT's figures), updates are refused to non-sponsors
// and bad statuses, and the Assembly report is written (and printed to
// PDF where Chromium is installed).
func TestProgrammeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "demo.duckdb")
	if _, errs, code := run(t, data, "demo", "--no-serve", "--people", "300"); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	out, errs, code := run(t, data, "claims", "check", "--format", "json", "--user", "county.analyst")
	if code != 0 {
		t.Fatalf("claims check: %s", errs)
	}
	var rs []programme.Result
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatal(err)
	}
	got := map[string]programme.Result{}
	for _, r := range rs {
		got[r.ID] = r
	}
	for _, id := range []string{"road-deaths", "road-ksi"} {
		r := got[id]
		if r.Status != programme.Differs || len(r.Computed) != 2 || r.Computed[0].Period == "" || r.Source == "" {
			t.Errorf("%s: %+v, want differs with the nearest years' figures and the source", id, r)
		}
	}
	if len(rs) != 6 {
		t.Errorf("%d claims, want 6", len(rs))
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"programme", "list", "--user", "fire.analyst"}, 0, "homelessness"},
		{[]string{"programme", "show", "homelessness", "--user", "fire.analyst"}, 0, "deliverables:"},
		{[]string{"programme", "show", "nope", "--user", "fire.analyst"}, 4, "no project"},
		{[]string{"programme", "update", "homelessness", "--text", "hello", "--user", "police.admin"}, 3, "does not sponsor"},
		{[]string{"programme", "update", "homelessness", "--text", "x", "--deliverable", "roadmap", "--status", "finished", "--user", "districts.admin"}, 2, "--status"},
		{[]string{"programme", "update", "homelessness", "--text", "insight shared with every council", "--deliverable", "risk-insight", "--status", "done", "--user", "districts.admin"}, 0, "risk-insight is now done (was on-track)"},
		{[]string{"claims", "check", "--user", "county.analyst"}, 0, "DIFFERS: road-deaths"},
		{[]string{"programme", "assessment", "--user", "fire.analyst"}, 0, "system (7 partners)"},
		{[]string{"programme", "assessment", "--answers", "asset-register=3", "--user", "fire.admin"}, 2, "--answers asset-quality"},
		{[]string{"programme", "assessment", "--partner", "police", "--answers", "asset-register=3", "--user", "fire.admin"}, 3, "partner admins"},
		{[]string{"claims", "check", "--format", "yaml", "--user", "county.analyst"}, 2, "unknown format"},
	} {
		t.Run(strings.Join(c.args[:2], " "), func(t *testing.T) {
			out, errs, code := run(t, data, c.args...)
			if code != c.code || !strings.Contains(out+errs, c.want) {
				t.Errorf("%v: exit %d, %s%s; want exit %d saying %q", c.args, code, out, errs, c.code, c.want)
			}
		})
	}
	html := filepath.Join(dir, "report.html")
	args := []string{"report", "assembly", "--out", html, "--user", "county.analyst", "--since", "2026-01-01"}
	pdf := filepath.Join(dir, "report.pdf")
	_, chromium := os.Stat(chromiumBin())
	if chromium == nil {
		args = append(args, "--pdf", pdf)
	}
	if _, errs, code := run(t, data, args...); code != 0 {
		t.Fatalf("report assembly: %s", errs)
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DRAFT for output checking", "Countywide homelessness reduction", "insight shared with every council", "<svg", "differs"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// Every measure a claim's figure read first must still be computable
	// (the differencing audit records under the scope's key too).
	if strings.Contains(string(b), "cannot record this release") {
		t.Error("a measure of the report was withheld because the differencing audit could not record it")
	}
	if chromium == nil {
		checkReportPDF(t, pdf)
	}
	reportLifecycle(t, data, dir)
}

// reportLifecycle takes the report to the Assembly through the output
// lifecycle with the binary's commands, as its staff would, and attacks
// each stage: the author cannot check it, nobody else reads or exports it
// before release, and once released it cannot be checked or released
// again; its JSON export and page are the released figures.
func reportLifecycle(t *testing.T, data, dir string) {
	t.Helper()
	out, errs, code := run(t, data, "report", "assembly", "--draft", "--since", "2026-01-01", "--user", "county.analyst")
	var id int64
	if _, err := fmt.Sscanf(out, "output %d:", &id); code != 0 || err != nil {
		t.Fatalf("report assembly --draft: exit %d, %s%s", code, out, errs)
	}
	sid := strconv.FormatInt(id, 10)
	page := filepath.Join(dir, "released.html")
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"drafted by a caseworker", []string{"report", "assembly", "--draft", "--user", "county.caseworker"}, 3, "analyst or programme-manager"},
		{"the author checks it", []string{"output", "check", sid, "--note", "fine", "--user", "county.analyst"}, 3, "its author cannot check it"},
		{"another analyst reads it", []string{"report", "assembly", "--output", sid, "--out", page, "--user", "fire.analyst"}, 3, "until it is released"},
		{"exported before release", []string{"output", "export", sid, "--format", "json", "--user", "county.analyst"}, 3, "only released outputs"},
		{"released before checking", []string{"output", "release", sid, "--user", "county.checker"}, 5, "only a checked output"},
		{"checker approves", []string{"output", "check", sid, "--note", "no small cells", "--user", "county.checker"}, 0, "is checked"},
		{"checker releases", []string{"output", "release", sid, "--user", "county.checker"}, 0, "programme-report version 1) is released"},
		{"checked again", []string{"output", "check", sid, "--reject", "--note", "withdraw", "--user", "county.checker"}, 5, "only a draft output"},
		{"released again", []string{"output", "release", sid, "--user", "county.checker"}, 5, "only a checked output"},
		{"exported as csv", []string{"output", "export", sid, "--format", "csv", "--user", "fire.analyst"}, 2, "export it as json"},
		{"exported as json", []string{"output", "export", sid, "--format", "json", "--user", "fire.analyst"}, 0, `"claims"`},
		{"written as released", []string{"report", "assembly", "--output", sid, "--out", page, "--user", "fire.analyst"}, 0, "released"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := run(t, data, c.args...)
			if code != c.code || !strings.Contains(out+errs, c.want) {
				t.Errorf("%v: exit %d, %s%s; want exit %d saying %q", c.args, code, out, errs, c.code, c.want)
			} else {
				t.Logf("%s: exit %d, held", c.name, code)
			}
		})
	}
	b, err := os.ReadFile(page)
	if err != nil || !strings.Contains(string(b), "Released on") || strings.Contains(string(b), programme.Draft) {
		t.Errorf("the released report's page: %v, want the release banner and no draft banner", err)
	}
}

// checkReportPDF checks that Chromium printed the report: a PDF titled as
// the report, of more than one page (eight projects with their charts).
func checkReportPDF(t *testing.T, pdf string) {
	t.Helper()
	p, err := os.ReadFile(pdf)
	if err != nil || !strings.HasPrefix(string(p), "%PDF") {
		t.Fatalf("no PDF printed: %v", err)
	}
	pages := 0
	for _, m := range regexp.MustCompile(`/Count (\d+)`).FindAllSubmatch(p, -1) {
		if n, _ := strconv.Atoi(string(m[1])); n > pages {
			pages = n
		}
	}
	if !strings.Contains(string(p), "/Title (Report to the Essex Assembly") || pages < 2 {
		t.Errorf("the PDF (%d bytes) has %d pages and no report title; want the report over several pages", len(p), pages)
	}
	t.Logf("PDF: %d pages, %d bytes", pages, len(p))
}
