package store

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/linkrun"
)

// TestOpenRecoversLinkageRows checks that Open removes the rows of a run
// whose write was interrupted, and once the rows older versions left
// without a run, and leaves recorded runs alone.
func TestOpenRecoversLinkageRows(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		orphan int64  // run id whose rows have no record
		mark   bool   // a write mark for it, as a killed write leaves
		legacy bool   // the store predates the marks (never swept)
		want   string // in Recovered
	}{
		{name: "interrupted write", orphan: 7, mark: true, want: "removed 2 rows of linkage run 7"},
		{name: "left by an older version", orphan: 2, legacy: true, want: "2 from linkage_entities, 1 from linkage_pairs"},
		{name: "swept already", orphan: 3, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.duckdb")
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			kept := &linkrun.LinkageRun{CreatedBy: "t"}
			if err := s.SaveLinkageRun(ctx, kept, []linkrun.EntityRow{{DatasetID: "d", RecordID: "1", EntityID: "e"}}, []linkrun.PairRow{{DatasetL: "d", RecordL: "1", DatasetR: "d", RecordR: "2"}}); err != nil {
				t.Fatal(err)
			}
			stmts := []string{
				`INSERT INTO linkage_entities VALUES (` + itoa(tc.orphan) + `, 'd', '1', 'x', 0), (` + itoa(tc.orphan) + `, 'd', '2', 'x', 0)`,
				`INSERT INTO linkage_pairs VALUES (` + itoa(tc.orphan) + `, 'd', '1', 'd', '2', 0.9, 3)`,
			}
			if tc.mark {
				stmts = append(stmts, `INSERT INTO store_meta VALUES ('`+linkageWriteKey(tc.orphan)+`', '')`, `DELETE FROM linkage_pairs WHERE run_id = `+itoa(tc.orphan))
			}
			if tc.legacy {
				stmts = append(stmts, `DELETE FROM store_meta WHERE key = '`+legacyLinkageSwept+`'`)
			}
			for _, q := range stmts {
				if _, err := s.DB().ExecContext(ctx, q); err != nil {
					t.Fatal(q, err)
				}
			}
			s.Close()
			s, err = Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got := strings.Join(s.Recovered(), "\n")
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("Recovered() = %q, want it to say %q", got, tc.want)
			}
			for _, tbl := range runRowTables {
				var n, want int64
				if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+tbl+` WHERE run_id = ?`, tc.orphan).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if tc.want == "" && tbl == "linkage_entities" {
					want = 2 // a store swept once is not swept again
				} else if tc.want == "" && tbl == "linkage_pairs" {
					want = 1
				}
				if n != want {
					t.Errorf("%s rows of run %d = %d, want %d", tbl, tc.orphan, n, want)
				}
			}
			if _, err := s.EntityRows(ctx, kept.ID); err != nil {
				t.Fatal(err)
			}
			var n int64
			s.DB().QueryRowContext(ctx, `SELECT count(*) FROM linkage_entities WHERE run_id = ?`, kept.ID).Scan(&n)
			if n != 1 {
				t.Errorf("recorded run %d has %d entity rows after open, want 1", kept.ID, n)
			}
		})
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
