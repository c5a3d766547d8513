// Package postgres keeps civiclink's platform state in PostgreSQL, so that
// several web processes and the CLI can share one service: users, API
// tokens, second factors, purposes, agreements, opt-outs, web sessions,
// privacy budgets, outputs, the release record and the audit log (the same
// RFC 6962 Merkle log as the embedded store, appends from every process
// serialised by an advisory lock), the catalogue every process shares
// (partners, datasets, versions; catalog.go) and linkage runs' records,
// adoptions, approvals and clerical decisions (linkage.go).
//
// Dataset contents, linkage runs' rows and the queries over them are the
// analytics engine's: a DuckDB store ([store.Store]) that [Store] embeds,
// which mirrors the shared catalogue and reads versions and runs other
// processes made from their immutable Parquet files in the shared folder.
// docs/server-mode.md says why and what moves to PostgreSQL next.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// URLEnv names the environment variable that holds the database URL when
// --data does not.
const URLEnv = "CIVICLINK_DATABASE_URL"

// IsURL reports whether data names a PostgreSQL database rather than a
// DuckDB file.
func IsURL(data string) bool {
	return strings.HasPrefix(data, "postgres://") || strings.HasPrefix(data, "postgresql://")
}

// Store is civiclink's state with the platform's part in PostgreSQL and
// the analytics engine's part in the embedded DuckDB store.
type Store struct {
	*store.Store // the analytics engine: catalogue, dataset versions, linkage, queries

	pool *pgxpool.Pool
	url  string

	gen           atomic.Uint64 // see [Store.Generation]
	sessionsEnded atomic.Uint64 // see [Store.WebSessionsEnded]
	communityGen  atomic.Uint64 // see [Store.CommunityGeneration]

	audit auditShare // see audit_group.go

	stopListen context.CancelFunc // see notify.go
	listenDone chan struct{}

	catMu       sync.Mutex    // one mirror of the shared catalogue at a time (catalog.go)
	catSync     chan struct{} // a catalogue notice asks for a mirror
	catSyncErr  atomic.Value  // the last mirror's outcome (syncOutcome), for Ready
	catShared   bool          // the engine has joined the catalogue; catMu held
	catDone     chan struct{}
	tmpVersions string // a private shared folder, removed on Close

	linkMu      sync.Mutex    // one copy of a linkage run's rows into the engine at a time (linkage.go)
	linkWarm    atomic.Bool   // serving: copy the current run in on every linkage notice
	linkSync    chan struct{} // a linkage notice asks for the current run
	linkWarmErr atomic.Value  // the last copy of the current run's outcome (syncOutcome), for Ready
	linkDone    chan struct{}
}

// Open connects to the PostgreSQL database at url, brings its schema up to
// date (refusing one newer than this binary) and opens the analytics
// engine at enginePath ("" for a private in-memory one).
func Open(ctx context.Context, url, enginePath string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fault.FieldErrorf(fault.Invalid, "data", "%s is not a PostgreSQL URL civiclink can read (postgres://user@host:port/database): %v", redact(url), shortErr(err))
	}
	cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 32 // one listens for changes; web requests share the rest
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, connectError(url, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, connectError(url, err)
	}
	s := &Store{pool: pool, url: url}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	eng, err := store.Open(ctx, enginePath)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.Store = eng
	lctx, stop := context.WithCancel(context.Background())
	ready := make(chan error, 1)
	s.stopListen, s.listenDone = stop, make(chan struct{})
	s.catSync, s.catDone = make(chan struct{}, 1), make(chan struct{})
	s.linkSync, s.linkDone = make(chan struct{}, 1), make(chan struct{})
	go s.listen(lctx, ready)
	go s.mirrorOnNotice(lctx)
	go s.warmOnNotice(lctx)
	if err := <-ready; err != nil {
		s.Close()
		return nil, fault.Wrap(err, fault.Internal, "cannot listen for changes on PostgreSQL at %s", s.Path())
	}
	if err := s.shareCatalog(ctx, VersionsDir(enginePath)); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops listening for changes and closes the analytics engine and
// the connection pool.
func (s *Store) Close() error {
	s.stopListen()
	<-s.listenDone
	<-s.catDone
	<-s.linkDone
	err := s.Store.Close()
	s.pool.Close()
	if s.tmpVersions != "" {
		os.RemoveAll(s.tmpVersions)
	}
	return err
}

// Path returns the database URL without its password.
func (s *Store) Path() string { return redact(s.url) }

// Pool returns the connection pool, for this package's tests and tools.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Generation counts committed changes to what governance decides on: the
// analytics engine's and this store's together.
func (s *Store) Generation() uint64 { return s.Store.Generation() + s.gen.Load() }

// changed bumps [Store.Generation] here and, by notice, in every other
// process on the database; write methods defer it.
func (s *Store) changed() {
	s.gen.Add(1)
	s.notify(noticeState)
}

func (s *Store) now() time.Time { return s.Store.Clock.Now().UTC() }

