package web

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

// A domain error names its field; the web says it as the API parameter (and
// in the error's "field") or as the form's label, and leaves out fields it
// has no input for.
func TestErrorsNameTheWebField(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name      string
		err       error
		api       bool
		want      string
		wantField string
	}{
		{"API parameter", fault.FieldErrorf(fault.Invalid, "period", "ask for the period year"), true, `ask for the period year (the "period" parameter)`, "period"},
		{"page label", fault.FieldErrorf(fault.Invalid, "datasets", "choose at least one dataset"), false, "choose at least one dataset (the Datasets field)", ""},
		{"CLI-only field on the API", fault.FieldErrorf(fault.Invalid, "rejects", "fix the file"), true, "fix the file", ""},
		{"CLI-only field on a page", fault.FieldErrorf(fault.Invalid, "delimiter", "say which delimiter"), false, "say which delimiter", ""},
		{"no field", fault.Errorf(fault.Invalid, "plain"), true, "plain", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			f.srv.finish(rec, httptest.NewRequest("GET", "/x", nil), route{api: tt.api}, tt.err)
			if rec.Code != 400 {
				t.Fatalf("status = %d, want 400", rec.Code)
			}
			body := rec.Body.String()
			if !tt.api {
				if !strings.Contains(body, tt.want) || strings.Contains(body, "--") {
					t.Errorf("page does not say %q (or names a flag):\n%s", tt.want, body)
				}
				return
			}
			var b errorBody
			if err := json.Unmarshal([]byte(body), &b); err != nil {
				t.Fatal(err)
			}
			if b.Error.Message != tt.want || b.Error.Field != tt.wantField {
				t.Errorf("error = %+v, want message %q, field %q", b.Error, tt.want, tt.wantField)
			}
		})
	}
}
