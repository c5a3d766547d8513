package govern

import (
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

func TestToken(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tok, text, err := NewToken("ana", "nightly", now, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, other, _ := NewToken("ana", "nightly", now, 0)
	if text == other || !strings.HasPrefix(text, "cvl_"+tok.ID+"_") {
		t.Fatalf("got tokens %q and %q, want distinct cvl_<id>_ tokens", text, other)
	}
	if strings.Contains(tok.Hash, text[16:]) || len(tok.Hash) != 64 {
		t.Errorf("stored hash %q looks like the token", tok.Hash)
	}
	if id, err := TokenID(text); err != nil || id != tok.ID {
		t.Errorf("TokenID: got %q, %v; want %q", id, err, tok.ID)
	}
	tests := []struct {
		name string
		text string
		at   time.Time
		ok   bool
	}{
		{"valid", text, now, true},
		{"valid with a trailing newline (from a file)", text + "\n", now, true},
		{"another token", other, now, false},
		{"one character changed", text[:len(text)-1] + flip(text[len(text)-1]), now, false},
		{"expired", text, now.Add(24 * time.Hour), false},
	}
	for _, tt := range tests {
		if err := tok.Check(tt.text, tt.at); (err == nil) != tt.ok || (err != nil && fault.Code(err) != fault.Unauthorized) {
			t.Errorf("%s: got %v, want ok=%t", tt.name, err, tt.ok)
		}
	}
	revoked := now.Add(time.Hour)
	tok.RevokedAt = &revoked
	if err := tok.Check(text, now.Add(2*time.Hour)); fault.Code(err) != fault.Unauthorized {
		t.Errorf("revoked: got %v, want unauthorized", err)
	}
	for _, bad := range []string{"", "cvl_", "ghp_abc", "cvl_zzzzzzzzzzzz_" + strings.Repeat("a", 43), "cvl_" + tok.ID + "_short"} {
		if _, err := TokenID(bad); fault.Code(err) != fault.Unauthorized {
			t.Errorf("TokenID(%q): got %v, want unauthorized", bad, err)
		}
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}
