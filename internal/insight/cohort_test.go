package insight

import (
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

func TestParseCohort(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"sequence", `{"name": "da-ae-90", "title": "t", "events": {"da": {"dataset": "incidents", "where": "domestic_abuse = true"}, "ae": {"dataset": "ae"}}, "rule": {"sequence": ["da", "ae"], "within_days": 90}}`, ""},
		{"at least", `{"name": "multi", "title": "t", "events": {"a": {"dataset": "x"}, "b": {"dataset": "y"}, "c": {"dataset": "z"}}, "rule": {"at_least": 2, "of": ["a", "b", "c"]}}`, ""},
		{"two rules", `{"name": "x", "events": {"a": {"dataset": "x"}}, "rule": {"all": ["a"], "at_least": 1, "of": ["a"]}}`, "exactly one rule"},
		{"no rule", `{"name": "x", "events": {"a": {"dataset": "x"}}, "rule": {}}`, "exactly one rule"},
		{"undeclared event", `{"name": "x", "events": {"a": {"dataset": "x"}}, "rule": {"sequence": ["a", "b"]}}`, `event "b"`},
		{"impossible count", `{"name": "x", "events": {"a": {"dataset": "x"}}, "rule": {"at_least": 2, "of": ["a"]}}`, "can never hold"},
		{"sequence of three", `{"name": "x", "events": {"a": {"dataset": "x"}, "b": {"dataset": "x"}, "c": {"dataset": "x"}}, "rule": {"sequence": ["a", "b", "c"]}}`, "exactly two"},
		{"window on three", `{"name": "x", "events": {"a": {"dataset": "x"}, "b": {"dataset": "x"}, "c": {"dataset": "x"}}, "rule": {"all": ["a", "b", "c"], "within_days": 3}}`, "exactly two"},
		{"unknown field", `{"name": "x", "evnts": {}}`, "unknown field"},
		{"bad name", `{"name": "X Y", "events": {"a": {"dataset": "x"}}, "rule": {"all": ["a"]}}`, "cohort name"},
		{"no dataset", `{"name": "x", "events": {"a": {}}, "rule": {"all": ["a"]}}`, "names no dataset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCohort(strings.NewReader(tt.json))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseCohort: %v", err)
				}
				if len(c.EventNames()) == 0 {
					t.Error("no events")
				}
				return
			}
			if err == nil || fault.Code(err) != fault.Invalid || !strings.Contains(fault.Message(err), tt.wantErr) {
				t.Errorf("error = %v, want invalid containing %q", err, tt.wantErr)
			}
		})
	}
}
