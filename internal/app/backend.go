package app

import (
	"context"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/output"
	"github.com/civiclink/civiclink/internal/programme"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/voice"
	"github.com/civiclink/civiclink/internal/web/sessions"
)

// Backend is a store backend as the wiring hands it to the rooms: the
// embedded DuckDB store (*store.Store) or PostgreSQL for the platform's
// state over a DuckDB analytics engine (*postgres.Store).
type Backend interface {
	catalog.Store
	govern.Store
	govern.MFAStore
	linkrun.Store
	insight.Source
	output.Store
	disclose.ReleaseStore
	disclose.Ledger
	sessions.Store
	programme.Store
	community.Store
	voice.Store
	// The notes of loads and purges whose audit entry is still to come.
	ingest.PendingLoads
	govern.PendingPurges

	// Meta and SetMeta read and write the store's key/value settings.
	Meta(ctx context.Context, key string) (string, error)
	SetMeta(ctx context.Context, key, value string) error
	// Auditor remembers released populations against differencing.
	Auditor(ctx context.Context) (*disclose.Auditor, error)
	// Ready reports whether the store answers with this binary's schema.
	Ready(ctx context.Context) error
	// Path names the store for messages (a file, or a URL without password).
	Path() string
}

// AuditLog is a backend's signed audit log as the wiring uses it.
type AuditLog interface {
	audit.Log
	audit.Source
	Entries(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	Verify(ctx context.Context, opts audit.Options) (audit.Report, error)
	LatestHead(ctx context.Context) (audit.Head, error)
}

var (
	_ Backend  = (*store.Store)(nil)
	_ Backend  = (*postgres.Store)(nil)
	_ AuditLog = (*store.Audit)(nil)
	_ AuditLog = (*postgres.Audit)(nil)
)
