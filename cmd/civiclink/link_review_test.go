package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
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
}
