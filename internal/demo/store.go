package demo

import (
	"context"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// Store is the store as the demo fills and reads it: the catalogue and
// the governance state it sets up, the linkage runs and the insight
// queries the flow runs over, the privacy budget, the release record of
// the differencing auditor, and the facts the demo marks the store with.
// The wiring opens the real one (see [FreshStore]).
type Store interface {
	catalog.Store
	govern.Store
	linkrun.Store
	insight.Source
	disclose.Ledger
	// Auditor returns the differencing auditor over the store's release
	// record.
	Auditor(ctx context.Context) (*disclose.Auditor, error)
	// Meta and SetMeta read and write a fact about the store by key ("" for
	// none).
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
	Close() error
}
