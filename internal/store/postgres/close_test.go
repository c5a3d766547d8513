package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
	"github.com/civiclink/civiclink/internal/store/storetest"
)

// TestCloseLetsGoOfTheEngine opens and closes a store on one engine file
// round after round, as tests run CLI commands in one process. Each
// round adds a partner, whose catalogue notice starts a mirror in the
// background that Close then stops, often in the middle of the engine's
// INSERT (each round closes at another moment): Close must leave the
// engine no connection and the next open must not wait. Before the fix, 1 round in 15–25 left the engine file
// held and the next open spun in DuckDB's instance cache for ever (a
// clean-clone CI run hung 10 minutes in TestCommunityCommandsPostgres);
// a watchdog fails the test instead.
func TestCloseLetsGoOfTheEngine(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Fresh(t)
	path := filepath.Join(t.TempDir(), "engine.duckdb")
	const rounds = 25
	for i := range rounds {
		stop := storetest.Watchdog(t, fmt.Sprintf("round %d: opening the engine %s", i, path), time.Minute)
		st, err := postgres.Open(ctx, url, path)
		stop()
		if err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if err := st.CreatePartner(ctx, &catalog.Partner{ID: fmt.Sprintf("p%d", i), Name: "Partner"}); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		// Close at a different moment of the mirror each round.
		time.Sleep(time.Duration(i%10) * 150 * time.Microsecond)
		if err := st.Close(); err != nil {
			t.Fatalf("round %d: close: %v", i, err)
		}
		if n := st.Engine().DB().Stats().OpenConnections; n != 0 {
			t.Fatalf("round %d: %d engine connections open after Close, want 0", i, n)
		}
	}
	st, err := postgres.Open(ctx, url, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ps, err := st.Engine().Partners(ctx)
	if err != nil || len(ps) != rounds {
		t.Errorf("the engine mirrors %d partners (%v), want %d", len(ps), err, rounds)
	}
}
