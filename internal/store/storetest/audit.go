package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
)

func auditLog(t *testing.T, log AuditLog) {
	ctx := context.Background()
	const n = 12
	for i := range n {
		e := audit.Event{User: fmt.Sprintf("user%d", i%3), Action: "insight.aggregate", Outcome: audit.Allowed, Purpose: "violence-and-vulnerability"}
		if i%2 == 0 {
			e.Datasets = []audit.Dataset{{ID: "incidents@1", Owner: "police"}}
		}
		got, err := log.Append(ctx, e)
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		if got.Index != uint64(i) || len(got.LeafHash) == 0 || got.Event.Time.IsZero() {
			t.Errorf("entry %d = index %d, hash %x, time %v; want the next index, a hash and a time", i, got.Index, got.LeafHash, got.Event.Time)
		}
	}
	if _, err := log.Append(ctx, audit.Event{User: "x"}); err == nil {
		t.Error("an event without an action or outcome was appended")
	}
	tests := []struct {
		name string
		f    audit.Filter
		want []uint64
	}{
		{"by user", audit.Filter{User: "user1"}, []uint64{1, 4, 7, 10}},
		{"uses of a partner's data", audit.Filter{Owner: "police", User: "user0"}, []uint64{0, 6}},
		{"newest first, limited", audit.Filter{Newest: true, Limit: 3}, []uint64{11, 10, 9}},
		{"from an index", audit.Filter{From: 9, WithData: true}, []uint64{10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, err := log.Entries(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, e := range es {
				got = append(got, e.Index)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("entries %v, want %v", got, tt.want)
			}
		})
	}
	t.Run("who used my data, page by page", func(t *testing.T) { usesPages(t, log) })
	rep, err := log.Verify(ctx, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil || rep.Size != n || rep.Heads == 0 {
		t.Errorf("verify: size %d, %d heads, problem %v; want %d entries intact", rep.Size, rep.Heads, rep.Problem, n)
	}
}

// usesPages pages through the police's uses of the log auditLog wrote
// (its even entries) four at a time with audit.Uses: newest first, each
// page's cursors leading to the pages around it.
func usesPages(t *testing.T, log AuditLog) {
	ctx := context.Background()
	after := func(n uint64) *uint64 { return &n }
	tests := []struct {
		name string
		page audit.Page
		want []uint64
		next uint64  // 0: no older page
		prev *uint64 // nil: the newest page
	}{
		{"the newest", audit.Page{}, []uint64{10, 8, 6, 4}, 4, nil},
		{"older", audit.Page{Before: 4}, []uint64{2, 0}, 0, after(2)},
		{"newer again", audit.Page{After: after(2)}, []uint64{10, 8, 6, 4}, 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := audit.Uses(ctx, log, audit.UsesQuery{Owner: "police", Page: tt.page, Size: 4})
			if err != nil {
				t.Fatal(err)
			}
			var got []uint64
			for _, u := range p.Uses {
				if len(u.Datasets) != 1 || u.Datasets[0] != "incidents@1" {
					t.Errorf("use %d of datasets %v, want the police's incidents@1", u.Index, u.Datasets)
				}
				got = append(got, u.Index)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || p.Next != tt.next || (p.Prev == nil) != (tt.prev == nil) || (p.Prev != nil && *p.Prev != *tt.prev) {
				t.Errorf("uses %v, next %d, prev %v; want %v, %d, %v", got, p.Next, p.Prev, tt.want, tt.next, tt.prev)
			}
		})
	}
}
