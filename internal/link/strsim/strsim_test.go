package strsim

import (
	"math"
	"strings"
	"testing"
)

func TestJaroWinkler(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.9611},
		{"dwayne", "duane", 0.84},
		{"dixon", "dicksonx", 0.8133},
		{"same", "same", 1},
		{"", "abc", 0},
		{"abc", "xyz", 0},
		{strings.Repeat("a", 70) + "b", strings.Repeat("a", 70) + "c", 0.9944},
	}
	for _, tt := range tests {
		if got := JaroWinkler(tt.a, tt.b); math.Abs(got-tt.want) > 5e-4 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.4f", tt.a, tt.b, got, tt.want)
		}
		if got, want := JaroWinkler(tt.b, tt.a), JaroWinkler(tt.a, tt.b); got != want {
			t.Errorf("JaroWinkler not symmetric on %q, %q: %v vs %v", tt.a, tt.b, got, want)
		}
	}
}

func TestEditDistances(t *testing.T) {
	tests := []struct {
		a, b         string
		lev, damerau int
	}{
		{"kitten", "sitting", 3, 3},
		{"john", "jonh", 2, 1},
		{"ca", "abc", 3, 3},
		{"", "abc", 3, 3},
		{"abc", "", 3, 3},
		{"19710624", "19710642", 2, 1},
		{"héllo", "hello", 1, 1},
		{"same", "same", 0, 0},
	}
	for _, tt := range tests {
		if got := Levenshtein(tt.a, tt.b); got != tt.lev {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.lev)
		}
		if got := Damerau(tt.a, tt.b); got != tt.damerau {
			t.Errorf("Damerau(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.damerau)
		}
	}
}

func TestSoundex(t *testing.T) {
	tests := map[string]string{
		"Robert": "R163", "Rupert": "R163", "Ashcraft": "A261", "Tymczak": "T522",
		"Pfister": "P236", "Honeyman": "H555", "Lee": "L000", "o'brien": "O165", "123": "",
	}
	for in, want := range tests {
		if got := Soundex(in); got != want {
			t.Errorf("Soundex(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzEdit(f *testing.F) {
	f.Add("martha", "marhta")
	f.Add("", "x")
	f.Add("ångström", "angstrom")
	f.Fuzz(func(t *testing.T, a, b string) {
		lev, dam := Levenshtein(a, b), Damerau(a, b)
		for k := range 4 {
			if got, want := LevenshteinWithin(a, b, k), min(lev, k+1); got != want {
				t.Fatalf("LevenshteinWithin(%q, %q, %d) = %d, want %d", a, b, k, got, want)
			}
			if got, want := DamerauWithin(a, b, k), min(dam, k+1); got != want {
				t.Fatalf("DamerauWithin(%q, %q, %d) = %d, want %d", a, b, k, got, want)
			}
		}
		if dam > lev || dam < 0 {
			t.Fatalf("Damerau %d > Levenshtein %d for %q, %q", dam, lev, a, b)
		}
		if (lev == 0) != (a == b) && strings.ToValidUTF8(a, "\uFFFD") == a && strings.ToValidUTF8(b, "\uFFFD") == b {
			t.Fatalf("Levenshtein(%q, %q) = %d", a, b, lev)
		}
		jw := JaroWinkler(a, b)
		if jw < 0 || jw > 1 || math.IsNaN(jw) {
			t.Fatalf("JaroWinkler(%q, %q) = %v out of [0,1]", a, b, jw)
		}
		Soundex(a)
	})
}

func BenchmarkJaroWinkler(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		JaroWinkler("harrington", "harringtno")
	}
}
