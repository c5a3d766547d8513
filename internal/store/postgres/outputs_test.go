package postgres_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/output"
	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
)

// TestReleasedOutputImmutable attacks a released report output from
// below the store, with SQL on the database itself: rewriting its figures,
// moving it back to draft and deleting it are each refused by the
// database; a draft can still be moved on.
func TestReleasedOutputImmutable(t *testing.T) {
	ctx := context.Background()
	url := pgtest.Fresh(t)
	st, err := postgres.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	mk := func() *output.Output {
		o := &output.Output{Series: "programme-report", Kind: output.KindReport, Title: "Report", Indicator: "programme-report", By: []string{"project"},
			Columns: map[string][]string{}, Status: output.Draft, Report: &disclose.Report{}, Document: json.RawMessage(`{"claims":[{"id":"road-ksi","status":"differs"}]}`),
			Scopes: []output.Scope{{Purpose: "road-safety", Datasets: []string{"road_casualties"}}}, CreatedBy: "ana", CreatedAt: at}
		if err := st.CreateOutput(ctx, o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	rel, draft := mk(), mk()
	if err := st.TransitionOutput(ctx, rel.ID, output.Draft, output.Checked, "chris", at, "ok"); err != nil {
		t.Fatal(err)
	}
	if err := st.TransitionOutput(ctx, rel.ID, output.Checked, output.Released, "chris", at, ""); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, c := range []struct{ name, sql string }{
		{"rewrite its figures", `UPDATE outputs SET document = '{"claims":[{"id":"road-ksi","status":"confirmed"}]}' WHERE id = $1`},
		{"move it back to draft", `UPDATE outputs SET status = 'draft' WHERE id = $1`},
		{"delete it", `DELETE FROM outputs WHERE id = $1`},
	} {
		if _, err := conn.Exec(ctx, c.sql, rel.ID); err == nil {
			t.Errorf("%s: the database let it happen", c.name)
		} else {
			t.Logf("attack %q on released output %d: refused (%v)", c.name, rel.ID, err)
		}
	}
	got, err := st.Output(ctx, rel.ID)
	if err != nil || got.Status != output.Released || string(got.Document) != `{"claims":[{"id":"road-ksi","status":"differs"}]}` {
		t.Errorf("released output after the attacks = %+v, %v; want it as released", got, err)
	}
	if _, err := conn.Exec(ctx, `UPDATE outputs SET note = 'still a draft' WHERE id = $1`, draft.ID); err != nil {
		t.Errorf("a draft cannot be updated: %v", err)
	}
}
