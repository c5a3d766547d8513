package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/store/storetest"
)

// cancelAt is a context that cancels itself the k-th time anyone asks
// whether it is cancelled. Stepping k across a statement cancels it at
// each place the driver looks, one after another — among them the one
// between DuckDB starting the statement and running it (close.go) —
// without depending on timing.
type cancelAt struct {
	context.Context
	mu   sync.Mutex
	left int
	done chan struct{}
}

func newCancelAt(k int) *cancelAt {
	return &cancelAt{Context: context.Background(), left: k, done: make(chan struct{})}
}

func (c *cancelAt) Done() <-chan struct{} { return c.done }

func (c *cancelAt) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left == 0 {
		return context.Canceled
	}
	if c.left--; c.left == 0 {
		close(c.done)
		return context.Canceled
	}
	return nil
}

// cancelSteps is how far k is stepped: past every check the driver makes
// in a statement (a dozen; beyond them the statement completes).
const cancelSteps = 24

// TestCloseLetsGoOfTheFile cancels statements of each kind at every point
// the driver checks its context, each on its own connection, then closes
// the store: Close must leave no connection open and DuckDB must let go
// of the file, so that it opens again at once in this process. Before
// Close settled its idle connections, a statement cancelled just after
// DuckDB started it kept the database alive and the next open of the
// file spun for ever (a watchdog fails the test instead).
func TestCloseLetsGoOfTheFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.duckdb")
	tests := []struct {
		name string
		run  func(ctx context.Context, c *sql.Conn) error
	}{
		{"insert", func(ctx context.Context, c *sql.Conn) error {
			_, err := c.ExecContext(ctx, `INSERT INTO store_meta VALUES (?, 'x') ON CONFLICT DO NOTHING`, "close-test")
			return err
		}},
		{"query", func(ctx context.Context, c *sql.Conn) error {
			rows, err := c.QueryContext(ctx, `SELECT key FROM store_meta`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		}},
		{"transaction", func(ctx context.Context, c *sql.Conn) error {
			tx, err := c.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, `DELETE FROM store_meta WHERE key = ?`, "close-test"); err != nil {
				return err
			}
			return tx.Commit()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stop := storetest.Watchdog(t, "opening "+path, time.Minute)
			s, err := Open(ctx, path)
			stop()
			if err != nil {
				t.Fatal(err)
			}
			// One connection per k, all held, so that none runs a later
			// statement that would clear what an earlier one left.
			conns := make([]*sql.Conn, cancelSteps)
			for k := range conns {
				if conns[k], err = s.DB().Conn(ctx); err != nil {
					t.Fatal(err)
				}
			}
			cancelled := 0
			for k, c := range conns {
				if err := tt.run(newCancelAt(k+1), c); err != nil {
					cancelled++
				}
			}
			for _, c := range conns {
				c.Close()
			}
			if cancelled == 0 || cancelled == cancelSteps {
				t.Fatalf("%d of %d statements were cancelled; want some cancelled and the last ones complete (cancelSteps too small?)", cancelled, cancelSteps)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("close: %v", err)
			}
			if n := s.DB().Stats().OpenConnections; n != 0 {
				t.Errorf("%d connections open after Close, want 0", n)
			}
			stop = storetest.Watchdog(t, "opening "+path+" again after cancelled statements", time.Minute)
			again, err := Open(ctx, path)
			stop()
			if err != nil {
				t.Fatal(err)
			}
			if err := again.Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCloseSaysWhatIsStillOpen: rows left open hold a connection; Close
// waits for it, then says how many are still in use and why that
// matters, and the file is let go once the rows close.
func TestCloseSaysWhatIsStillOpen(t *testing.T) {
	defer func(d time.Duration) { closeWait = d }(closeWait)
	closeWait = 50 * time.Millisecond
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.duckdb")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.DB().QueryContext(ctx, `SELECT key FROM store_meta`)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Close()
	if err == nil || !strings.Contains(err.Error(), "1 DuckDB connections are still in use") {
		t.Fatalf("close with rows open: %v, want the connection still in use named", err)
	}
	rows.Close()
	if n := s.DB().Stats().OpenConnections; n != 0 {
		t.Errorf("%d connections open once the rows closed, want 0", n)
	}
	stop := storetest.Watchdog(t, fmt.Sprintf("opening %s again", path), time.Minute)
	again, err := Open(ctx, path)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
}
