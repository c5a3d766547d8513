package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUserSSOCommands links an account at a partner's identity provider
// to a user, lists and unlinks it, and refuses a provider not in the
// configuration and a user of another partner.
func TestUserSSOCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "s.duckdb")
	conf := filepath.Join(dir, "sso.json")
	if err := os.WriteFile(conf, []byte(`{"providers": [{"id": "nhs-entra", "name": "NHS trust", "partner": "nhs",
		"issuer": "https://login.microsoftonline.com/tenant/v2.0", "client_id": "abc", "claim": "oid"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, s := range [][]string{
		{"partner", "add", "--id", "nhs", "--name", "NHS trust"},
		{"partner", "add", "--id", "police", "--name", "Police"},
		{"user", "bootstrap", "--id", "tester", "--partner", "nhs", "--name", "Tester", "--roles", "analyst", "--no-password"},
		{"user", "add", "--id", "nina", "--partner", "nhs", "--name", "Nina", "--roles", "analyst", "--no-password"},
	} {
		if stdout, stderr, code := run(t, data, s...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", s, code, stdout, stderr)
		}
	}
	if stdout, stderr, code := run(t, data, "user", "sso", "link", "--sso", conf, "nhs-entra", "0b1d-42", "nina"); code != 0 || !strings.Contains(stdout, "0b1d-42 at nhs-entra now signs in as nina") {
		t.Fatalf("link: exit %d\n%s%s", code, stdout, stderr)
	}
	if stdout, _, code := run(t, data, "user", "sso", "list", "nina"); code != 0 || !strings.Contains(stdout, "nhs-entra\t0b1d-42\tlinked") {
		t.Errorf("list: exit %d\n%s", code, stdout)
	}
	if _, stderr, code := run(t, data, "user", "sso", "link", "--sso", conf, "other", "x", "nina"); code == 0 || !strings.Contains(stderr, `provider "other" is not in`) {
		t.Errorf("unknown provider: exit %d: %s", code, stderr)
	}
	if _, stderr, code := run(t, data, "user", "sso", "link", "nhs-entra", "x", "nina"); code == 0 || !strings.Contains(stderr, "CIVICLINK_SSO_FILE") {
		t.Errorf("no configuration: exit %d: %s", code, stderr)
	}
	if stdout, stderr, code := run(t, data, "user", "sso", "unlink", "nhs-entra", "0b1d-42"); code != 0 || !strings.Contains(stdout, "no longer signs in") {
		t.Fatalf("unlink: exit %d\n%s%s", code, stdout, stderr)
	}
	if stdout, _, _ := run(t, data, "user", "sso", "list", "nina"); !strings.Contains(stdout, "no provider accounts") {
		t.Errorf("after unlink: %s", stdout)
	}
}
