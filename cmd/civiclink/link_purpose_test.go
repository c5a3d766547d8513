package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLinkRunNeedsLinkageAgreement tries to start linkage runs through the
// binary's commands that the agreement rule must stop (#15 item 4): a
// partner's own dataset for a registered purpose no agreement covers, no
// purpose at all, and two partners' datasets under a suspended agreement.
// Each is refused naming the dataset and what to do, recorded as denied,
// and writes no run.
func TestLinkRunNeedsLinkageAgreement(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "demo.duckdb")
	if _, errs, code := run(t, data, "demo", "--no-serve", "--people", "200", "--work", filepath.Join(dir, "county")); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, errs)
	}
	as := func(user string, args ...string) (string, string, int) {
		return run(t, data, append([]string{"--user", user}, args...)...)
	}
	runs := func() int {
		out, errs, code := as("county.auditor", "audit", "list", "--action", "link", "--outcome", "allowed")
		if code != 0 {
			t.Fatalf("audit list: exit %d: %s", code, errs)
		}
		return strings.Count(out, "linkage-run:")
	}
	before := runs()
	steps := []struct {
		user     string
		args     []string
		wantCode int
		want     []string // in stdout for success, stderr for failure
	}{
		{"police.admin", []string{"purpose", "add", "--id", "fraud-review", "--name", "Fraud review"}, 0, nil},
		{"police.analyst", []string{"link", "run", "--datasets", "police_incidents", "--purpose", "fraud-review"}, 3,
			[]string{"dataset police_incidents (police's) has no active agreement for fraud-review", "your own partner's included", "ask the data owners of police"}},
		{"police.analyst", []string{"link", "run", "--datasets", "police_incidents,ae_attendances"}, 3,
			[]string{"a linkage run needs the registered purpose it serves"}},
		{"police.admin", []string{"agreement", "suspend", "violence-and-vulnerability-demo", "--note", "under review"}, 0, nil},
		{"police.analyst", []string{"link", "run", "--datasets", "police_incidents,ae_attendances", "--purpose", "violence-and-vulnerability"}, 3,
			[]string{"dataset police_incidents (police's)", "dataset ae_attendances (nhs's)", "agreement violence-and-vulnerability-demo is suspended"}},
		{"county.auditor", []string{"audit", "list", "--action", "access", "--outcome", "denied"}, 0, []string{"link.run"}},
	}
	for _, s := range steps {
		out, errs, code := as(s.user, s.args...)
		got := out
		if s.wantCode != 0 {
			got = errs
		}
		ok := code == s.wantCode
		for _, w := range s.want {
			ok = ok && strings.Contains(got, w)
		}
		if !ok {
			t.Errorf("%s %s: exit %d, stdout %q, stderr %q; want exit %d and %q", s.user, strings.Join(s.args, " "), code, out, errs, s.wantCode, s.want)
		} else if s.wantCode != 0 {
			t.Logf("attack: %s %s → exit %d: %s", s.user, strings.Join(s.args, " "), code, strings.TrimSpace(errs))
		}
	}
	if after := runs(); after != before {
		t.Errorf("refused linkage runs wrote %d runs", after-before)
	}
}
