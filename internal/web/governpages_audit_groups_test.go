package web

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
)

func TestGroupUses(t *testing.T) {
	day1 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	day2 := day1.AddDate(0, 0, 1)
	n := func(v int64) *int64 { return &v }
	use := func(i uint64, at time.Time, user, purpose, action, outcome string, rows *int64) Use {
		return Use{Index: i, Time: at, User: user, Partner: "county", Purpose: purpose, Action: action, Outcome: outcome, Datasets: []string{"police-data@1"}, Rows: rows}
	}
	tests := []struct {
		name string
		uses []Use
		want []string // user|purpose|day|count|refused|actions|rows
	}{
		{"none", nil, nil},
		{"one user, one purpose, one day", []Use{
			use(3, day1.Add(3*time.Hour), "ann", "vv", "query", audit.Allowed, n(10)),
			use(2, day1.Add(2*time.Hour), "ann", "vv", "query", audit.Allowed, n(5)),
			use(1, day1.Add(time.Hour), "ann", "vv", "export", audit.Denied, nil),
		}, []string{"ann|vv|2026-03-02|3|1|query ×2, export|15"}},
		{"split by day, purpose and user, newest first", []Use{
			use(5, day2, "ann", "vv", "query", audit.Allowed, nil),
			use(4, day1.Add(5*time.Hour), "bob", "vv", "query", audit.Allowed, nil),
			use(3, day1.Add(4*time.Hour), "ann", "hl", "query", audit.Allowed, nil),
			use(2, day1.Add(3*time.Hour), "ann", "vv", "query", audit.Allowed, n(1)),
			use(1, day1.Add(2*time.Hour), "bob", "vv", "query", audit.Error, nil),
		}, []string{"ann|vv|2026-03-03|1|0|query|-", "bob|vv|2026-03-02|2|1|query ×2|-", "ann|hl|2026-03-02|1|0|query|-", "ann|vv|2026-03-02|1|0|query|1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			total := 0
			for _, g := range groupUses(tt.uses) {
				rows := "-"
				if g.Rows != nil {
					rows = fmt.Sprint(*g.Rows)
				}
				got = append(got, fmt.Sprintf("%s|%s|%s|%d|%d|%s|%s", g.User, g.Purpose, g.Day.Format(time.DateOnly), g.Count, g.Refused, g.Actions, rows))
				total += len(g.Uses)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || total != len(tt.uses) {
				t.Errorf("groups = %q holding %d uses,\nwant %q holding %d", got, total, tt.want, len(tt.uses))
			}
		})
	}
}

// TestAuditPageGroups: 60 uses of police data by one analyst for one
// purpose in a day are one row of "who used my data" with a count and
// every use in its list, under the log's verification, not above it.
func TestAuditPageGroups(t *testing.T) {
	g := newGovernFixture(t)
	for range 60 {
		e := audit.Event{User: "ann", Partner: "county", Purpose: "violence-and-vulnerability", Action: "query", Outcome: audit.Allowed,
			Datasets: []audit.Dataset{{ID: "police-data@1", Owner: "police"}}}
		if _, err := g.log.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	status, body := g.as(t, ownerID).get("/audit?dataset=police-data")
	if status != 200 {
		t.Fatalf("the audit page: %d", status)
	}
	if rows := strings.Count(body, `<tr class="use-group"`); rows != 1 || !strings.Contains(body, `data-uses="60"`) || strings.Count(body, `<li data-index=`) != 60 {
		t.Errorf("%d group rows (60 uses in one: %v), %d uses listed; want one row of 60 listing each", rows, strings.Contains(body, `data-uses="60"`), strings.Count(body, `<li data-index=`))
	}
	if v, u := strings.Index(body, `id="verification"`), strings.Index(body, `id="uses"`); v < 0 || u < 0 || v > u {
		t.Errorf("the verification is at %d and the uses at %d: the answer to 'is the log intact?' should come first", v, u)
	}
	if !strings.Contains(body, `role="region" tabindex="0" aria-labelledby="uses-caption"`) {
		t.Error("the uses table does not scroll inside a labelled, focusable region")
	}
}
