package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/query"
	"github.com/civiclink/civiclink/internal/store"
)

// keySums reads each severity's count and key sum straight from the
// version table.
func keySums(tb testing.TB, st *store.Store, v *catalog.Version) map[string][2]uint64 {
	tb.Helper()
	rows, err := st.DB().Query(`SELECT CAST(casualty_severity AS VARCHAR), count(*), count("civiclink key"), CAST(sum("civiclink key") AS UBIGINT), count(DISTINCT "civiclink key") FROM "` + v.Table + `" GROUP BY 1`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	out := map[string][2]uint64{}
	for rows.Next() {
		var sev string
		var n, keyed, sum, distinct uint64
		if err := rows.Scan(&sev, &n, &keyed, &sum, &distinct); err != nil {
			tb.Fatal(err)
		}
		if keyed != n {
			tb.Errorf("severity %s: %d of %d records have a key", sev, keyed, n)
		}
		if n > 100 && float64(distinct) < 0.99*float64(n) {
			tb.Errorf("severity %s: only %d distinct keys for %d records; keys are not random", sev, distinct, n)
		}
		out[sev] = [2]uint64{n, sum}
	}
	return out
}

func TestRecordKeysAtLoadAndInAggregates(t *testing.T) {
	st, d, v := loadStats19(t)
	want := keySums(t, st, v)
	rows, err := st.RawAggregate(context.Background(), query.AggregateSpec{Version: v, Schema: d.Schema, By: []query.GroupKey{{Column: "casualty_severity"}}, Keys: true})
	if err != nil {
		t.Fatal(err)
	}
	key := disclose.MemberKey(99)
	digested, err := st.RawAggregate(context.Background(), query.AggregateSpec{Version: v, Schema: d.Schema, By: []query.GroupKey{{Column: "casualty_severity"}}, Members: &key, Buckets: true, Keys: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if w := want[r.Keys[0]]; uint64(r.Count) != w[0] || r.Key != w[1] {
			t.Errorf("severity %s: count %d key %d, want %d and %d", r.Keys[0], r.Count, r.Key, w[0], w[1])
		}
		if digested[i].Key != r.Key {
			t.Errorf("severity %s: the one-scan digest query gives key %d, the plain one %d", r.Keys[0], digested[i].Key, r.Key)
		}
	}
}

// TestRecordKeysGivenToOldStores drops the key column, as a store made
// before record keys lacks it, and checks that opening the store keys
// every record, once.
func TestRecordKeysGivenToOldStores(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.duckdb")
	st, _, v := loadStats19At(t, path)
	st.Close()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`ALTER TABLE "` + v.Table + `" DROP COLUMN "civiclink key"`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	old, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	first := keySums(t, old, v)
	old.Close()
	again, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if second := keySums(t, again, v); len(second) != 3 || second["1"] != first["1"] || second["3"] != first["3"] {
		t.Errorf("keys changed on opening the store again: %v then %v", first, second)
	}
}
