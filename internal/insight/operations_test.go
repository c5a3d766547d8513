package insight_test

import (
	"testing"

	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/govern/governtest"
	"github.com/civiclink/civiclink/internal/insight"
)

// TestOperationsGoThroughGovernance walks insight's read operations: each
// is refused without an agreement and allowed under one.
func TestOperationsGoThroughGovernance(t *testing.T) {
	g := &govern.Gate{}
	insight.RegisterOperations(g)
	governtest.CheckGate(t, g)
}
