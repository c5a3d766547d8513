package clk

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestPyInt(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"45", "45", true}, {"+45", "45", true}, {"041", "41", true}, {" 34", "34", true}, {"59 ", "59", true},
		{"-0", "0", true}, {"000", "0", true}, {"-12", "-12", true}, {"1_000", "1000", true},
		{"\u0663\u0664", "34", true}, // Arabic-Indic digits
		{"", "", false}, {"+", "", false}, {"1_", "", false}, {"_1", "", false}, {"1__0", "", false},
		{"1.0", "", false}, {"0x10", "", false}, {"+-1", "", false}, {"1 2", "", false},
	}
	for _, tt := range tests {
		got, ok := pyInt(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("pyInt(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPyFloat(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"1.5", 1.5, true}, {" -2.25 ", -2.25, true}, {".5", 0.5, true}, {"5.", 5, true}, {"1e3", 1000, true},
		{"1_0.5", 10.5, true}, {"0x1p3", 0, false}, {"abc", 0, false}, {"1._5", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		got, ok := pyFloat(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("pyFloat(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStrptime(t *testing.T) {
	tests := []struct {
		in, format, want string
	}{
		{"1984-03-12", "%Y-%m-%d", "19840312"},
		{"4/7/2019", "%d/%m/%Y", "20190704"},
		{"0123-01-12", "%Y-%m-%d", "1230112"},
		{"12 mar 1984", "%d %b %Y", "19840312"},
		{"12   MARCH 1984", "%d %B %Y", "19840312"},
		{"1112019", "%d%m%Y", "20190111"}, // CPython: day 11, month 1,
		{"29/02/2000", "%d/%m/%Y", "20000229"},
		{"01/02/69", "%d/%m/%y", "19690201"},
		{"01/02/68", "%d/%m/%y", "20680201"},
	}
	for _, tt := range tests {
		got, err := formatDate(tt.in, tt.format)
		if err != nil || got != tt.want {
			t.Errorf("formatDate(%q, %q) = %q, %v; want %q", tt.in, tt.format, got, err, tt.want)
		}
	}
	for _, bad := range []struct{ in, format string }{
		{"29/02/1999", "%d/%m/%Y"}, {"31/04/2001", "%d/%m/%Y"}, {"1984-03-12x", "%Y-%m-%d"},
		{"84-03-12", "%Y-%m-%d"}, {"0000-01-01", "%Y-%m-%d"}, {"", "%Y-%m-%d"}, {"1984-13-01", "%Y-%m-%d"},
	} {
		if got, err := formatDate(bad.in, bad.format); err == nil {
			t.Errorf("formatDate(%q, %q) = %q, want an error", bad.in, bad.format, got)
		}
	}
}

func TestNgrams(t *testing.T) {
	tests := []struct {
		in         string
		n          int
		positional bool
		want       []string
	}{
		{"Li", 2, true, []string{"1  L", "2 Li", "3 i "}},
		{"Li", 2, false, []string{" L", "Li", "i "}},
		{"Zoë", 1, false, []string{"Z", "o", "ë"}},
		{"ab", 3, false, []string{"  a", " ab", "ab ", "b  "}},
		{"aa", 1, false, []string{"a", "a"}},
	}
	for _, tt := range tests {
		got := appendNgrams(nil, tt.in, tt.n, tt.positional)
		if !slices.Equal(got, tt.want) {
			t.Errorf("ngrams(%q, %d, %v) = %q, want %q", tt.in, tt.n, tt.positional, got, tt.want)
		}
	}
}

func FuzzStrptime(f *testing.F) {
	for _, s := range []string{"1984-03-12", "4/7/2019", "0123-01-12", " 1/ 2/2000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, format := range []string{"%Y-%m-%d", "%d/%m/%Y", "%d%m%Y", "%d %b %Y"} {
			y, m, d, err := strptime(s, format)
			if err == nil && (y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m)) {
				t.Errorf("strptime(%q, %q) gave impossible date %d-%d-%d", s, format, y, m, d)
			}
		}
	})
}

func FuzzPyInt(f *testing.F) {
	for _, s := range []string{"45", " +041 ", "1_000", "-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := pyInt(s)
		if !ok {
			return
		}
		again, ok2 := pyInt(got)
		if !ok2 || again != got {
			t.Errorf("pyInt(%q) = %q, which is not a fixed point (%q)", s, got, again)
		}
	})
}

// The ISO fast path agrees with strptime wherever it answers.
func FuzzISODateFast(f *testing.F) {
	for _, s := range []string{"1984-03-12", "0123-01-12", "2000-02-29", "1999-02-29", "1984-00-12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fast, ok := isoDateFast(s)
		if !ok {
			return
		}
		y, m, d, err := strptime(s, "%Y-%m-%d")
		if err != nil || fast != fmt.Sprintf("%d%02d%02d", y, m, d) {
			t.Errorf("isoDateFast(%q) = %q, strptime gives %d-%d-%d, %v", s, fast, y, m, d, err)
		}
	})
}

func TestInvalidUTF8Rejected(t *testing.T) {
	s, err := ParseSchema(strings.NewReader(`{"version": 3, "clkConfig": {"l": 64, "kdf": {"type": "HKDF"}},
		"features": [{"identifier": "name", "format": {"type": "string"}, "hashing": {"comparison": {"type": "ngram", "n": 2}, "strategy": {"bitsPerToken": 5}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEncoder(s, []byte("k"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Encode([]string{"Ren\xe9e"}); err == nil {
		t.Errorf("a Latin-1 byte in a UTF-8 cell was encoded")
	}
	if _, err := e.Encode([]string{"Renée"}); err != nil {
		t.Errorf("valid UTF-8 was refused: %v", err)
	}
}
