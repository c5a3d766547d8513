package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/civiclink/civiclink/internal/store"
)

// TestUserMFACommands enrols a second factor from the CLI, confirms it
// with a code from a real TOTP generator at the CLI's clock, refuses a
// second enrolment, and resets it.
func TestUserMFACommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "s.duckdb")
	for _, s := range [][]string{
		{"partner", "add", "--id", "nhs", "--name", "NHS trust"},
		{"user", "bootstrap", "--id", "tester", "--partner", "nhs", "--name", "Tester", "--roles", "data-owner", "--no-password"},
	} {
		if stdout, stderr, code := run(t, data, s...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", s, code, stdout, stderr)
		}
	}
	stdout, stderr, code := run(t, data, "user", "mfa", "enrol")
	key := regexp.MustCompile(`key:  ([A-Z2-7]+)`).FindStringSubmatch(stdout)
	if code != 0 || key == nil || strings.Count(stdout, "\n  ") != 10 || !strings.Contains(stdout, "otpauth://totp/civiclink:tester") {
		t.Fatalf("enrol: exit %d, want the key, URL and 10 recovery codes\n%s%s", code, stdout, stderr)
	}
	if _, stderr, code := run(t, data, "user", "mfa", "enrol", "--code", "123456"); code != 3 || !strings.Contains(stderr, "wrong or out of date") {
		t.Errorf("a wrong code: exit %d, want 3: %s", code, stderr)
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // run's clock
	c, _ := totp.GenerateCode(key[1], at)
	if stdout, stderr, code := run(t, data, "user", "mfa", "enrol", "--code", c); code != 0 || !strings.Contains(stdout, "confirmed") {
		t.Fatalf("confirm: exit %d\n%s%s", code, stdout, stderr)
	}
	if _, stderr, code := run(t, data, "user", "mfa", "enrol"); code != 5 || !strings.Contains(stderr, "mfa reset") {
		t.Errorf("enrolling again: exit %d, want 5 saying to reset: %s", code, stderr)
	}
	if stdout, stderr, code := run(t, data, "user", "mfa", "reset", "tester"); code != 0 || !strings.Contains(stdout, "removed") {
		t.Fatalf("reset: exit %d\n%s%s", code, stdout, stderr)
	}
	if stdout, _, code := run(t, data, "user", "mfa", "enrol"); code != 0 || !strings.Contains(stdout, "key:") {
		t.Errorf("enrolling after a reset: exit %d", code)
	}
}

// TestMFAKeyCommands: the CLI seals second-factor secrets with the key
// beside the data (created at first use, mode 0600), so the store holds no
// secret in the clear; a key of the wrong size, or another key, is
// refused with what to do.
func TestMFAKeyCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "s.duckdb")
	for _, s := range [][]string{
		{"partner", "add", "--id", "nhs", "--name", "NHS trust"},
		{"user", "bootstrap", "--id", "tester", "--partner", "nhs", "--name", "Tester", "--roles", "data-owner", "--no-password"},
	} {
		if stdout, stderr, code := run(t, data, s...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", s, code, stdout, stderr)
		}
	}
	stdout, stderr, code := run(t, data, "user", "mfa", "enrol")
	key := regexp.MustCompile(`key:  ([A-Z2-7]+)`).FindStringSubmatch(stdout)
	if code != 0 || key == nil {
		t.Fatalf("enrol: exit %d\n%s%s", code, stdout, stderr)
	}
	fi, err := os.Stat(data + ".mfa-key")
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v, want one readable by its owner only", fi, err)
	}
	st, err := store.Open(context.Background(), data)
	if err != nil {
		t.Fatal(err)
	}
	row, err := st.UserMFA(context.Background(), "tester")
	st.Close()
	if err != nil || !strings.HasPrefix(row.Secret, "sealed:v1:") || strings.Contains(row.Secret, key[1]) {
		t.Fatalf("the stored secret is %q (%v), want it sealed", row.Secret, err)
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	c, _ := totp.GenerateCode(key[1], at)
	if stdout, stderr, code := run(t, data, "user", "mfa", "enrol", "--code", c); code != 0 {
		t.Fatalf("confirm with the sealed secret: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Setenv("CIVICLINK_MFA_KEY", "c2hvcnQ=")
	if _, stderr, code := run(t, data, "user", "mfa", "enrol"); code == 0 || !strings.Contains(stderr, "32 random bytes in base64") {
		t.Errorf("a short key: exit %d: %s", code, stderr)
	}
	t.Setenv("CIVICLINK_MFA_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	if _, stderr, code := run(t, data, "user", "mfa", "enrol"); code == 0 || !strings.Contains(stderr, "does not open") {
		t.Errorf("another key: exit %d: %s", code, stderr)
	}
}
