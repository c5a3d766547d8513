package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/link"
)

func TestLinkReviewAndIncrementalCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "demo.duckdb")
	if _, errs, code := run(t, data, "demo", "--no-serve", "--people", "400", "--work", filepath.Join(dir, "county")); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, errs)
	}
	as := func(user string, args ...string) (string, string, int) {
		return run(t, data, append([]string{"--user", user}, args...)...)
	}
	out, errs, code := as("county.analyst", "link", "review", "list", "--limit", "3", "--json")
	if code != 0 {
		t.Fatalf("review list: exit %d: %s", code, errs)
	}
	var list struct {
		Run   int64 `json:"run"`
		Pairs []struct {
			Pair   int `json:"pair"`
			Fields []struct {
				Comparison, Level string
			} `json:"fields"`
		} `json:"pairs"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Pairs) == 0 || len(list.Pairs[0].Fields) == 0 {
		t.Fatalf("review list %s: %v; want pairs with agreement levels", out, err)
	}
	steps := []struct {
		user     string
		args     []string
		wantCode int
		want     string // in stdout for success, stderr for failure
	}{
		{"county.caseworker", []string{"link", "review", "decide", "--pair", "1", "--match"}, 3, "access denied"},
		{"county.analyst", []string{"link", "review", "decide", "--pair", "1"}, 2, "exactly one of --match"},
		{"county.analyst", []string{"link", "review", "decide", "--pair", "1", "--match", "--unsure"}, 2, "exactly one of --match"},
		{"county.analyst", []string{"link", "review", "decide", "--pair", "1", "--non-match", "--note", "dates of birth differ"}, 0, "non-match, recorded"},
		{"county.analyst", []string{"link", "review", "list", "--limit", "1"}, 0, "non-match by county.analyst"},
		{"county.analyst", []string{"link", "run", "--incremental", "--purpose", "violence-and-vulnerability"}, 0, "(incremental)"},
		{"county.analyst", []string{"link", "run", "--incremental", "--purpose", "violence-and-vulnerability"}, 0, "0 changed, 0 added, 0 removed"},
		{"county.auditor", []string{"audit", "list", "--action", "link.review.decide"}, 0, "link.review.decide"},
	}
	for _, s := range steps {
		out, errs, code := as(s.user, s.args...)
		got := out
		if s.wantCode != 0 {
			got = errs
		}
		if code != s.wantCode || !strings.Contains(got, s.want) {
			t.Errorf("%s %s: exit %d, stdout %q, stderr %q; want exit %d and %q", s.user, strings.Join(s.args, " "), code, out, errs, s.wantCode, s.want)
		}
	}

	// A draft over several partners' datasets is adopted when a data
	// owner of each has approved it (#15 item 4).
	out, errs, code = as("county.analyst", "link", "run", "--incremental", "--purpose", "violence-and-vulnerability")
	var draft int
	if _, err := fmt.Sscanf(out, "linkage run %d", &draft); code != 0 || err != nil {
		t.Fatalf("link run: exit %d %v: %s %s", code, err, out, errs)
	}
	id := strconv.Itoa(draft)
	out, errs, code = as("county.analyst", "link", "approvals", id)
	if code != 0 {
		t.Fatalf("link approvals: exit %d: %s", code, errs)
	}
	var partners []string
	for _, line := range strings.Split(out, "\n") {
		if p, _, ok := strings.Cut(strings.TrimSpace(line), " ("); ok && strings.HasSuffix(line, "not yet") {
			partners = append(partners, p)
		}
	}
	if len(partners) < 2 {
		t.Fatalf("link approvals %s: %s\nwant at least two partners still to approve", id, out)
	}
	if _, errs, code := as("county.analyst", "link", "approve", id); code == 0 || !strings.Contains(errs, "needs a data owner of a partner whose dataset is in it") {
		t.Errorf("an analyst approves: exit %d %q", code, errs)
	}
	for i, p := range partners {
		out, errs, code := as(p+".admin", "link", "approve", id, "--note", "compared")
		want := "still to approve"
		if i == len(partners)-1 {
			want = "linkage run " + id + " is now the current run"
		}
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("%s.admin approves run %s: exit %d, stdout %q, stderr %q; want %q", p, id, code, out, errs, want)
		}
		if i == 0 {
			if _, errs, code := as(p+".admin", "link", "approve", id); code == 0 || !strings.Contains(errs, "already approved") {
				t.Errorf("%s.admin approves twice: exit %d %q", p, code, errs)
			}
		}
	}
	if out, _, _ := as("county.auditor", "audit", "list", "--action", "link.approve"); strings.Count(out, "link.approve") < len(partners)+1 {
		t.Errorf("audit list of link.approve shows %d entries, want %d approvals and a refusal:\n%s", strings.Count(out, "link.approve"), len(partners), out)
	}
	linkRunMemory(t, data)
}

// linkRunMemory runs the real binary's `link run` on a demo store under
// --memory: a budget too small is refused with the minimum, and twice
// that minimum links the records (the budget is the process's own, so
// the run needs its own process).
func linkRunMemory(t *testing.T, data string) {
	dir, tmp := t.TempDir(), t.TempDir()
	linkRun := func(memory string) (string, error) {
		out, err := command(t, dir, tmp, "--data", data, "--user", "county.analyst", "link", "run", "--purpose", "violence-and-vulnerability",
			"--datasets", "police_incidents,ae_attendances,homelessness", "--memory", memory).CombinedOutput()
		return string(out), err
	}
	out, err := linkRun("1MB")
	m := regexp.MustCompile(`need at least ([0-9.]+ [KMG]iB)`).FindStringSubmatch(out)
	if err == nil || m == nil || !strings.Contains(out, "memory budget 1.0 MiB is too small") {
		t.Fatalf("link run --memory 1MB: %v\n%s\nwant a refusal naming the minimum", err, out)
	}
	minimum, err := link.ParseBytes(m[1])
	if err != nil {
		t.Fatal(err)
	}
	budget := strconv.FormatInt(2*minimum, 10)
	out, err = linkRun(budget)
	if err != nil || !strings.Contains(out, "entities") {
		t.Fatalf("link run --memory %s (twice the minimum): %v\n%s", budget, err, out)
	}
	t.Logf("refused 1MB with a minimum of %s; linked within %s:\n%s", m[1], budget, out)
}
