package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

// A domain error names its field; the CLI says it as the flag that gives it.
func TestErrorTextNamesTheFlag(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fault.FieldErrorf(fault.Invalid, "by", "say what to group by, e.g. district"), "say what to group by, e.g. district (--by)"},
		{fault.FieldErrorf(fault.Unauthorized, "user", "there is no civiclink user %q", "x"), `there is no civiclink user "x" (--user, or CIVICLINK_USER)`},
		{fault.FieldErrorf(fault.Invalid, "datasets", "name the datasets to link"), "name the datasets to link (--datasets a,b,c)"},
		{fault.Errorf(fault.Invalid, "no field"), "no field"},
		{errors.Join(errors.New("context"), fault.FieldErrorf(fault.Invalid, "period", "p")), "p (--period)"},
	}
	for _, tt := range tests {
		if got := errorText(tt.err); got != tt.want {
			t.Errorf("errorText(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// End to end: rooms' errors reach the CLI user with the flag to use, and
// their messages carry no flag of their own.
func TestCommandErrorsNameFlags(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("CIVICLINK_TOKEN", "")
	t.Setenv("CIVICLINK_TOKEN_FILE", "")
	data := filepath.Join(dir, "s.duckdb")
	steps := []struct {
		user string
		args []string
		want string
	}{
		{"", []string{"partner", "add", "--id", "police"}, `partner "police" needs a name (--name)`},
		{"", []string{"partner", "add", "--id", "police", "--name", "Police"}, ""},
		{"ghost", []string{"user", "whoami"}, `there is no civiclink user "ghost": name a registered user, or ask your partner admin to add you (--user, or CIVICLINK_USER)`},
		{"", []string{"user", "bootstrap", "--id", "pat", "--partner", "police", "--no-password"}, `user "pat" needs a display name (--name)`},
		{"", []string{"user", "bootstrap", "--id", "pat", "--partner", "police", "--name", "Pat", "--roles", "data-owner,analyst", "--no-password"}, ""},
		{"pat", []string{"link", "run", "--purpose", "domestic-abuse"}, "name the datasets to link, e.g. a,b,c (--datasets a,b,c)"},
	}
	for _, s := range steps {
		out, errs, code := governRun(t, data, s.user, "", s.args...)
		if s.want == "" {
			if code != 0 {
				t.Fatalf("%v: exit %d\n%s%s", s.args, code, out, errs)
			}
			continue
		}
		if code == 0 || strings.TrimSpace(errs) != s.want {
			t.Errorf("%v: exit %d, stderr %q; want %q", s.args, code, errs, s.want)
		}
	}
}
