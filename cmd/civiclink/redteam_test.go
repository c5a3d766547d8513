package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRedTeam runs `civiclink bench disclosure` on a small demo county:
// every attack of the threat model, through the CLI and the JSON API of a
// real server, against the synthetic police incidents and the real police
// street crime and DfT casualties the demo loads. No withheld cell may be
// knowable, and exact recoveries must not be significantly above a
// quarter unless no better than a blind guess of the commonest withheld
// value (the judge rule in redteam.go), while the same
// attacks on suppression alone (the "before" lines) recover cells
// knowably, as the issue found.
func TestRedTeam(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a demo county")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "demo.duckdb")
	if out, errs, code := run(t, data, "demo", "--no-serve", "--people", "600", "--work", filepath.Join(dir, "county")); code != 0 {
		t.Fatalf("demo exit %d: %s\n%s", code, errs, out)
	}
	out, errs, code := run(t, data, "--user", "police.analyst", "bench", "disclosure")
	t.Log(out)
	if code != 0 {
		t.Fatalf("bench disclosure exit %d: %s (failed attacks: %v)", code, errs, failedAttacks(out))
	}
	for _, want := range []string{"street-crime", "road-casualties", "police_incidents", "time: month ⊂ quarter ⊂ year", "place: LSOA ⊂ district",
		"overlapping filters", "dataset versions N and N+1", "thresholds and rounding", "repeated queries", "purposes", " api ", "the auditor's refusal",
		"every output path (cli, indicator, api, web, export)", "cohort: time: month ⊂ quarter ⊂ year", "cohorts: the same people, two definitions"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if !regexp.MustCompile(`singling out by record id\s+cli\s+refused: .*record ids, unique columns, free text`).MatchString(out) {
		t.Error("filtering on a record id was not refused naming the rule")
	}
	if m := regexp.MustCompile(`several tables \(output paths, cohort definitions\): (\d+) cells compared, (\d+) published differently`).FindStringSubmatch(out); m == nil || m[1] == "0" || m[2] != "0" {
		t.Errorf("the same table through the CLI, the API and an export: %v; want cells compared, none published differently", m)
	}
	// The control: suppression alone loses cells to the same attacks.
	m := regexp.MustCompile(`before \(suppression alone\): (\d+) cells attacked, (\d+) exact .* (\d+) knowable`).FindStringSubmatch(out)
	if m == nil {
		t.Fatal("no before line")
	}
	if k, _ := strconv.Atoi(m[3]); k == 0 {
		t.Errorf("suppression alone lost no cell to the attacks (%s); the control expects the issue's attacks to work", m[0])
	}
}

// failedAttacks lists the red-team report's failed attacks as
// "dataset: attack", taking the dataset from the section heading above.
func failedAttacks(report string) []string {
	var failed []string
	section := ""
	for _, line := range strings.Split(report, "\n") {
		if strings.HasSuffix(line, ")") && !strings.HasPrefix(line, " ") {
			section, _, _ = strings.Cut(line, " ")
		}
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "FAIL: "); ok {
			failed = append(failed, section+": "+name)
		}
	}
	return failed
}
