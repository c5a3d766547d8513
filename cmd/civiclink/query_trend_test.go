package main

import (
	"encoding/csv"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestQueryTrend runs `query trend` on a small demo store: DfT's KSI by
// year from the STATS19 files, a synthetic indicator by district and
// quarter with [c] cells, the trend tests, and refusals with the reason.
func TestQueryTrend(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "demo.duckdb")
	if out, errs, code := run(t, data, "demo", "--no-serve", "--people", "1000", "--work", filepath.Join(dir, "county")); code != 0 {
		t.Fatalf("demo exit %d: %s\n%s", code, errs, out)
	}
	out, errs, code := run(t, data, "--user", "police.analyst", "query", "trend", "road-ksi-dft")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"period", "count"}, {"2015", "778"}, {"2016", "1025"}, {"2017", "927"}, {"2018", "931"}}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d:\n%s", len(rows), len(want), out)
	}
	for i, w := range want {
		n, _ := strconv.Atoi(rows[i][1])
		truth, _ := strconv.Atoi(w[1])
		if rows[i][0] != w[0] || (i == 0 && rows[i][1] != w[1]) || (i > 0 && (n < truth-3 || n > truth+3)) {
			t.Errorf("row %d = %v, want %v… (counts perturbed by at most 3)", i, rows[i], w)
		}
	}
	if rows[1][len(rows[1])-3] != "perturbation+suppression" {
		t.Errorf("row 1 = %v, want it to say how it was protected", rows[1])
	}
	tests := []struct {
		name string
		args []string
		code int
		has  []string
	}{
		{"by district and quarter", []string{"road-ksi", "--by", "district", "--period", "quarter"}, 0, []string{"district,period,count,rate_per_1000,lower_95,upper_95,vs_county,protection,threshold,reference_period\n", "Total,2019-Q1,", ",[c],[c],[c],[c],[c],perturbation+suppression,"}},
		{"summary", []string{"avoidable-ae-attendances", "--summary"}, 0, []string{"district,name,periods_tested,ratio_per_year", "Total,Essex (14 districts),"}},
		{"json", []string{"homelessness-presentations", "--period", "year", "--format", "json"}, 0, []string{`"verdict"`, `"unit": "per 1,000 residents per year"`}},
		{"by ward", []string{"road-ksi", "--by", "ward"}, 1, []string{"only district"}},
		{"unknown indicator", []string{"nope"}, 1, []string{"no indicator"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := run(t, data, append([]string{"--user", "police.analyst", "query", "trend"}, tt.args...)...)
			if (tt.code == 0) != (code == 0) {
				t.Fatalf("exit %d, want %s: %s", code, map[bool]string{true: "success", false: "failure"}[tt.code == 0], errs)
			}
			for _, h := range tt.has {
				if !strings.Contains(out+errs, h) {
					t.Errorf("output lacks %q:\n%.1500s%s", h, out, errs)
				}
			}
		})
	}
	if _, errs, code := run(t, data, "--user", "county.auditor", "query", "trend", "road-ksi"); code == 0 || !strings.Contains(errs, "analyst") {
		t.Errorf("auditor: exit %d, %q; want refused, naming the role needed", code, errs)
	}
}
