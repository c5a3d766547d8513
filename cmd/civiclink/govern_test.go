package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
)

// governRun runs civiclink against data with stdin, acting as user (none
// when user is ""), and returns stdout, stderr and the exit code.
func governRun(tb testing.TB, data, user, stdin string, args ...string) (string, string, int) {
	tb.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Clock: clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)), User: "nobody"}
	pre := []string{"--data", data}
	if user != "" {
		pre = append(pre, "--user", user)
	}
	err := m.Run(context.Background(), append(pre, args...))
	closed(tb, m, args)
	code := 0
	if err != nil {
		errb.WriteString(errorText(err))
		code = exitCode(err)
	}
	return out.String(), errb.String(), code
}

const testAgreementJSON = `{
  "id": "da-test", "title": "Domestic abuse test", "purpose": "domestic-abuse",
  "parties": [
    {"partner": "police", "owner": true, "recipient": true, "lawful_basis": ["uk-gdpr-6-1-e", "cda-1998-s115"]},
    {"partner": "council", "recipient": true, "lawful_basis": ["uk-gdpr-6-1-e"]}
  ],
  "datasets": [{"dataset": "incidents", "columns": ["incident_id", "occurred_on", "lsoa", "domestic_abuse"]}],
  "outputs": ["aggregate"],
  "retention_days": 365,
  "start": "2026-11-01", "end": "2027-10-31", "review": "2027-05-01"
}`

func TestGovernanceCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("CIVICLINK_TOKEN", "")
	t.Setenv("CIVICLINK_TOKEN_FILE", "")
	data := filepath.Join(dir, "s.duckdb")
	agreement := filepath.Join(dir, "da.json")
	ids := filepath.Join(dir, "ids.csv")
	os.WriteFile(agreement, []byte(testAgreementJSON), 0o600)
	os.WriteFile(ids, []byte("record_id\nINC-1\nINC-2\nINC-1\n"), 0o600)
	const pw = "correct horse battery staple\n"
	steps := []struct {
		user, stdin string
		args        []string
		wantCode    int
		want        string // in stdout on success, stderr on failure
	}{
		{"", "", []string{"partner", "add", "--id", "police", "--name", "Police"}, 0, "added"},
		{"", "", []string{"partner", "add", "--id", "council", "--name", "Council"}, 0, "added"},
		{"", "", []string{"dataset", "add", "--partner", "police", "--id", "incidents", "--schema", "../../internal/ingest/testdata/incidents/schema.json"}, 0, ""},
		{"p.admin", "", []string{"user", "whoami"}, 3, "there is no civiclink user"},
		{"", pw, []string{"user", "bootstrap", "--id", "p.admin", "--partner", "police", "--name", "P Admin", "--roles", "data-owner", "--password-stdin"}, 0, `["partner-admin","data-owner"]`},
		{"", pw, []string{"user", "bootstrap", "--id", "x", "--partner", "police", "--name", "X", "--password-stdin"}, 5, "already has users"},
		{"p.admin", "", []string{"user", "add", "--id", "c.ana", "--partner", "council", "--name", "Ana", "--roles", "analyst", "--no-password"}, 3, "cannot manage users of partner"},
		{"p.admin", "", []string{"user", "add", "--id", "c.admin", "--partner", "council", "--name", "C Admin", "--roles", "partner-admin", "--no-password"}, 0, "added c.admin"},
		{"c.admin", "", []string{"user", "add", "--id", "c.ana", "--partner", "council", "--name", "Ana", "--roles", "analyst"}, 2, "--password-file FILE or --password-stdin"},
		{"c.admin", "short\n", []string{"user", "add", "--id", "c.ana", "--partner", "council", "--name", "Ana", "--roles", "analyst", "--password-stdin"}, 2, "too short"},
		{"c.admin", pw, []string{"user", "add", "--id", "c.ana", "--partner", "council", "--name", "Ana", "--roles", "analyst", "--password-stdin"}, 0, "added c.ana"},
		{"c.admin", "", []string{"user", "list", "--partner", "council"}, 0, "c.ana    council  Ana      [\"analyst\"]"},
		{"c.admin", "", []string{"agreement", "create", "--file", agreement}, 0, "needs approval by the data owners of police"},
		{"c.admin", "", []string{"agreement", "create", "--file", agreement}, 5, "already exists"},
		{"c.ana", "", []string{"agreement", "check", "--purpose", "domestic-abuse", "--read", "incidents:lsoa,occurred_on"}, 0, "[status] agreement da-test: is draft, not active"},
		{"c.admin", "", []string{"agreement", "approve", "da-test"}, 3, "only a data owner"},
		{"p.admin", "", []string{"agreement", "activate", "da-test"}, 5, "it is draft"},
		{"p.admin", "", []string{"agreement", "approve", "da-test", "--note", strings.Repeat("x", 501)}, 2, "keep it to 500"},
		{"p.admin", "", []string{"agreement", "approve", "da-test", "--note", "DPIA v2 checked"}, 0, "now approved"},
		{"c.admin", "", []string{"agreement", "activate", "da-test", "--note", "signed 2026-11-20"}, 0, "now active"},
		{"c.ana", "", []string{"agreement", "check", "--purpose", "domestic-abuse", "--read", "incidents:lsoa,occurred_on"}, 0, "ALLOWED (disclosure threshold 10)"},
		{"c.ana", "", []string{"agreement", "check", "--purpose", "domestic-abuse", "--read", "incidents:postcode"}, 0, "does not share column(s) postcode"},
		{"c.ana", "", []string{"agreement", "list"}, 0, "da-test  active  domestic-abuse  incidents  2027-10-31  2027-05-01  Domestic abuse test"},
		{"c.ana", "", []string{"agreement", "show", "da-test"}, 0, "activate by c.admin → active (signed 2026-11-20)"},
		{"c.ana", "", []string{"agreement", "show", "da-test"}, 0, "police by p.admin on 2026-11-23 09:00:00: DPIA v2 checked"},
		{"c.ana", "", []string{"agreement", "show", "nope"}, 4, "only to users of its parties and to auditors"},
		{"c.ana", "", []string{"agreement", "suspend", "da-test"}, 3, "cannot suspend"},
		{"c.ana", "", []string{"purpose", "list"}, 0, "violence-and-vulnerability"},
		{"c.ana", "", []string{"purpose", "add", "--id", "loneliness", "--name", "Loneliness"}, 3, "cannot add purposes"},
		{"c.admin", "", []string{"optout", "add", "--dataset", "incidents", "--file", ids, "--purposes", "domestic-abuse"}, 3, "only a data owner of \"police\""},
		{"p.admin", "", []string{"optout", "add", "--dataset", "incidents", "--file", ids, "--purposes", "domestic-abuse"}, 0, "2 records of incidents opted out of [domestic-abuse]: 2 new"},
		{"p.admin", "", []string{"optout", "count", "--dataset", "incidents", "--purpose", "domestic-abuse"}, 0, "2 records"},
		{"p.admin", "", []string{"retention", "purge"}, 0, "dry run: add --yes to purge these 0 versions"},
		{"", "wrong password here\n", []string{"--user", "c.ana", "user", "login", "--password-stdin"}, 3, "sign-in failed"},
		{"c.ana", pw, []string{"user", "login", "--password-stdin"}, 0, "signed in as c.ana"},
		{"", "", []string{"user", "whoami"}, 0, "c.ana (Ana) at council"},
		{"p.admin", "", []string{"user", "whoami"}, 0, "p.admin (P Admin) at police"},
		{"", "", []string{"audit", "verify"}, 0, "intact"},
		{"", "", []string{"audit", "list", "--outcome", "denied"}, 0, "agreement.approve"},
		{"", "", []string{"audit", "list", "--action", "agreement.view", "--actor", "c.ana", "--outcome", "allowed"}, 0, "da-test"},
		{"", "", []string{"audit", "list", "--action", "agreement.view", "--outcome", "denied"}, 0, "nope"},
		{"", "", []string{"audit", "list", "--action", "agreement.list", "--actor", "c.ana"}, 0, "agreement.list"},
	}
	for _, s := range steps {
		checkGovern(t, data, s.user, s.stdin, s.args, s.wantCode, s.want)
	}
}

