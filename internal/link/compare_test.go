package link

import (
	"strings"
	"testing"
)

// levelOf compares two values under spec and returns the level's label.
func levelOf(t *testing.T, spec ComparisonSpec, a, b string) string {
	t.Helper()
	tb, err := newTable([]Dataset{{Name: "d", Fields: []string{"f"}, Records: []Record{{ID: "1", Values: []string{a}}, {ID: "2", Values: []string{b}}}}})
	if err != nil {
		t.Fatal(err)
	}
	spec.Field = "f"
	c, _, err := buildComparer(tb, spec)
	if err != nil {
		t.Fatal(err)
	}
	l := c.Compare(0, 1)
	if r := c.Compare(1, 0); r != l {
		t.Errorf("%s(%q, %q) is not symmetric: %d vs %d", spec.Kind, a, b, l, r)
	}
	return c.Levels()[l].Label
}

func TestComparisonLevels(t *testing.T) {
	tests := []struct {
		kind       string
		thresholds []float64
		a, b, want string
	}{
		{"exact", nil, "Smith", " smith ", "exact"},
		{"exact", nil, "smith", "smyth", "else"},
		{"exact", nil, "", "smyth", "null"},
		{"jaro_winkler", nil, "martha", "marhta", "jw>=0.92"},
		{"jaro_winkler", nil, "dwayne", "duane", "jw>=0.8"},
		{"jaro_winkler", nil, "anna", "zebedee", "else"},
		{"levenshtein", nil, "12345", "12354", "lev<=2"},
		{"damerau", nil, "12345", "12354", "dam<=1"},
		{"damerau", []float64{1}, "12345", "54321", "else"},
		{"date", nil, "1971-06-24", "19710624", "exact"},
		{"date", nil, "1971-06-04", "1971-04-06", "day-month transposed"},
		{"date", nil, "04/06/1971", "1971-06-04", "exact"},
		{"date", nil, "1971-06-24", "1971-06-25", "one digit typo"},
		{"date", nil, "1971-06-24", "1971-09-30", "within 365 days"},
		{"date", []float64{30}, "1971-06-24", "1971-09-30", "else"},
		{"date", nil, "1971-06-24", "not a date", "else"},
		{"date", nil, "", "1971-06-24", "null"},
		{"postcode", nil, "CM1 2AB", "cm12ab", "exact"},
		{"postcode", nil, "CM1 2AB", "CM1 2XY", "sector"},
		{"postcode", nil, "CM1 2AB", "CM1 7XY", "district"},
		{"postcode", nil, "CM1 2AB", "CM14 7XY", "area"},
		{"postcode", nil, "CM1 2AB", "SS1 2AB", "else"},
		{"postcode", nil, "4011", "4012", "sector"},
		{"postcode", nil, "4011", "4021", "district"},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.a+"~"+tt.b, func(t *testing.T) {
			if got := levelOf(t, ComparisonSpec{Kind: tt.kind, Thresholds: tt.thresholds}, tt.a, tt.b); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDiceComparison(t *testing.T) {
	// 16-bit filters: AAAA... identical, 0xF0F0 vs 0xF0F1 share 8 of 9+8 bits.
	// With TF an exact level (identical filters) comes first.
	tests := []struct {
		a, b string
		tf   bool
		want string
	}{
		{"8PA=", "8PA=", false, "dice>=0.9"},
		{"8PA=", "8PE=", false, "dice>=0.9"},
		{"8PA=", "DwA=", false, "else"},
		{"", "8PA=", false, "null"},
		{"8PA=", "8PA=", true, "exact"},
		{"8PA=", "8PE=", true, "dice>=0.9"},
		{"8PA=", "DwA=", true, "else"},
		{"", "8PA=", true, "null"},
	}
	for _, tt := range tests {
		if got := levelOf(t, ComparisonSpec{Kind: "dice", Bits: 16, TF: tt.tf}, tt.a, tt.b); got != tt.want {
			t.Errorf("dice(%s, %s) tf=%v = %q, want %q", tt.a, tt.b, tt.tf, got, tt.want)
		}
	}
}

func TestBadThresholds(t *testing.T) {
	tb, _ := newTable([]Dataset{{Name: "d", Fields: []string{"f"}, Records: []Record{{ID: "1", Values: []string{"x"}}}}})
	for _, spec := range []ComparisonSpec{
		{Field: "f", Kind: "jaro_winkler", Thresholds: []float64{0.8, 0.9}},
		{Field: "f", Kind: "levenshtein", Thresholds: []float64{1.5}},
		{Field: "f", Kind: "date", Thresholds: []float64{0}},
		{Field: "nope", Kind: "exact"},
	} {
		if _, _, err := buildComparer(tb, spec); err == nil {
			t.Errorf("%+v: no error, want one", spec)
		}
	}
}

func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"19710624", "1971-06-24", "24/06/1971", "2000-02-30", "--", "1/2/3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := parseDay(s)
		if d.has && len(d.digits) != 8 {
			t.Fatalf("parseDay(%q) digits %q", s, d.digits)
		}
		if d.valid && (d.m < 1 || d.m > 12 || d.d < 1 || d.d > 31) {
			t.Fatalf("parseDay(%q) valid with month %d day %d", s, d.m, d.d)
		}
	})
}

func TestNormalise(t *testing.T) {
	tests := map[string]string{"  Anne  Marie ": "anne marie", "smith": "smith", "ÉLODIE": "élodie", "a\tb": "a b", "a\nb": "a b", "": ""}
	for in, want := range tests {
		if got := Normalise(in); got != want {
			t.Errorf("Normalise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOneTypo(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"19710624", "19710625", true},
		{"19710624", "19710642", true},
		{"19710624", "19170624", true},
		{"19710624", "19710652", false},
		{"19710624", "29710625", false},
		{"19710624", "17910624", true},
		{"19710624", "17190624", false},
	}
	for _, tt := range tests {
		if got := oneTypo(tt.a, tt.b); got != tt.want {
			t.Errorf("oneTypo(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestSwappedLevel(t *testing.T) {
	tb, err := newTable([]Dataset{{Name: "d", Fields: []string{"forename", "surname"}, Records: []Record{
		{ID: "1", Values: []string{"sophie", "snell"}},
		{ID: "2", Values: []string{"snell", "sophie"}},
		{ID: "3", Values: []string{"sophia", "snell"}},
		{ID: "4", Values: []string{"", "snell"}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := buildComparer(tb, ComparisonSpec{Field: "forename", Kind: "jaro_winkler", SwapWith: "surname"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		a, b int
		want string
	}{{0, 1, "swapped"}, {1, 0, "swapped"}, {0, 2, "jw>=0.92"}, {0, 0, "exact"}, {0, 3, "null"}}
	for _, tt := range tests {
		if got := c.Levels()[c.Compare(tt.a, tt.b)].Label; got != tt.want {
			t.Errorf("records %d, %d: level %q, want %q", tt.a, tt.b, got, tt.want)
		}
	}
}

func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"  Anne  Marie ", "ÉLODIE", "a\tb", "o'brien", "\u00a0x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalise(s)
		if Normalise(n) != n {
			t.Fatalf("Normalise is not idempotent on %q: %q then %q", s, n, Normalise(n))
		}
		if strings.TrimSpace(n) != n || strings.Contains(n, "  ") {
			t.Fatalf("Normalise(%q) = %q keeps outer or doubled space", s, n)
		}
	})
}
