package govern

import (
	"slices"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

func TestParseOptOutIDs(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
		code     string
	}{
		{"header and repeats", "record_id\nr1\nr2\n r1 \n\nr3\n", []string{"r1", "r2", "r3"}, ""},
		{"no header, extra columns", "r1,2026-01-01\nr2,x\n", []string{"r1", "r2"}, ""},
		{"BOM and CRLF", "\ufeffid\r\nA-1\r\nA-2\r\n", []string{"A-1", "A-2"}, ""},
		{"header only", "record_id\n", nil, fault.Invalid},
		{"empty", "", nil, fault.Invalid},
		{"control character", "r1\n\"r\x012\"\n", nil, fault.Invalid},
		{"too long", strings.Repeat("x", 300) + "\n", nil, fault.Invalid},
		{"bad quoting", "\"r1\n", nil, fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOptOutIDs(strings.NewReader(tt.in))
			if fault.Code(err) != tt.code || !slices.Equal(got, tt.want) {
				t.Errorf("got %q, %v; want %q (code %q)", got, err, tt.want, tt.code)
			}
		})
	}
}

func FuzzParseOptOutIDs(f *testing.F) {
	f.Add("record_id\nr1\nr2\n")
	f.Add("a,b\n\"c\"\n")
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := ParseOptOutIDs(strings.NewReader(s))
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if id == "" || id != strings.TrimSpace(id) || seen[id] || len(id) > maxRecordID {
				t.Fatalf("bad id %q from %q", id, s)
			}
			seen[id] = true
		}
	})
}

func TestOptOutsValidate(t *testing.T) {
	reg := NewRegister()
	ok := OptOuts{Dataset: "d", Purposes: []string{"road-safety", AllPurposes}, Records: []string{"r"}}
	if err := ok.Validate(reg); err != nil {
		t.Fatal(err)
	}
	for _, o := range []OptOuts{
		{Purposes: []string{"road-safety"}, Records: []string{"r"}},
		{Dataset: "d", Records: []string{"r"}},
		{Dataset: "d", Purposes: []string{"gossip"}, Records: []string{"r"}},
		{Dataset: "d", Purposes: []string{"road-safety"}},
	} {
		if err := o.Validate(reg); fault.Code(err) != fault.Invalid {
			t.Errorf("%+v: got %v, want invalid", o, err)
		}
	}
}
