package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"strings"

	"github.com/civiclink/civiclink/internal/app"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/web"
)

// EngineEnv names the environment variable with the analytics engine's
// DuckDB file when --data is a PostgreSQL URL (docs/server-mode.md).
const EngineEnv = "CIVICLINK_ENGINE"

// defaultData is --data's default: CIVICLINK_DATA, else the PostgreSQL URL
// in CIVICLINK_DATABASE_URL or the file CIVICLINK_DATABASE_URL_FILE names,
// else civiclink.duckdb.
func defaultData() string {
	if d := os.Getenv("CIVICLINK_DATA"); d != "" {
		return d
	}
	if u := os.Getenv(postgres.URLEnv); u != "" {
		return u
	}
	if f := os.Getenv(postgres.URLEnv + "_FILE"); f != "" {
		if b, err := os.ReadFile(f); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return "civiclink.duckdb"
}

// onPostgres reports whether --data names a PostgreSQL database.
func (m *Main) onPostgres() bool { return postgres.IsURL(m.DataPath) }

// enginePath is the analytics engine's file beside a PostgreSQL store:
// CIVICLINK_ENGINE, else civiclink-engine.duckdb in the working folder.
func enginePath() string {
	if p := os.Getenv(EngineEnv); p != "" {
		return p
	}
	return "civiclink-engine.duckdb"
}

// openPostgres opens the PostgreSQL store at --data for this invocation.
func (m *Main) openPostgres(ctx context.Context) (*postgres.Store, error) {
	pg, err := postgres.Open(ctx, m.DataPath, enginePath())
	if err != nil {
		return nil, err
	}
	pg.Clock = m.Clock
	for _, r := range pg.Recovered() {
		fmt.Fprintf(m.Stderr, "civiclink: analytics engine %s: %s\n", enginePath(), r)
	}
	m.closers = append(m.closers, pg)
	return pg, nil
}

// openedPostgres returns the PostgreSQL store this invocation opened, or nil.
func (m *Main) openedPostgres() *postgres.Store {
	for _, c := range m.closers {
		if pg, ok := c.(*postgres.Store); ok {
			return pg
		}
	}
	return nil
}

// backend returns the store backend the rooms use: the PostgreSQL store
// when --data is a URL, else the embedded store.
func (m *Main) backend(ctx context.Context) (app.Backend, error) {
	if !m.onPostgres() {
		return m.currentStore(ctx)
	}
	if pg := m.openedPostgres(); pg != nil {
		return pg, nil
	}
	return m.openPostgres(ctx)
}

// readAuditLog returns the audit log to read and verify (no signing key).
func (m *Main) readAuditLog(ctx context.Context) (app.AuditLog, error) {
	b, err := m.backend(ctx)
	if err != nil {
		return nil, err
	}
	return auditLogOf(ctx, b, nil)
}

// auditLogOf opens backend b's audit log with key (nil: read only).
func auditLogOf(ctx context.Context, b app.Backend, key ed25519.PrivateKey) (app.AuditLog, error) {
	switch s := b.(type) {
	case *postgres.Store:
		return s.AuditLog(ctx, key)
	case *store.Store:
		return s.AuditLog(ctx, key)
	}
	return nil, fault.Errorf(fault.Internal, "no audit log for the store %s", b.Path())
}

// backupFunc takes GET /api/backup's backups of the embedded store; with
// PostgreSQL it is nil (the API refuses: back the database up with its
// own tools, pg_dump or a base backup, and the engine file with it).
func (m *Main) backupFunc(st *store.Store) web.BackupFunc {
	if m.onPostgres() {
		return nil
	}
	return func(ctx context.Context, dir string) error {
		_, err := st.Backup(ctx, dir)
		return err
	}
}

// postgresEngine returns the analytics engine of this invocation's
// PostgreSQL store, opening the store on first use.
func (m *Main) postgresEngine(ctx context.Context) (*store.Store, error) {
	pg := m.openedPostgres()
	if pg == nil {
		var err error
		if pg, err = m.openPostgres(ctx); err != nil {
			return nil, err
		}
	}
	return pg.Engine(), nil
}
