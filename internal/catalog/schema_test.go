package catalog

import (
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

func TestParseSchema(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"minimal", `{"columns": [{"name": "id", "type": "string", "role": "record-id"}]}`, ""},
		{"codes as strings and objects", `{"columns": [{"name": "k", "type": "category", "codes": ["a", {"value": "b", "label": "B"}]}]}`, ""},
		{"no columns", `{"columns": []}`, "declares no columns"},
		{"unknown field", `{"columns": [{"name": "a", "type": "string", "colour": "red"}]}`, "unknown field"},
		{"bad name", `{"columns": [{"name": "1st", "type": "string"}]}`, "name must start with a letter"},
		{"unknown type", `{"columns": [{"name": "a", "type": "text"}]}`, `unknown type "text"`},
		{"unknown role", `{"columns": [{"name": "a", "type": "string", "role": "key"}]}`, `unknown role "key"`},
		{"category without codes", `{"columns": [{"name": "a", "type": "category"}]}`, "needs a code list"},
		{"codes on a string", `{"columns": [{"name": "a", "type": "string", "codes": ["x"]}]}`, "only category columns"},
		{"format on an integer", `{"columns": [{"name": "a", "type": "integer", "format": "x"}]}`, "only date and datetime"},
		{"a yearly census day", `{"columns": [{"name": "census", "type": "date", "role": "event-date", "yearly": true}]}`, ""},
		{"yearly on an attribute", `{"columns": [{"name": "born", "type": "date", "yearly": true}]}`, "only the event-date column can be yearly"},
		{"duplicate column", `{"columns": [{"name": "a", "type": "string"}, {"name": "A", "type": "integer"}]}`, "declared twice"},
		{"two record ids", `{"columns": [{"name": "a", "type": "string", "role": "record-id"}, {"name": "b", "type": "string", "role": "record-id"}]}`, "2 record-id columns"},
		{"raw identifier", `{"columns": [{"name": "surname", "type": "string", "role": "identifier"}]}`, "pseudonymise them first"},
		{"not JSON", `{"columns": [`, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSchema(strings.NewReader(tt.json))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseSchema: %v", err)
				}
				if len(s.Columns) == 0 || s.Columns[0].Role == "" {
					t.Errorf("schema = %+v, want columns with roles filled in", s)
				}
				return
			}
			if err == nil || fault.Code(err) != fault.Invalid || !strings.Contains(fault.Message(err), tt.wantErr) {
				t.Errorf("error = %v, want invalid containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRecordIDIsRequiredAndUnique(t *testing.T) {
	s, err := ParseSchema(strings.NewReader(`{"columns": [{"name": "id", "type": "string", "role": "record-id"}, {"name": "k", "type": "category", "codes": ["a"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	id, ok := s.RecordID()
	if !ok || !id.Required || !id.Unique {
		t.Errorf("record id = %+v, want required and unique", id)
	}
	if c, ok := s.Column("K"); !ok || !c.HasCode("a") || c.HasCode("b") {
		t.Errorf("Column(K) = %+v, %v", c, ok)
	}
}

func TestValidateID(t *testing.T) {
	for _, ok := range []string{"police", "nhs-ae", "a_1"} {
		if err := ValidateID("partner", ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "Police", "1abc", "has space", strings.Repeat("a", 64)} {
		if err := ValidateID("partner", bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseSchema(f *testing.F) {
	f.Add(`{"columns": [{"name": "id", "type": "string", "role": "record-id"}]}`)
	f.Add(`{"columns": [{"name": "k", "type": "category", "codes": ["a", {"value": "b"}]}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := ParseSchema(strings.NewReader(s))
		if err != nil {
			if fault.Code(err) != fault.Invalid {
				t.Fatalf("error code %s for %q", fault.Code(err), s)
			}
			return
		}
		if err := sc.Validate(); err != nil {
			t.Fatalf("a parsed schema does not validate again: %v", err)
		}
	})
}
