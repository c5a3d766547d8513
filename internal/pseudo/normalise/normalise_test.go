package normalise

import (
	"strings"
	"testing"
	"unicode"
)

func TestName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Amelia", "AMELIA"},
		{"  amelia ", "AMELIA"},
		{"Renée", "RENEE"},
		{"Lefèvre", "LEFEVRE"},
		{"Renée", "RENEE"}, // decomposed e + combining acute
		{"Straße", "STRASSE"},
		{"Łukasz", "LUKASZ"},
		{"Søren", "SOREN"},
		{"Ægir", "AEGIR"},
		{"O'Brien", "OBRIEN"},
		{"O’Brien", "OBRIEN"},
		{"Smith-Jones", "SMITHJONES"},
		{"Smith – Jones", "SMITHJONES"},
		{"van der Berg", "VANDERBERG"},
		{"Mc Donald", "MCDONALD"},
		{"Mr John", "JOHN"},
		{"Dr. Amelia", "AMELIA"},
		{"Mr", "MR"}, // a title alone is kept: it may be a name
		{"John Smith Jr.", "JOHNSMITH"},
		{"St. John", "SAINTJOHN"},
		{"Saint John", "SAINTJOHN"},
		{"ＡＭＥＬＩＡ", "AMELIA"}, // full-width letters (NFKD)
		{"Anne-Marie", "ANNEMARIE"},
		{"R2D2", "RD"},
		{"", ""},
		{"--", ""},
		{"Zoë", "ZOE"},
		{"Ólafur", "OLAFUR"},
	}
	for _, tt := range tests {
		if got := Name(tt.in); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Pairs that differ only by noise normalise alike; pairs that differ by a
// real letter do not.
func TestNameSamePerson(t *testing.T) {
	same := [][2]string{
		{"Renée Lefèvre", "RENEE LEFEVRE"}, {"O'Neill", "ONeill"}, {"Smith-Jones", "smith jones"},
		{"Mrs Mary-Anne", "mary anne"}, {"Ólafur", "Olafur"},
	}
	for _, p := range same {
		if a, b := Name(p[0]), Name(p[1]); a != b {
			t.Errorf("Name(%q) = %q but Name(%q) = %q; want equal", p[0], a, p[1], b)
		}
	}
	differ := [][2]string{{"Thornbury", "Thornbery"}, {"Mary", "Marie"}, {"Mac Donald", "McDonald"}}
	for _, p := range differ {
		if a, b := Name(p[0]), Name(p[1]); a == b {
			t.Errorf("Name(%q) = Name(%q) = %q; want different", p[0], p[1], a)
		}
	}
}

func TestPostcode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"CM1 1AA", "CM1 1AA"}, {"cm11aa", "CM1 1AA"}, {" cm1  1aa ", "CM1 1AA"}, {"SS0 9DX", "SS0 9DX"},
		{"EC1A 1BB", "EC1A 1BB"}, {"W1A0AX", "W1A 0AX"}, {"M1 1AE", "M1 1AE"}, {"B33 8TH", "B33 8TH"},
		{"CR2 6XH", "CR2 6XH"}, {"DN55 1PT", "DN55 1PT"}, {"GIR 0AA", "GIR 0AA"},
	}
	for _, tt := range tests {
		got, err := Postcode(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Postcode(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "CM1", "CM1 OAA", "QM1 1AA", "CM1 1AAA", "CM1-1AA", "12345", "C M 1 1 A A X", "CM1 1CA", "ZZZ 1AA"} {
		if got, err := Postcode(bad); err == nil {
			t.Errorf("Postcode(%q) = %q, want an error", bad, got)
		}
	}
}

func TestNHSNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"9434765919", "9434765919"}, {"943 476 5919", "9434765919"}, {"943-476-5919", "9434765919"},
		{"4010232137", "4010232137"},
	}
	for _, tt := range tests {
		got, err := NHSNumber(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NHSNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "9434765918", "943476591", "94347659190", "0000000000", "1111111111", "943476591X", "943.476.5919"} {
		if got, err := NHSNumber(bad); err == nil {
			t.Errorf("NHSNumber(%q) = %q, want an error", bad, got)
		}
	}
	// A prefix whose check digit would be 10 has no valid number.
	if _, ok := NHSCheckDigit("000000006"); ok {
		t.Errorf("NHSCheckDigit(000000006) succeeded, want no digit (sum 6·… gives 10)")
	}
}

