package web

import (
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/govern/governtest"
)

// TestGate proves the web app's read operation asks govern: denied without
// an agreement, allowed with one.
func TestGate(t *testing.T) {
	op, ok := govern.DefaultGate.Lookup(OpDistrictCounts)
	if !ok {
		t.Fatalf("%s is not registered with the governance gate", OpDistrictCounts)
	}
	g := &govern.Gate{}
	g.Register(op)
	governtest.CheckGate(t, g)
}
