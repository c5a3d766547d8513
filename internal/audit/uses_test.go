package audit

import (
	"encoding/json"
	"testing"
)

func TestUseOf(t *testing.T) {
	e := Entry{Index: 7, Event: Event{User: "ana", Action: "access", Target: "insight.aggregate", Outcome: Allowed,
		Datasets: []Dataset{{ID: "incidents@2", Owner: "police"}, {ID: "cases@1", Owner: "council"}},
		Details:  json.RawMessage(`{"cells": 14}`)}}
	tests := []struct {
		owner string
		ok    bool
		want  []string
	}{
		{"police", true, []string{"incidents@2"}},
		{"council", true, []string{"cases@1"}},
		{"", true, []string{"incidents@2", "cases@1"}},
		{"fire", false, []string{}},
	}
	for _, tt := range tests {
		use, ok := UseOf(e, tt.owner)
		if ok != tt.ok || len(use.Datasets) != len(tt.want) {
			t.Errorf("UseOf(owner %q) = %v, %v; want %v, %v", tt.owner, use.Datasets, ok, tt.want, tt.ok)
			continue
		}
		for i := range tt.want {
			if use.Datasets[i] != tt.want[i] {
				t.Errorf("UseOf(owner %q) datasets = %v, want %v", tt.owner, use.Datasets, tt.want)
			}
		}
		if ok && (use.Cells == nil || *use.Cells != 14 || use.Rows != nil || use.Operation != "insight.aggregate" || use.Index != 7) {
			t.Errorf("UseOf(owner %q) = %+v, want 14 cells, no rows, the operation and index", tt.owner, use)
		}
	}
}