// Every check digit NHSCheckDigit gives makes a number NHSNumber accepts,
// and every other last digit makes one it rejects.
func TestNHSCheckDigitRoundTrip(t *testing.T) {
	for _, nine := range []string{"943476591", "401023213", "123456789", "987654321", "555555555"} {
		c, ok := NHSCheckDigit(nine)
		for d := byte('0'); d <= '9'; d++ {
			_, err := NHSNumber(nine + string(d))
			valid := ok && d == c && nine != "555555555"
			if (err == nil) != valid {
				t.Errorf("NHSNumber(%s%c) error %v, want valid=%v (check digit %c, %v)", nine, d, err, valid, c, ok)
			}
		}
	}
}

func TestSex(t *testing.T) {
	tests := []struct{ in, want string }{
		{"M", "M"}, {"male", "M"}, {"1", "M"}, {" f ", "F"}, {"Female", "F"}, {"2", "F"},
		{"X", "X"}, {"I", "X"}, {"9", ""}, {"0", ""}, {"", ""}, {"unknown", ""}, {"not  known", ""},
	}
	for _, tt := range tests {
		got, err := Sex(tt.in, nil)
		if err != nil || got != tt.want {
			t.Errorf("Sex(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := Sex("Q", nil); err == nil {
		t.Errorf("Sex(Q) succeeded, want an error")
	}
	if got, err := Sex("w", map[string]string{"W": "F"}); err != nil || got != "F" {
		t.Errorf("Sex(w, W→F) = %q, %v; want F", got, err)
	}
}

func TestDate(t *testing.T) {
	p, err := NewDateParser(nil, "", "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"1984-03-12", "1984-03-12"}, {"12/03/1984", "1984-03-12"}, {"12/3/1984", "1984-03-12"},
		{"2/3/1984", "1984-03-02"}, {"12.03.1984", "1984-03-12"}, {"12-03-1984", "1984-03-12"},
		{"12 Mar 1984", "1984-03-12"}, {"12 march 1984", "1984-03-12"}, {"12-MAR-1984", "1984-03-12"},
		{"12 Sept 1984", "1984-09-12"}, {"19840312", "1984-03-12"}, {" 1984-03-12 ", "1984-03-12"},
		{"29/02/2000", "2000-02-29"},
	}
	for _, tt := range tests {
		got, err := p.Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "29/02/1999", "31/04/2001", "1984-3-12", "12/03/84", "1984-13-01", "12 Smarch 1984", "0000-01-01", "tomorrow", "12/03/1984 10:00"} {
		if got, err := p.Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", bad, got)
		}
	}
}

func TestDateAmbiguity(t *testing.T) {
	p, err := NewDateParser([]string{"DD/MM/YYYY", "MM/DD/YYYY"}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := p.Parse("03/04/2001"); err == nil {
		t.Errorf("Parse(03/04/2001) = %q under day-first and month-first, want an ambiguity error", got)
	}
	if got, err := p.Parse("13/04/2001"); err != nil || got != "2001-04-13" {
		t.Errorf("Parse(13/04/2001) = %q, %v; want 2001-04-13 (only day-first fits)", got, err)
	}
	if got, err := p.Parse("04/04/2001"); err != nil || got != "2001-04-04" {
		t.Errorf("Parse(04/04/2001) = %q, %v; want 2001-04-04 (both read it alike)", got, err)
	}
}

func TestDateBoundsAndLayouts(t *testing.T) {
	p, err := NewDateParser([]string{"YYYY-MM-DD"}, "1880-01-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Parse("1879-12-31"); err == nil {
		t.Errorf("a date before the minimum was accepted")
	}
	if _, err := p.Parse("2027-01-01"); err == nil {
		t.Errorf("a date after the maximum was accepted")
	}
	for _, bad := range []string{"DD/MM/YY", "DD/MM", "YYYY-MM-DD-DD", "", "hello"} {
		if _, err := NewDateParser([]string{bad}, "", ""); err == nil {
			t.Errorf("layout %q was accepted, want an error", bad)
		}
	}
	if _, err := NewDateParser(nil, "01/01/1900", ""); err == nil {
		t.Errorf("a non-ISO bound was accepted")
	}
}

func FuzzName(f *testing.F) {
	for _, s := range []string{"Renée Lefèvre", "O'Brien", "Mr St John-Smith Jr", "Straße", "ＡＭＥＬＩＡ", "\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if isPlainASCII(s) && strings.Join(asciiWords(s), "|") != strings.Join(unicodeWords(s), "|") {
			t.Errorf("the ASCII fast path gives %q for %q, the general path %q", asciiWords(s), s, unicodeWords(s))
		}
		if isPlainASCII(s) && len(s) <= 64 {
			if fast, ok := asciiName(s); ok && fast != nameGeneral(s) {
				t.Errorf("the ASCII name fast path gives %q for %q, the general path %q", fast, s, nameGeneral(s))
			}
		}
		n := Name(s)
		if again := Name(n); again != n {
			t.Errorf("Name is not idempotent: Name(%q) = %q, Name(%q) = %q", s, n, n, again)
		}
		for _, r := range n {
			if !unicode.IsLetter(r) || unicode.ToUpper(r) != r {
				t.Errorf("Name(%q) = %q holds %q, not an upper-case letter", s, n, r)
			}
		}
	})
}

