package postgres_test

import (
	"testing"

	"github.com/civiclink/civiclink/internal/web/pushes"
	"github.com/civiclink/civiclink/internal/web/pushes/pushestest"
)

// TestPushesContract runs the pushes contract against the PostgreSQL
// store, a fresh database per case.
func TestPushesContract(t *testing.T) {
	pushestest.Run(t, func(t *testing.T) pushes.Store { return open(t) })
}
