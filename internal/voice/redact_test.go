package voice

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// plantedCase is one line of testdata/planted/corpus.jsonl: raw text, the
// identifiers planted in it (none may survive), the markers that must
// replace them and words that must be kept.
type plantedCase struct {
	Text    string   `json:"text"`
	Planted []string `json:"planted"`
	Markers []string `json:"markers"`
	Keep    []string `json:"keep"`
}

// readPlanted reads the planted-identifier corpus.
func readPlanted(tb testing.TB, path string) []plantedCase {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []plantedCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c plantedCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatalf("corpus line %d: %v", len(out)+1, err)
		}
		out = append(out, c)
	}
	return out
}

func TestRedactPlantedCorpus(t *testing.T) {
	cases := readPlanted(t, "testdata/planted/corpus.jsonl")
	if len(cases) < 25 {
		t.Fatalf("corpus has %d cases, want at least 25", len(cases))
	}
	for i, c := range cases {
		got := Redact(c.Text)
		for _, p := range c.Planted {
			if strings.Contains(got.String(), p) {
				t.Errorf("case %d: planted %q survives in %q", i+1, p, got)
			}
		}
		for _, m := range c.Markers {
			if !strings.Contains(got.String(), m) {
				t.Errorf("case %d: marker %s missing from %q", i+1, m, got)
			}
		}
		for _, k := range c.Keep {
			if !strings.Contains(got.String(), k) {
				t.Errorf("case %d: %q should be kept, got %q", i+1, k, got)
			}
		}
		if (len(c.Markers) == 0) != (got.Markers() == 0) {
			t.Errorf("case %d: %d markers counted for %q", i+1, got.Markers(), got)
		}
		if again := Redact(got.String()); again.String() != got.String() || again.Markers() != 0 {
			t.Errorf("case %d: redaction is not idempotent: %q then %q", i+1, got, again)
		}
	}
}

func TestNHSNumberValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"9434765919", true},
		{"0830166130", true},
		{"9434765918", false}, // last digit off by one
		{"1234567890", false}, // check digit would be 10
		{"943476591", false},  // nine digits
	}
	for _, tt := range tests {
		if got := NHSNumberValid(tt.in); got != tt.want {
			t.Errorf("NHSNumberValid(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestTextJSONRedacts(t *testing.T) {
	var a Answer
	if err := json.Unmarshal([]byte(`{"question":"q","text":"mail x@y.com now"}`), &a); err != nil {
		t.Fatal(err)
	}
	if got, want := a.Text.String(), "mail [email] now"; got != want {
		t.Errorf("decoded text %q, want %q", got, want)
	}
}

func FuzzRedact(f *testing.F) {
	for _, s := range []string{"a@b.com", "07700 900123", "CM1 1AA", "943 476 5919", "@x_y", "[email]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Redact(s)
		if again := Redact(got.String()); again.String() != got.String() {
			t.Errorf("not idempotent on %q: %q then %q", s, got, again)
		}
		if strings.Contains(got.String(), "@") && emailRE.MatchString(got.String()) {
			t.Errorf("an email survives in %q", got)
		}
	})
}

var emailRE = Identifiers[0].re
