package expr

import (
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a = 1", "a = 1"},
		{"a == 'x'", "a = 'x'"},
		{"a <> 'x'", "a != 'x'"},
		{"a = 1 AND b = 2 OR c = 3", "((a = 1 AND b = 2) OR c = 3)"},
		{"a = 1 AND (b = 2 OR c = 3)", "(a = 1 AND (b = 2 OR c = 3))"},
		{"NOT a = 1 and b is null", "(NOT a = 1 AND b IS NULL)"},
		{"a not in ('x', \"y\")", "a NOT IN ('x', 'y')"},
		{"a in ( 1 , -2.5 )", "a IN (1, -2.5)"},
		{"a = 'it''s'", "a = 'it''s'"},
		{"a IS NOT NULL", "a IS NOT NULL"},
		{"flag = TRUE", "flag = true"},
		{"a>=-1", "a >= -1"},
	}
	for _, tt := range tests {
		n, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := n.String(); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
		}
		// The canonical form parses back to itself.
		again, err := Parse(n.String())
		if err != nil || again.String() != n.String() {
			t.Errorf("round trip of %q: %v, %v", n.String(), again, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"a =", "character 4: expected a value"},
		{"a = 'x", "character 5: a string opened here is never closed"},
		{"(a = 1", "expected ')' to close the '(' at character 1"},
		{"a = 1 b = 2", "character 7: unexpected 'b': expected AND, OR or the end"},
		{"a = x", "quote text values"},
		{"a ! 1", "use != or NOT"},
		{"a IN 1", "expected '(' to start the IN list"},
		{"a IS 1", "expected NULL after IS"},
		{"AND = 1", "found the keyword AND"},
		{"a = 1; DROP TABLE x", "unexpected character ';'"},
		{strings.Repeat("(", 100) + "a = 1" + strings.Repeat(")", 100), "nested more than"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) succeeded, want error containing %q", tt.in, tt.want)
			continue
		}
		if fault.Code(err) != fault.Invalid || !strings.Contains(fault.Message(err), tt.want) {
			t.Errorf("Parse(%q) error = %q (%s), want it to contain %q", tt.in, fault.Message(err), fault.Code(err), tt.want)
		}
	}
}

var schema = &catalog.Schema{Columns: []catalog.Column{
	{Name: "incident_id", Type: catalog.TypeString, Role: catalog.RoleRecordID},
	{Name: "occurred_on", Type: catalog.TypeDate, Role: catalog.RoleEventDate},
	{Name: "crime_type", Type: catalog.TypeCategory, Codes: []catalog.Code{{Value: "violence"}, {Value: "theft"}}},
	{Name: "age", Type: catalog.TypeInteger},
	{Name: "cost", Type: catalog.TypeDecimal},
	{Name: "domestic_abuse", Type: catalog.TypeBoolean},
	{Name: "district", Type: catalog.TypeDistrict},
	{Name: "person_token", Type: catalog.TypeToken, Role: catalog.RoleIdentifier},
	{Name: "notes", Type: catalog.TypeString},
	{Name: "postcode", Type: catalog.TypePostcode, Role: catalog.RoleGeography},
	{Name: "case_number", Type: catalog.TypeInteger, Unique: true},
}}

func TestCheck(t *testing.T) {
	n, err := ParseChecked("AGE >= 10 AND Occurred_On < '2024-02-01' AND crime_type IN ('theft') AND domestic_abuse = true AND cost > 1.5 AND district = 'e07000070'", schema)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(Columns(n), ","); got != "age,occurred_on,crime_type,domestic_abuse,cost,district" {
		t.Errorf("columns = %s, want schema spellings in first-use order", got)
	}
	and := n.(*And)
	if v := and.Right.(*Compare).Value.Value; v != "E07000070" {
		t.Errorf("district literal = %v, want upper-cased code", v)
	}
	var first *Compare
	for x := Node(n); ; {
		a, ok := x.(*And)
		if !ok {
			first = x.(*Compare)
			break
		}
		x = a.Left
	}
	if first.Value.Value != int64(10) {
		t.Errorf("age literal = %#v, want int64 10", first.Value.Value)
	}
	n2, _ := ParseChecked("occurred_on = '2024-02-29'", schema)
	if v := n2.(*Compare).Value.Value.(time.Time); !v.Equal(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date literal = %v", v)
	}
}

func TestCheckErrors(t *testing.T) {
	tests := []struct {
		in, want string
		code     string
	}{
		{"nope = 1", "no column \"nope\"", fault.Invalid},
		{"age = 'ten'", "expected a whole number", fault.Invalid},
		{"age = 1.5", "expected a whole number", fault.Invalid},
		{"crime_type = 'arson'", "expected one of its codes", fault.Invalid},
		{"crime_type < 'theft'", "use = or !=", fault.Invalid},
		{"occurred_on > '31/01/2024'", "a date such as", fault.Invalid},
		{"domestic_abuse = 1", "true or false", fault.Invalid},
		{"person_token = 'abcdef0123456789'", "person_token is a pseudonymous identifier: " + RuleSinglesOut, fault.Forbidden},
		{"incident_id = 'X' AND crime_type = 'theft'", "incident_id is the record id: " + RuleSinglesOut, fault.Forbidden},
		{"NOT (notes = 'seen near the park')", "notes is free text: " + RuleSinglesOut, fault.Forbidden},
		{"postcode IS NULL", "postcode is a full postcode", fault.Forbidden},
		{"case_number IN (1, 2)", "case_number is a unique column", fault.Forbidden},
	}
	for _, tt := range tests {
		_, err := ParseChecked(tt.in, schema)
		if err == nil || !strings.Contains(fault.Message(err), tt.want) || fault.Code(err) != tt.code {
			t.Errorf("ParseChecked(%q) = %v (%s), want %s error containing %q", tt.in, err, fault.Code(err), tt.code, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"a = 1", "a IN ('x', 'y') AND NOT (b IS NULL OR c >= -2.5)", "((", "'", "a = 'it''s'"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err != nil {
			if fault.Code(err) != fault.Invalid {
				t.Errorf("Parse(%q) error code %s, want invalid", s, fault.Code(err))
			}
			return
		}
		again, err := Parse(n.String())
		if err != nil || again.String() != n.String() {
			t.Errorf("canonical form of %q does not round-trip: %q -> %v, %v", s, n.String(), again, err)
		}
	})
}
