package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/store"
)

// TestReleasesSurviveRestart runs the differencing attack across a restart:
// the first table is released by one process, the store is closed, and a
// second process asks for the same table less one person.
func TestReleasesSurviveRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.duckdb")
	table := func(ids []string) *disclose.Table {
		tb := disclose.NewTable("count", disclose.Dim{Name: "district", Levels: []string{"A", "B"}})
		tb.Set(disclose.Cell{Count: int64(len(ids)), IDs: ids}, "A")
		var b []string
		for i := range 40 {
			b = append(b, "b"+string(rune('a'+i%26))+string(rune('a'+i/26)))
		}
		tb.Set(disclose.Cell{Count: 40, IDs: b}, "B")
		return tb
	}
	var ids []string
	for i := range 30 {
		ids = append(ids, "a"+string(rune('a'+i)))
	}
	persistent := true
	release := func(ids []string) disclose.OutCell {
		st, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		a, err := st.Auditor(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !persistent {
			a = disclose.NewAuditor()
		}
		res, err := disclose.Apply(ctx, table(ids), disclose.Policy{}, disclose.Options{Dataset: "d", Auditor: a})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := res.Cell("A")
		return c
	}
	first := release(ids)
	second := release(ids[1:])
	if first.Status != disclose.Shown {
		t.Fatalf("the first release was withheld: %+v", first)
	}
	if second.Status == disclose.Shown && first.Count-second.Count == 1 {
		t.Fatalf("after a restart, %d then %d isolates one person", first.Count, second.Count)
	}
	// The control: auditors that forget at exit let the attack through.
	persistent, path = false, filepath.Join(t.TempDir(), "control.duckdb")
	first, second = release(ids), release(ids[1:])
	if second.Status != disclose.Shown || first.Count-second.Count != 1 {
		t.Errorf("control: %d (%s) then %d (%s); forgetful auditors should let it through", first.Count, first.Status, second.Count, second.Status)
	}
}