func checkGovern(t *testing.T, data, user, stdin string, args []string, wantCode int, want string) string {
	t.Helper()
	out, errs, code := governRun(t, data, user, stdin, args...)
	got := out
	if code != 0 {
		got = errs
	}
	if code != wantCode || !strings.Contains(got, want) {
		t.Errorf("%s %v: exit %d, want %d with %q\nstdout: %s\nstderr: %s", user, args, code, wantCode, want, out, errs)
	}
	return out
}

func TestTokenCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("CIVICLINK_TOKEN", "")
	t.Setenv("CIVICLINK_TOKEN_FILE", "")
	data := filepath.Join(dir, "s.duckdb")
	checkGovern(t, data, "", "", []string{"partner", "add", "--id", "police", "--name", "Police"}, 0, "added")
	checkGovern(t, data, "", "", []string{"user", "bootstrap", "--id", "p.admin", "--partner", "police", "--name", "P", "--no-password"}, 0, "created")
	checkGovern(t, data, "p.admin", "", []string{"user", "add", "--id", "p.ana", "--partner", "police", "--name", "Ana", "--roles", "analyst", "--no-password"}, 0, "added")
	checkGovern(t, data, "p.ana", "", []string{"user", "token", "issue"}, 2, "name the token")
	text := strings.TrimSpace(checkGovern(t, data, "p.ana", "", []string{"user", "token", "issue", "--name", "nightly"}, 0, "cvl_"))
	id := strings.Split(text, "_")[1]

	t.Setenv("CIVICLINK_TOKEN", text)
	checkGovern(t, data, "", "", []string{"user", "whoami"}, 0, "p.ana (Ana) at police")
	checkGovern(t, data, "p.admin", "", []string{"user", "whoami"}, 3, "disagrees with the API token")
	checkGovern(t, data, "", "", []string{"user", "token", "list"}, 0, id+"  nightly")

	t.Setenv("CIVICLINK_TOKEN", "")
	file := filepath.Join(dir, "token")
	os.WriteFile(file, []byte(text+"\n"), 0o600)
	t.Setenv("CIVICLINK_TOKEN_FILE", file)
	checkGovern(t, data, "", "", []string{"user", "whoami"}, 0, "p.ana")
	checkGovern(t, data, "", "", []string{"user", "token", "revoke", id}, 0, "revoked")
	checkGovern(t, data, "", "", []string{"user", "whoami"}, 3, "was revoked")
	t.Setenv("CIVICLINK_TOKEN_FILE", "")
	checkGovern(t, data, "p.admin", "", []string{"user", "disable", "p.ana"}, 0, "disabled p.ana")
	checkGovern(t, data, "p.ana", "", []string{"user", "whoami"}, 3, "is disabled")
}
