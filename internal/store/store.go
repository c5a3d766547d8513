// Package store keeps civiclink's state in DuckDB, the embedded default: one
// file holding the catalogue, every dataset version, governance state and the
// audit log. It implements the storage interfaces the domain packages
// declare; no other package imports the driver.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is a civiclink store backed by one DuckDB file.
type Store struct {
	db    *sql.DB
	path  string
	Clock clock.Clock
	gen   atomic.Uint64  // see [Store.Generation]
	cat   catalogCache   // see catalog_cache.go
	ckpt  idleCheckpoint // see checkpoint.go

	sessionsEnded atomic.Uint64 // see [Store.WebSessionsEnded]
	recovered     []string      // see [Store.Recovered]
	signIn        sync.Mutex    // serialises sign-in bookkeeping (signin_flows.go, signin.go)

	shared      SharedCatalog // nil: the catalogue is this engine's own (see shared.go)
	versionsDir string        // the shared folder of versions' Parquet files
	mirrorMu    sync.Mutex    // a catalogue write here and a mirror do not interleave
	keyScale    sync.Map      // version table → its record keys' scale (recordkeys.go)
}

var _ catalog.Store = (*Store)(nil)

// MemoryLimitEnv names the environment variable that caps DuckDB's memory
// (e.g. "2GB"); beyond it DuckDB spills to disk. Unset, DuckDB's default
// (80% of RAM) applies.
const MemoryLimitEnv = "CIVICLINK_MEMORY_LIMIT"

// maxIdleConns keeps connections for concurrent requests: with
// database/sql's default of two, a server under 50 concurrent users
// closes and reopens DuckDB connections all the time (a simple query then
// costs about 1.5–2× as much; docs/benchmarks.md, web section).
const maxIdleConns = 64

// Open opens (creating if needed) the store at path and brings its schema up
// to date. An empty path opens a private in-memory store.
func Open(ctx context.Context, path string) (*Store, error) {
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return nil, openError(path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, openError(path, err)
	}
	db.SetMaxIdleConns(maxIdleConns)
	if lim := os.Getenv(MemoryLimitEnv); lim != "" {
		if _, err := db.ExecContext(ctx, `SET memory_limit = `+sqlQuote(lim)); err != nil {
			db.Close()
			return nil, fault.Errorf(fault.Invalid, "%s=%q is not a memory size DuckDB accepts (e.g. 2GB)", MemoryLimitEnv, lim)
		}
	}
	s := &Store{db: db, path: path, Clock: clock.System{}}
	if err := s.setCheckpointThreshold(ctx); err != nil {
		db.Close()
		return nil, openError(path, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.recover(ctx); err != nil {
		db.Close()
		return nil, fault.Wrap(err, fault.Internal, "cannot clear the remains of an interrupted write")
	}
	if err := s.keyRecords(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.signKeys(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func openError(path string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "Corrupt database file") || strings.Contains(msg, "checksum"):
		return fault.Wrap(err, fault.Internal, "the store %s is damaged (DuckDB found a block whose checksum does not match): restore it from a backup (civiclink backup restore) and keep the damaged file for diagnosis", path)
	case strings.Contains(msg, "Could not set lock") || strings.Contains(msg, "Conflicting lock"):
		e := fault.Wrap(err, fault.Conflict, "the store %s is in use by another civiclink process (is `civiclink serve` or `demo` running?); stop it or use another store file", path)
		e.Field = "data"
		return e
	}
	return fault.Wrap(err, fault.Invalid, "cannot open the store %s: is it a civiclink DuckDB file and is its folder writable?", path)
}

// Close closes the store, first moving the audit journal's entries into
// its tables. It returns once DuckDB has let go of the file, so that the
// same process can open it again (close.go); an error says what kept it.
func (s *Store) Close() error {
	s.closeAudit()
	s.settleConnections()
	err := s.db.Close()
	if werr := s.waitReleased(); err == nil {
		err = werr
	}
	return err
}

// DB returns the database handle for the other store files of this package.
func (s *Store) DB() *sql.DB { return s.db }

// Path returns the store's file path ("" for in-memory).
func (s *Store) Path() string { return s.path }

func (s *Store) now() time.Time { return s.Clock.Now().UTC() }

// migrate applies, in order and each in its own transaction, every embedded
// migration not yet recorded in schema_migrations.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot create the migrations table")
	}
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := s.applyMigration(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) applyMigration(ctx context.Context, name string) error {
	base := strings.TrimPrefix(name, "migrations/")
	num, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
	if err != nil {
		return fmt.Errorf("migration %s: name must start with a number", base)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, num).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrationFiles.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fault.Wrap(err, fault.Internal, "migration %s failed", base)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, ?, ?)`, num, base, s.now()); err != nil {
		return err
	}
	return tx.Commit()
}

// isConstraint reports whether err is a DuckDB constraint violation.
func isConstraint(err error) bool {
	var de *duckdb.Error
	if errors.As(err, &de) {
		return de.Type == duckdb.ErrorTypeConstraint
	}
	return strings.Contains(err.Error(), "Constraint Error")
}

// sqlQuote quotes a string literal for DuckDB.
func sqlQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// quoteIdent quotes a SQL identifier for DuckDB.
func quoteIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
