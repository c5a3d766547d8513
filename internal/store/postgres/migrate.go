package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
)

// stateTables are the tables the embedded store shares with this one,
// in an order that copies them: the platform's state.
var stateTables = []string{
	"users", "api_tokens", "user_mfa", "user_identities", "signin_failures",
	"purposes", "agreements", "agreement_transitions", "optouts",
	"web_sessions", "privacy_budgets", "privacy_spends",
	"outputs", "released_digests", "store_meta",
	"audit_keys", "audit_leaves", "audit_heads", "audit_tree_states",
	"programme_projects", "programme_deliverables", "programme_measures", "programme_updates",
	"programme_claims", "programme_assessments",
	"community_submissions", "community_versions", "community_zones", "community_opportunities",
	"voice_programmes", "voice_sessions", "voice_responses", "voice_answers", "voice_codings", "voice_quotes", "voice_actions",
}

// serialTables have an id sequence to move past the copied ids.
var serialTables = []string{"privacy_spends", "outputs", "programme_updates", "programme_assessments", "community_submissions", "community_opportunities"}

// Imported is what [Store.ImportState] copied.
type Imported struct {
	Rows  map[string]int64 // rows per table
	Audit audit.Report     // the copy's audit log, verified
}

// ImportState copies the platform's state from the embedded store src
// into this database, which must hold none, in one transaction. The audit
// log is verified in src first and in the copy before the transaction
// commits (the same entries, the same root, every head's signature): if
// anything fails, nothing is written. opts says which keys to trust.
func (s *Store) ImportState(ctx context.Context, src *store.Store, opts audit.Options) (*Imported, error) {
	srcLog, err := src.AuditLog(ctx, nil)
	if err != nil {
		return nil, err
	}
	before, err := srcLog.Verify(ctx, opts)
	if err != nil {
		return nil, err
	}
	if before.Problem != nil {
		return nil, fault.Errorf(fault.Conflict, "the audit log of %s does not verify (%s): nothing was migrated; run `civiclink audit verify` there", src.Path(), before.Problem)
	}
	out := &Imported{Rows: map[string]int64{}}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditLock)); err != nil {
			return err
		}
		if err := refuseNonEmpty(ctx, tx, s.Path()); err != nil {
			return err
		}
		for _, t := range stateTables {
			n, err := copyTable(ctx, src.DB(), tx, t)
			if err != nil {
				return fault.Wrap(err, fault.Internal, "cannot copy table %s: nothing was migrated", t)
			}
			out.Rows[t] = n
		}
		for _, t := range serialTables {
			if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 0) + 1, false) FROM %s`, t, t)); err != nil {
				return err
			}
		}
		// voice_responses.seq keeps capture order: later captures follow.
		if _, err := tx.Exec(ctx, `SELECT setval('voice_response_seq', coalesce(max(seq), 0) + 1, false) FROM voice_responses`); err != nil {
			return err
		}
		after, err := audit.Verify(ctx, &Audit{s: s, db: tx}, opts)
		if err != nil {
			return err
		}
		if after.Problem != nil || after.Size != before.Size || !bytes.Equal(after.Root, before.Root) {
			return fault.Errorf(fault.Internal, "the copied audit log does not verify as the original (%d entries, problem %v; the original has %d): nothing was migrated", after.Size, after.Problem, before.Size)
		}
		out.Audit = after
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.changed()
	return out, nil
}

// refuseNonEmpty fails naming the first state table that holds rows.
func refuseNonEmpty(ctx context.Context, tx pgx.Tx, where string) error {
	for _, t := range append(stateTables[:len(stateTables):len(stateTables)], "catalog_partners", "catalog_datasets", "catalog_versions", "linkage_runs") {
		var any bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t+`)`).Scan(&any); err != nil {
			return err
		}
		if any {
			e := fault.Errorf(fault.Conflict, "the database %s already holds civiclink state (table %s has rows): migrate only into an empty database (createdb a new one); nothing was migrated", where, t)
			e.Field = "to"
			return e
		}
	}
	return nil
}

// copyTable copies table t's rows from the DuckDB database src into tx,
// column by column as this database names them; a table src lacks (an
// older store) copies nothing.
func copyTable(ctx context.Context, src *sql.DB, tx pgx.Tx, t string) (int64, error) {
	var exists bool
	if err := src.QueryRowContext(ctx, `SELECT count(*) > 0 FROM duckdb_tables() WHERE table_name = ?`, t).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	cols, types, err := columnsOf(ctx, tx, t)
	if err != nil {
		return 0, err
	}
	rows, err := src.QueryContext(ctx, `SELECT "`+strings.Join(cols, `", "`)+`" FROM `+t)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var vals [][]any
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return 0, err
		}
		for i, v := range row {
			row[i] = pgValue(v, types[i])
		}
		vals = append(vals, row)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return tx.CopyFrom(ctx, pgx.Identifier{t}, cols, pgx.CopyFromRows(vals))
}

// columnsOf lists table t's columns in this database, in order, with
// their types.
func columnsOf(ctx context.Context, tx pgx.Tx, t string) (names, types []string, err error) {
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, t)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n, ty string
		if err := rows.Scan(&n, &ty); err != nil {
			return nil, nil, err
		}
		names, types = append(names, n), append(types, ty)
	}
	return names, types, rows.Err()
}

// pgValue turns a value the DuckDB driver scanned into one pgx encodes
// for a column of type typ: bytes (a BLOB may scan as a string), lists of
// text, unsigned integers.
func pgValue(v any, typ string) any {
	if s, ok := v.(string); ok && typ == "bytea" {
		return []byte(s)
	}
	switch x := v.(type) {
	case []any:
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = fmt.Sprint(e)
		}
		return out
	case uint64:
		return int64(x)
	case uint32:
		return int64(x)
	}
	return v
}
