package pseudo

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadSecretFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		os.Chmod(p, mode)
		return p
	}
	tests := []struct {
		name, content string
		mode          os.FileMode
		want          string // "" for an error
	}{
		{"plain", "correct horse", 0o600, "correct horse"},
		{"newline", "correct horse\n", 0o600, "correct horse"},
		{"crlf", "correct horse\r\n", 0o400, "correct horse"},
		{"two newlines", "correct horse\n\n", 0o600, "correct horse\n"},
		{"group readable", "correct horse", 0o640, ""},
		{"world readable", "correct horse", 0o604, ""},
		{"empty", "\n", 0o600, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ReadSecretFile(write(tt.name, tt.content, tt.mode))
			if tt.want == "" {
				if err == nil {
					t.Errorf("ReadSecretFile succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(s.b) != tt.want {
				t.Errorf("secret = %q, want %q", s.b, tt.want)
			}
		})
	}
	if _, err := ReadSecretFile(filepath.Join(dir, "absent")); err == nil {
		t.Errorf("a missing secret file was accepted")
	}
}

// A secret never shows in any text form.
func TestSecretNeverPrinted(t *testing.T) {
	s := testSecret(t, "hunter2-very-secret")
	js, _ := json.Marshal(struct{ S *Secret }{s})
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %#v %s %q %x", s, s, s, s, s, s), string(js)} {
		if strings.Contains(out, "hunter2") || strings.Contains(out, fmt.Sprintf("%x", "hunter2")) {
			t.Errorf("the secret shows in %q", out)
		}
	}
}

func TestTokenKey(t *testing.T) {
	s := testSecret(t, "s")
	k := NewTokenKey(s, "p", []string{"surname", "dob"})
	a := k.Token("SMITH", "1984-03-12")
	if len(a) != 64 || a != k.Token("SMITH", "1984-03-12") {
		t.Errorf("token %q is not 64 hex digits or not stable", a)
	}
	if a == k.Token("SMITH", "1984-03-13") {
		t.Errorf("different values give the same token")
	}
	// The separator keeps field boundaries: AB|C differs from A|BC.
	if k.Token("AB", "C") == k.Token("A", "BC") {
		t.Errorf("field boundaries are lost")
	}
	if got := k.Token("SMITH", ""); got != "" {
		t.Errorf("a missing value gave token %q, want none", got)
	}
	if NewTokenKey(s, "p", []string{"dob", "surname"}).KeyID() == k.KeyID() {
		t.Errorf("two combinations share a key id")
	}
}

func TestColumnKeyID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HMAC token (project \"x\"; key-id=0123456789abcdef)", "0123456789abcdef"},
		{"key-id=abc", "abc"},
		{"no id here", ""},
	}
	for _, tt := range tests {
		got, ok := ColumnKeyID(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("ColumnKeyID(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}
