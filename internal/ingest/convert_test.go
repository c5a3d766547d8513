package ingest

import (
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
)

func TestNormalisePostcode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"CM1 1AA", "CM1 1AA", true},
		{"cm11aa", "CM1 1AA", true},
		{" co4  3sq ", "CO4 3SQ", true},
		{"SS0 7AB", "SS0 7AB", true},
		{"EC1A 1BB", "EC1A 1BB", true},
		{"W1A 0AX", "W1A 0AX", true},
		{"RM15 4XX", "RM15 4XX", true},
		{"1CM 1AA", "", false},
		{"CM1 AAA", "", false},
		{"CM1-1AA", "", false},
		{"CM", "", false},
		{"CM123 1AA", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalisePostcode(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalisePostcode(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestConverters(t *testing.T) {
	date := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		col  catalog.Column
		in   string
		want any // nil means an error is wanted
	}{
		{catalog.Column{Type: catalog.TypeInteger}, " 42 ", int64(42)},
		{catalog.Column{Type: catalog.TypeInteger}, "4.2", nil},
		{catalog.Column{Type: catalog.TypeDecimal}, "-0.5", -0.5},
		{catalog.Column{Type: catalog.TypeDecimal}, "NaN", nil},
		{catalog.Column{Type: catalog.TypeDecimal}, "Inf", nil},
		{catalog.Column{Type: catalog.TypeBoolean}, "Yes", true},
		{catalog.Column{Type: catalog.TypeBoolean}, "0", false},
		{catalog.Column{Type: catalog.TypeBoolean}, "maybe", nil},
		{catalog.Column{Type: catalog.TypeDate}, "2024-02-29", date},
		{catalog.Column{Type: catalog.TypeDate}, "2023-02-29", nil},
		{catalog.Column{Type: catalog.TypeDate, Format: "02/01/2006"}, "29/02/2024", date},
		{catalog.Column{Type: catalog.TypeDatetime}, "2024-02-29T00:00:00Z", date},
		{catalog.Column{Type: catalog.TypeDatetime}, "2024-02-29 00:00:00", date},
		{catalog.Column{Type: catalog.TypeCategory, Codes: []catalog.Code{{Value: "a"}}}, "a", "a"},
		{catalog.Column{Type: catalog.TypeCategory, Codes: []catalog.Code{{Value: "a"}}}, "A", nil},
		{catalog.Column{Type: catalog.TypeLSOA}, "e01021203", "E01021203"},
		{catalog.Column{Type: catalog.TypeLSOA}, "E02000001", nil},
		{catalog.Column{Type: catalog.TypeDistrict}, "E07000070", "E07000070"},
		{catalog.Column{Type: catalog.TypeDistrict}, "E01021203", nil},
		{catalog.Column{Type: catalog.TypeToken}, "0123456789abcdef0123", "0123456789abcdef0123"},
		{catalog.Column{Type: catalog.TypeToken}, "short", nil},
		{catalog.Column{Type: catalog.TypeToken}, "has a space in it ok?", nil},
		{catalog.Column{Type: catalog.TypeEncoding}, "AAECAw==", "AAECAw=="},
		{catalog.Column{Type: catalog.TypeEncoding}, "not base64!", nil},
	}
	for _, tt := range tests {
		got, err := converterFor(&tt.col)(tt.in)
		if tt.want == nil {
			if err == nil {
				t.Errorf("%s(%q) = %v, want an error", tt.col.Type, tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s(%q): %v", tt.col.Type, tt.in, err)
			continue
		}
		if wt, ok := tt.want.(time.Time); ok {
			if !got.(time.Time).Equal(wt) {
				t.Errorf("%s(%q) = %v, want %v", tt.col.Type, tt.in, got, wt)
			}
		} else if got != tt.want {
			t.Errorf("%s(%q) = %v, want %v", tt.col.Type, tt.in, got, tt.want)
		}
	}
}

func FuzzNormalisePostcode(f *testing.F) {
	for _, s := range []string{"CM1 1AA", "cm11aa", "EC1A 1BB", "", "ÉC1 1AA", "A1 1AA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := NormalisePostcode(s)
		if !ok {
			return
		}
		again, ok2 := NormalisePostcode(p)
		if !ok2 || again != p {
			t.Errorf("not idempotent: %q -> %q -> %q, %v", s, p, again, ok2)
		}
		if len(p) < 6 || len(p) > 8 || p[len(p)-4] != ' ' {
			t.Errorf("%q normalised to malformed %q", s, p)
		}
	})
}
