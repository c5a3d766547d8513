package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// adminCommandsThroughServer runs the administration commands against
// the embedded store data while the server at base holds it (called by
// TestAdminWhileServing, whose server it shares), through the server
// (--server URL --token-file F): users added (a partner's first admin for
// a partner with none, as the CLI allows; a second user there refused),
// passwords and second factors reset, API tokens issued (and working),
// listed and revoked, a purpose added, an agreement created, approved,
// activated, listed and shown, opt-outs added and counted. An analyst's
// token is refused with the reason and bad input is refused naming its
// cause. It returns the audit actions the caller should find once the
// server stops. The partner "council" must exist.
func adminCommandsThroughServer(t *testing.T, dir, data, base, admin, analyst string) []string {
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pw, pw2 := file("pw", servedPassword+"\n"), file("pw2", "another long passphrase\n")
	agreement, ids := file("da.json", testAgreementJSON), file("ids.csv", "record_id\nINC-1\nINC-2\nINC-1\n")

	// In process (the store stays the server's): a command with --server
	// opens no store.
	run := func(token string, args ...string) (string, int) {
		if token != "" {
			args = append(args, "--server", base, "--token-file", token)
		}
		out, errs, code := governRun(t, data, "", "", args...)
		return out + errs, code
	}

	if out, code := run("", "--user", "p.admin", "purpose", "list"); code == 0 || !strings.Contains(out, "purpose list --server URL --token-file F") {
		t.Errorf("purpose list without --server while served: exit %d, want a pointer to --server\n%s", code, out)
	}
	out, code := run(admin, "user", "token", "issue", "--name", "nightly ingest", "--ttl", "720h")
	text := regexp.MustCompile(`(?m)^cvl_\S+$`).FindString(out)
	if code != 0 || text == "" {
		t.Fatalf("token issue through the server: exit %d\n%s", code, out)
	}
	issued := file("issued", text+"\n")
	tokenID := strings.Split(text, "_")[1]
	steps := []struct {
		token string
		args  []string
		code  int
		want  string
	}{
		{issued, []string{"user", "token", "list"}, 0, "nightly ingest"},
		{admin, []string{"user", "add", "--id", "p.new", "--partner", "police", "--name", "New", "--roles", "analyst", "--password-file", pw}, 0, "added p.new (New) at police"},
		{admin, []string{"user", "add", "--id", "c.admin", "--partner", "council", "--name", "Council admin", "--roles", "partner-admin", "--password-file", pw}, 0, "added c.admin"},
		{admin, []string{"user", "add", "--id", "c.two", "--partner", "council", "--name", "Two", "--roles", "analyst", "--password-file", pw}, 3, `cannot manage users of partner "council"`},
		{admin, []string{"user", "add", "--id", "Bad Id", "--partner", "police", "--name", "Bad", "--roles", "analyst", "--password-file", pw}, 2, "is not valid"},
		{admin, []string{"user", "passwd", "p.new", "--password-file", pw2}, 0, "password set for p.new"},
		{admin, []string{"user", "mfa", "reset", "p.new"}, 0, "second factor of p.new removed"},
		{admin, []string{"user", "token", "revoke", tokenID}, 0, "revoked token " + tokenID},
		{issued, []string{"user", "token", "list"}, 3, "was revoked"},
		{admin, []string{"user", "token", "revoke", "abcdefabcdef"}, 4, `no API token "abcdefabcdef"`},
		{admin, []string{"purpose", "add", "--id", "loneliness", "--name", "Loneliness"}, 0, "added purpose loneliness"},
		{admin, []string{"purpose", "list"}, 0, "loneliness"},
		{admin, []string{"agreement", "create", "--file", agreement}, 0, "created draft agreement da-test"},
		{admin, []string{"agreement", "approve", "da-test", "--note", "DPIA done"}, 0, "is now approved"},
		{admin, []string{"agreement", "activate", "da-test"}, 0, "is now active"},
		{admin, []string{"agreement", "list"}, 0, "da-test"},
		{admin, []string{"agreement", "show", "da-test"}, 0, "DPIA done"},
		{admin, []string{"optout", "add", "--dataset", "incidents", "--file", ids, "--purposes", "*"}, 0, "2 records of incidents opted out"},
		{admin, []string{"optout", "count", "--dataset", "incidents", "--purpose", "domestic-abuse"}, 0, "2 records of incidents are excluded"},
		{analyst, []string{"user", "token", "list"}, 0, "ID"},
		{analyst, []string{"purpose", "add", "--id", "snooping", "--name", "Snooping"}, 3, "cannot add purposes"},
		{analyst, []string{"optout", "add", "--dataset", "incidents", "--file", ids, "--purposes", "*"}, 3, "refused"},
		{analyst, []string{"agreement", "suspend", "da-test"}, 3, "refused"},
		{analyst, []string{"user", "mfa", "reset", "p.new"}, 3, "cannot manage users"},
	}
	for _, s := range steps {
		if out, code := run(s.token, s.args...); code != s.code || !strings.Contains(out, s.want) {
			t.Errorf("civiclink %v: exit %d, want %d with %q\n%s", s.args, code, s.code, s.want, out)
		}
	}
	if out, code := run("", "purpose", "list", "--server", base); code == 0 || !strings.Contains(out, "--server needs --token-file") {
		t.Errorf("--server without --token-file: exit %d\n%s", code, out)
	}
	return []string{"token.issue", "token.revoke", "user.create", "user.password", "user.mfa.reset", "purpose.add", "agreement.create", "agreement.approve", "agreement.activate", "optout.add"}
}
