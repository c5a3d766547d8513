package govern

import (
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

// cheap are test-only costs; DefaultArgon2 is exercised once.
var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestPasswordHash(t *testing.T) {
	const pw = "correct horse battery staple"
	h1, err := HashPasswordWith(pw, cheap)
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPasswordWith(pw, cheap)
	if h1 == h2 {
		t.Errorf("two hashes of one password are equal (%s): the salt is not random", h1)
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h1, pw) {
		t.Errorf("got %q, want a PHC argon2id string without the password", h1)
	}
	for _, tt := range []struct {
		try  string
		want bool
	}{{pw, true}, {pw + " ", false}, {"Correct horse battery staple", false}, {"", false}} {
		got, err := VerifyPassword(h1, tt.try)
		if err != nil || got != tt.want {
			t.Errorf("verify %q: got %t, %v; want %t", tt.try, got, err, tt.want)
		}
	}
}

func TestDefaultPasswordHash(t *testing.T) {
	h, err := HashPassword("a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	p, salt, key, err := ParsePHC(h)
	if err != nil {
		t.Fatal(err)
	}
	if p != DefaultArgon2 || len(salt) != 16 || len(key) != 32 {
		t.Errorf("got %+v salt %d key %d, want %+v", p, len(salt), len(key), DefaultArgon2)
	}
	if ok, err := VerifyPassword(h, "a long enough passphrase"); !ok || err != nil {
		t.Errorf("verify: got %t, %v", ok, err)
	}
}

func TestPasswordRules(t *testing.T) {
	for _, pw := range []string{"", "short", "elevenchars", strings.Repeat("x", 1025)} {
		if _, err := HashPasswordWith(pw, cheap); fault.Code(err) != fault.Invalid {
			t.Errorf("password of %d bytes: got %v, want invalid", len(pw), err)
		}
	}
	if _, err := HashPasswordWith("twelve chars", cheap); err != nil {
		t.Errorf("12 characters: %v", err)
	}
}

func TestParsePHCRejects(t *testing.T) {
	good, _ := HashPasswordWith("correct horse battery staple", cheap)
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":       "",
		"argon2i":     strings.Replace(good, "argon2id", "argon2i", 1),
		"bcrypt":      "$2a$10$abcdefghijklmnopqrstuu",
		"version":     strings.Replace(good, "v=19", "v=16", 1),
		"huge memory": strings.Replace(good, "m=64", "m=4194304", 1),
		"zero time":   strings.Replace(good, "t=1", "t=0", 1),
		"bad salt":    strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"short key":   strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"extra field": good + "$x",
		"param order": strings.Replace(good, "m=64,t=1,p=1", "t=1,m=64,p=1", 1),
	} {
		if _, err := VerifyPassword(h, "correct horse battery staple"); err == nil {
			t.Errorf("%s: %q verified without error", name, h)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	good, _ := HashPasswordWith("correct horse battery staple", cheap)
	f.Add(good)
	f.Add("$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=,t=,p=$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := ParsePHC(s)
		if err != nil {
			return
		}
		if p.Memory > maxArgonMemory || p.Time > maxArgonTime || p.Threads == 0 || len(salt) < minSaltLen || len(key) < 16 {
			t.Fatalf("accepted out-of-range hash %q: %+v salt %d key %d", s, p, len(salt), len(key))
		}
	})
}