// connectError explains a failed connection by its cause, never echoing
// the password.
func connectError(url string, err error) error {
	where := redact(url)
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return fault.FieldErrorf(fault.Unauthorized, "data", "PostgreSQL at %s refused the credentials (%s): check the user and password in the URL or ~/.pgpass", where, pe.Message)
		case "3D000":
			return fault.FieldErrorf(fault.NotFound, "data", "PostgreSQL at %s has no such database: create it (createdb) or name another", where)
		}
		return fault.Wrap(err, fault.Internal, "PostgreSQL at %s refused the connection: %s", where, pe.Message)
	}
	var ne net.Error
	if errors.As(err, &ne) || strings.Contains(err.Error(), "connect") {
		e := fault.Wrap(err, fault.Invalid, "cannot reach PostgreSQL at %s: is the server running and the host and port right?", where)
		e.Field = "data"
		return e
	}
	return fault.Wrap(err, fault.Internal, "cannot connect to PostgreSQL at %s", where)
}

// redact returns url with any password replaced by "xxxxx".
func redact(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil || cfg.Password == "" {
		return url
	}
	return strings.Replace(url, ":"+cfg.Password+"@", ":xxxxx@", 1)
}

// shortErr is a parse error's message without the URL it may repeat.
func shortErr(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

// schemaVersion is the newest migration this binary knows.
func schemaVersion() (int, []string, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return 0, nil, err
	}
	sort.Strings(names)
	last := 0
	for _, n := range names {
		v, err := migrationNumber(n)
		if err != nil {
			return 0, nil, err
		}
		last = v
	}
	return last, names, nil
}

func migrationNumber(name string) (int, error) {
	base := strings.TrimPrefix(name, "migrations/")
	num, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
	if err != nil {
		return 0, fmt.Errorf("migration %s: name must start with a number", base)
	}
	return num, nil
}

// migrationLock is the advisory lock key that keeps two processes from
// migrating at once ("civiclink" in ASCII, truncated).
const migrationLock = 0x636976696c6c696e

// migrate applies, under an advisory lock and each in its own transaction,
// every embedded migration not yet recorded in schema_migrations. A
// database whose schema is newer than this binary is refused.
func (s *Store) migrate(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return connectError(s.url, err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot lock the schema for migration")
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrationLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return fault.Wrap(err, fault.Internal, "cannot create the migrations table (does the user own the database?)")
	}
	known, names, err := schemaVersion()
	if err != nil {
		return err
	}
	var stored int
	if err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&stored); err != nil {
		return err
	}
	if stored > known {
		return fault.FieldErrorf(fault.Conflict, "data", "the database %s has schema version %d, newer than this civiclink knows (%d): upgrade civiclink before using it", s.Path(), stored, known)
	}
	for _, name := range names {
		if err := applyMigration(ctx, conn.Conn(), name); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, name string) error {
	num, err := migrationNumber(name)
	if err != nil {
		return err
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, num).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	body, err := migrationFiles.ReadFile(name)
	if err != nil {
		return err
	}
	base := strings.TrimPrefix(name, "migrations/")
	if _, err := tx.Exec(ctx, string(body)); err != nil {
		return fault.Wrap(err, fault.Internal, "migration %s failed", base)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations VALUES ($1, $2, now())`, num, base); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// isUnique reports whether err is a unique-key violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// mustAffect turns an update that touched no row into NotFound.
func mustAffect(tag pgconn.CommandTag, err error, kind, id string) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fault.Errorf(fault.NotFound, "no %s %q", kind, id)
	}
	return nil
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.inTxOptions(ctx, pgx.TxOptions{}, fn)
}

// inTxOptions is [Store.inTx] with the transaction's options.
func (s *Store) inTxOptions(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// Ready reports whether both halves answer and the database's schema is
// the one this binary knows.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.Store.Ready(ctx); err != nil {
		return err
	}
	known, _, err := schemaVersion()
	if err != nil {
		return err
	}
	var stored int
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&stored); err != nil {
		return fault.Wrap(err, fault.Internal, "PostgreSQL at %s does not answer", s.Path())
	}
	if stored != known {
		return fault.Errorf(fault.Internal, "PostgreSQL at %s has schema version %d, this binary %d", s.Path(), stored, known)
	}
	if o, _ := s.catSyncErr.Load().(syncOutcome); o.err != nil {
		return fault.Wrap(o.err, fault.Internal, "the shared catalogue could not be mirrored: %s", fault.Message(o.err))
	}
	if o, _ := s.linkWarmErr.Load().(syncOutcome); o.err != nil {
		return fault.Wrap(o.err, fault.Internal, "the current linkage run could not be read: %s", fault.Message(o.err))
	}
	return nil
}

// Engine returns the analytics engine: the DuckDB store holding the
// catalogue's copy, dataset versions and linkage runs' rows.
func (s *Store) Engine() *store.Store { return s.Store }
