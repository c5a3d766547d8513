package main

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/app"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/release"
	"github.com/civiclink/civiclink/internal/web"
)

// TestEveryReadPathIsGoverned: the governance service the binary wires
// holds every room's read operations (each room's gate test walks its own
// list with a probe per operation) and refuses any other.
func TestEveryReadPathIsGoverned(t *testing.T) {
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Clock: clock.System{},
		DataPath: filepath.Join(t.TempDir(), "s.duckdb"), User: "tester"}
	defer m.Close()
	s, err := m.services(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rooms := map[string][]govern.Operation{"insight": insight.Operations(), "linkrun": linkrun.Operations(),
		"release": release.Operations(), "web": web.Operations()}
	n := 0
	for room, ops := range rooms {
		if len(ops) == 0 {
			t.Errorf("%s lists no read operations", room)
		}
		for _, op := range ops {
			n++
			if _, ok := s.Gov.Gate.Lookup(op.Name); !ok {
				t.Errorf("%s's operation %s is not in the wired gate", room, op.Name)
			}
			t.Logf("read operation %s (%s): %s", op.Name, op.Output, op.Description)
		}
	}
	if got := len(s.Gov.Gate.Operations()); got != n || got != len(app.Operations()) {
		t.Errorf("the wired gate holds %d operations, the rooms list %d", got, n)
	}
	u := &govern.User{ID: "a", PartnerID: "p", Roles: []govern.Role{govern.Analyst}}
	_, err = s.Gov.Authorize(context.Background(), u, govern.Request{Operation: "web.district-counts", Purpose: "x", Output: govern.Aggregate})
	if err == nil || !strings.Contains(err.Error(), "not registered") {
		t.Errorf("an unlisted operation: %v, want refused as not registered", err)
	}
}
