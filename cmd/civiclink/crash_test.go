package main

import (
	"context"
	"os"
	"testing"

	"github.com/civiclink/civiclink/internal/crash"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/tempcheck"
)

// crashChild makes this test binary act as civiclink, so the crash
// harness can run the real commands in subprocesses of it.
const crashChild = "CIVICLINK_CRASH_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(crashChild) == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(tempcheck.Main(m)) // and no civiclink-* temporary files left behind
}

// TestCrashHarness kills each write path with SIGKILL at points spread
// over its run and checks, after every kill, that the store opens, its
// audit log verifies, it holds only whole writes and nothing reported
// done was lost. `civiclink bench crash` does the same at scale.
func TestCrashHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash harness runs subprocesses; skipped with -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	data, county, err := crashSetup(ctx, dir, 300)
	if err != nil {
		t.Fatal(err)
	}
	h := &crash.Harness[*store.Store]{Open: crashOpen, Exe: os.Args[0], Env: append(os.Environ(), crashChild+"=1"), Data: data,
		Global: []string{"--data", data, "--user", crashUser}}
	more, err := crashServerScenarios(ctx, h, county, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range append(crashScenarios(county, dir), more...) {
		res, err := h.Run(ctx, sc, 5)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(res)
		for _, p := range res.Problems {
			t.Errorf("%s: %s", sc.Name, p)
		}
	}
}
