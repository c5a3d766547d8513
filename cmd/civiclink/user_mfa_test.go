package main

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
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
