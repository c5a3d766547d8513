package main

import (
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/govern/governtest"
)

// TestEveryReadPathIsGoverned walks every read operation registered with
// the process-wide gate by the packages this binary links (their init
// functions register them): each must be denied without an agreement and
// allowed with one, asking govern in its own name both times.
func TestEveryReadPathIsGoverned(t *testing.T) {
	for _, op := range govern.DefaultGate.Operations() {
		t.Logf("read operation %s (%s): %s", op.Name, op.Output, op.Description)
	}
	governtest.CheckGate(t, govern.DefaultGate)
}
