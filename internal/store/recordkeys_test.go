package store_test

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/query"
	"github.com/civiclink/civiclink/internal/store"
)

// keySums reads each severity's count and cell key (the key sum modulo
// 2³², 16-bit keys standing for their value × 2¹⁶) straight from the
// table.
func keySums(tb testing.TB, st *store.Store, table string) map[string][2]uint64 {
	tb.Helper()
	var typ string
	if err := st.DB().QueryRow(`SELECT data_type FROM duckdb_columns() WHERE table_name = ? AND column_name = 'civiclink key'`, table).Scan(&typ); err != nil {
		tb.Fatal(err)
	}
	scale, space := "1", 4294967296.0
	if typ == "SMALLINT" {
		scale, space = "65536", 65536
	}
	rows, err := st.DB().Query(`SELECT CAST(casualty_severity AS VARCHAR), count(*), count("civiclink key"), CAST((sum("civiclink key") * ` + scale + ` % 4294967296 + 4294967296) % 4294967296 AS UBIGINT), count(DISTINCT "civiclink key") FROM "` + table + `" GROUP BY 1`)
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
		// n uniform draws from space values give this many distinct ones.
		expect := space * (1 - math.Pow(1-1/space, float64(n)))
		if n > 100 && float64(distinct) < 0.97*expect {
			tb.Errorf("severity %s: only %d distinct %s keys for %d records (%.0f expected); keys are not random", sev, distinct, typ, n, expect)
		}
		out[sev] = [2]uint64{n, sum}
	}
	return out
}

func TestRecordKeysAtLoadAndInAggregates(t *testing.T) {
	st, d, v := loadStats19(t)
	want := keySums(t, st, v.Table)
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
	first := keySums(t, old, v.Table)
	old.Close()
	again, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if second := keySums(t, again, v.Table); len(second) != 3 || second["1"] != first["1"] || second["3"] != first["3"] {
		t.Errorf("keys changed on opening the store again: %v then %v", first, second)
	}
}

// TestRecordKeysWidths checks the cell keys of versions keyed at either
// width: 16-bit keys (loaded now) standing for their value × 2¹⁶, a
// version keyed before as 32-bit UINTEGER, both together in one union,
// and that opening a store stores such a version's keys as INTEGER with
// the same 32 bits, so every cell key, and every figure it published,
// stays as it was.
func TestRecordKeysWidths(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "widths.duckdb")
	st, d, v := loadStats19At(t, path)
	cellKeys := func(st *store.Store, spec query.AggregateSpec) map[string]uint64 {
		t.Helper()
		spec.Schema, spec.By, spec.Keys = d.Schema, []query.GroupKey{{Column: "casualty_severity"}}, true
		rows, err := st.RawAggregate(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]uint64{}
		for _, r := range rows {
			out[r.Keys[0]] = r.Key % disclose.KeySpace
		}
		return out
	}
	narrow := keySums(t, st, v.Table)
	// The same records keyed as before: random 32-bit UINTEGER keys.
	if _, err := st.DB().Exec(`CREATE TABLE ds_wide_copy AS SELECT * REPLACE (CAST(floor(random() * 4294967296) AS UINTEGER) AS "civiclink key") FROM "` + v.Table + `"`); err != nil {
		t.Fatal(err)
	}
	wide := keySums(t, st, "ds_wide_copy")
	old := &catalog.Version{Table: "ds_wide_copy"}
	gotNarrow, gotWide, mixed := cellKeys(st, query.AggregateSpec{Version: v}), cellKeys(st, query.AggregateSpec{Version: old}), cellKeys(st, query.AggregateSpec{Versions: []*catalog.Version{v, old}})
	for sev, w := range narrow {
		if gotNarrow[sev] != w[1] || gotWide[sev] != wide[sev][1] {
			t.Errorf("severity %s: cell key %d (16-bit keys), %d (32-bit), want %d and %d", sev, gotNarrow[sev], gotWide[sev], w[1], wide[sev][1])
		}
		if w[1]%(1<<16) != 0 {
			t.Errorf("severity %s: 16-bit keys give cell key %d, not a multiple of 2¹⁶", sev, w[1])
		}
		if m := (w[1] + wide[sev][1]) % disclose.KeySpace; mixed[sev] != m {
			t.Errorf("severity %s: versions keyed at both widths together give cell key %d, want %d", sev, mixed[sev], m)
		}
	}
	st.Close()
	// The version itself keyed as a store of the last release has it.
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TABLE "` + v.Table + `"`, `ALTER TABLE ds_wide_copy RENAME TO "` + v.Table + `"`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	reopened, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	var typ string
	if err := reopened.DB().QueryRow(`SELECT data_type FROM duckdb_columns() WHERE table_name = ? AND column_name = 'civiclink key'`, v.Table).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	if typ != "INTEGER" {
		t.Errorf("after opening, the 32-bit keys of %s are %s, want INTEGER", v.Table, typ)
	}
	got, after := keySums(t, reopened, v.Table), cellKeys(reopened, query.AggregateSpec{Version: v})
	for sev, w := range wide {
		if got[sev] != w || after[sev] != w[1] {
			t.Errorf("severity %s: count and cell key %v (aggregate %d) after opening, want %v as before", sev, got[sev], after[sev], w)
		}
	}
}
