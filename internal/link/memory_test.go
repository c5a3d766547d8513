package link_test

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/link"
)

// TestMemoryBudgetSpills links the same records with the default budget
// (nothing spills) and with a budget just above the refused minimum
// (blocking's sort and most candidate pairs go to disk), and wants the
// same candidates, weights, blocking report and clusters.
func TestMemoryBudgetSpills(t *testing.T) {
	ds, truth := synthPeople(10000, 11)
	cfg := countyConfig()
	opt := link.Options{Workers: 2, TempDir: t.TempDir(), Truth: func(_ string, r *link.Record) string { return truth[r.ID] }}
	free, err := link.Link(context.Background(), []link.Dataset{ds}, cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	if free.Blocking.SpilledRuns != 0 || free.Blocking.SpilledPairs != 0 {
		t.Fatalf("the default budget spilled %d runs, %d pairs", free.Blocking.SpilledRuns, free.Blocking.SpilledPairs)
	}
	runtime.GC()
	opt.Memory = 1
	_, err = link.Link(context.Background(), []link.Dataset{ds}, cfg, opt)
	var me *link.MemoryError
	if !errors.As(err, &me) || me.Minimum <= 1 {
		t.Fatalf("a 1-byte budget gave %v, want a MemoryError with the minimum", err)
	}
	runtime.GC()
	opt.Memory = me.Minimum + 256<<10
	tight, err := link.Link(context.Background(), []link.Dataset{ds}, cfg, opt)
	if err != nil {
		t.Fatalf("budget of the minimum + 256 KiB: %v", err)
	}
	t.Logf("minimum %s; tight budget spilled %d sorted runs and %d of %d pairs", link.FormatBytes(me.Minimum), tight.Blocking.SpilledRuns, tight.Blocking.SpilledPairs, tight.Pairs.Len())
	if tight.Blocking.SpilledRuns == 0 || tight.Blocking.SpilledPairs == 0 {
		t.Errorf("the tight budget spilled %d runs and %d pairs: want both to spill", tight.Blocking.SpilledRuns, tight.Blocking.SpilledPairs)
	}
	if !reflect.DeepEqual(free.Pairs, tight.Pairs) || !reflect.DeepEqual(free.Weights, tight.Weights) {
		t.Errorf("spilling changed the candidates: %d pairs against %d (or their weights)", tight.Pairs.Len(), free.Pairs.Len())
	}
	tb := tight.Blocking
	tb.SpilledRuns, tb.SpilledPairs = 0, 0
	if !reflect.DeepEqual(free.Blocking, tb) {
		t.Errorf("spilling changed the blocking report:\n free  %+v\n tight %+v", free.Blocking, tb)
	}
	if !reflect.DeepEqual(clustersOf(free), clustersOf(tight)) {
		t.Error("spilling changed the clusters")
	}
}

// TestMemoryBudgetRefused wants a budget too small for the records at
// all refused, with the minimum in the message.
func TestMemoryBudgetRefused(t *testing.T) {
	ds, _ := synthPeople(2000, 12)
	_, err := link.Link(context.Background(), []link.Dataset{ds}, countyConfig(), link.Options{Memory: 1 << 20})
	var me *link.MemoryError
	if !errors.As(err, &me) {
		t.Fatalf("a 1 MiB budget gave %v, want a MemoryError", err)
	}
	if me.Budget != 1<<20 || me.Minimum <= me.Budget {
		t.Errorf("refusal %+v: want the budget and a larger minimum", me)
	}
	if msg := fault.Message(err); !strings.Contains(msg, link.FormatBytes(me.Minimum)) || !strings.Contains(msg, "2000 records") || fault.Code(err) != fault.Invalid {
		t.Errorf("message %q (code %s) should name the records and the minimum, as invalid input", msg, fault.Code(err))
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"4GB": 4 << 30, "512 MiB": 512 << 20, "1.5G": 3 << 29, "1000": 1000, "64k": 64 << 10} {
		if got, err := link.ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "lots", "-1GB", "0"} {
		if _, err := link.ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) accepted", bad)
		}
	}
}
