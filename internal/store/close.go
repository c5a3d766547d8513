package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// Closing. duckdb-go opens every DuckDB file through DuckDB's instance
// cache: one database instance per file per process, which ends when the
// last of its connections does. Opening the file again while an earlier
// instance is still alive waits in a busy loop for it to end, holding the
// cache's lock, so no other DuckDB file in the process opens either
// (duckdb/duckdb#25965). The CLI runs one command per process, but tests
// run command after command in one process and `serve` closes its store
// on shutdown, so Close must leave nothing of the instance behind. Two
// things can keep it alive after sql.DB.Close (which also closes
// duckdb-go's connector, the database handle itself):
//
//   - A statement whose context was cancelled just after DuckDB started it
//     (duckdb-go looks at the context between creating the pending query
//     and running it, and then drops the pending query unrun). DuckDB
//     keeps that half-started query on the connection until the
//     connection's next statement clears it; the connection's client
//     state, and with it the instance, outlives a close in between —
//     forever. The catalogue mirror's INSERT, cancelled by
//     postgres.Store.Close, hung a CI run this way (close_test.go makes
//     it happen at will). So Close first runs one trivial statement on
//     every idle connection.
//   - A connection still in use (a goroutine's query, rows or
//     transaction not yet ended): database/sql closes it only when it is
//     handed back. Close waits for that, up to closeWait, and otherwise
//     says how many are still out: a bug to fix where they were opened.

// closeWait bounds how long Close waits for connections still in use;
// tests lower it.
var closeWait = 10 * time.Second

// settleConnections runs a trivial statement on every idle connection,
// clearing any query a cancelled statement left half-started on it.
func (s *Store) settleConnections() {
	ctx := context.Background()
	idle := s.db.Stats().Idle
	conns := make([]*sql.Conn, 0, idle)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	// Held until the end, so that each takes another idle connection.
	for range idle {
		c, err := s.db.Conn(ctx)
		if err != nil {
			return
		}
		conns = append(conns, c)
		c.ExecContext(ctx, `SELECT 1`) // only its start matters: it clears the connection
	}
}

// waitReleased waits, after sql.DB.Close, until every connection has
// closed, so that the database instance has ended when Close returns.
func (s *Store) waitReleased() error {
	deadline := time.Now().Add(closeWait)
	for {
		n := s.db.Stats().OpenConnections
		if n == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fault.Errorf(fault.Internal, "closing the store %s: %d DuckDB connections are still in use after %s (a query, rows or transaction left open); the file stays open in this process until they end", s.displayPath(), n, closeWait)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// displayPath names the store in messages.
func (s *Store) displayPath() string {
	if s.path == "" {
		return "in memory"
	}
	return s.path
}
