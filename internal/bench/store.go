package bench

import (
	"context"
	"database/sql"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// Store is the store a benchmark fills and times: the catalogue and the
// governance state it sets up, insight's source, the differencing
// auditor's release record, and the database itself, for the bare
// reference queries each figure is a ratio against.
type Store interface {
	catalog.Store
	govern.Store
	insight.Source
	// Auditor returns the differencing auditor over the store's release
	// record.
	Auditor(ctx context.Context) (*disclose.Auditor, error)
	// DB is the database under the store.
	DB() *sql.DB
	Close() error
}

// Opener opens (creating) a benchmark's store at path with its audit log.
// The wiring passes the real one; the log's signing key is a throw-away.
type Opener func(ctx context.Context, path string) (Store, audit.Log, error)