func FuzzPostcode(f *testing.F) {
	for _, s := range []string{"cm11aa", "EC1A 1BB", "GIR0AA", "CM1 OAA", "w1a0ax", " ec1a\t1bb "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Postcode(s)
		if err != nil {
			return
		}
		if again, err := Postcode(p); err != nil || again != p {
			t.Errorf("Postcode(%q) = %q, but Postcode(%q) = %q, %v", s, p, p, again, err)
		}
	})
}

func FuzzNHSNumber(f *testing.F) {
	for _, s := range []string{"9434765919", "943 476 5919", "0000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NHSNumber(s)
		if err != nil {
			return
		}
		if len(n) != 10 {
			t.Errorf("NHSNumber(%q) = %q, not 10 digits", s, n)
		}
		if c, ok := NHSCheckDigit(n[:9]); !ok || c != n[9] {
			t.Errorf("NHSNumber(%q) = %q accepted a wrong check digit", s, n)
		}
	})
}

func FuzzDate(f *testing.F) {
	for _, s := range []string{"1984-03-12", "12/3/1984", "12 Sept 1984", "29/02/1999"} {
		f.Add(s)
	}
	p, _ := NewDateParser(nil, "", "")
	iso, _ := NewDateParser([]string{"YYYY-MM-DD"}, "", "")
	f.Fuzz(func(t *testing.T, s string) {
		d, err := p.Parse(s)
		if err != nil {
			return
		}
		if again, err := iso.Parse(d); err != nil || again != d {
			t.Errorf("Parse(%q) = %q, which does not read back as ISO (%q, %v)", s, d, again, err)
		}
	})
}

func FuzzSex(f *testing.F) {
	for _, s := range []string{"M", "female", " 2 ", "Not  Known", "q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Sex(s, nil)
		if err != nil {
			return
		}
		if v != Male && v != Female && v != Indeterminate && v != Unknown {
			t.Errorf("Sex(%q) = %q, not M, F, X or missing", s, v)
		}
		if again, err := Sex(v, nil); err != nil || again != v {
			t.Errorf("Sex(%q) = %q, but Sex(%q) = %q, %v", s, v, v, again, err)
		}
	})
}
