package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/clock"
)

// recordEvents appends events to the store at data the way other commands
// do, through Main.record.
func recordEvents(t *testing.T, data string, es ...audit.Event) {
	t.Helper()
	var errb bytes.Buffer
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &errb, Clock: clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), DataPath: data, User: "tester"}
	defer m.Close()
	for _, e := range es {
		if err := m.record(context.Background(), e); err != nil {
			t.Fatalf("record %s: %v", e.Action, err)
		}
	}
}

func TestAuditCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "s.duckdb")
	head, pub := filepath.Join(dir, "head.json"), filepath.Join(dir, "pub.pem")
	police := []audit.Dataset{{ID: "incidents@3", Owner: "police"}}
	recordEvents(t, data,
		audit.Event{Action: "login", Outcome: audit.Allowed},
		audit.Event{User: "ana", Partner: "council", Action: "query", Purpose: "violence-reduction", Datasets: police, Agreement: "dsa-7", Outcome: audit.Allowed},
		audit.Event{User: "bob", Partner: "housing", Action: "export", Datasets: police, Outcome: audit.Denied, Reason: "no-agreement"},
	)
	if st, err := os.Stat(data + ".audit-key"); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file beside the store: %v, mode %v", err, st)
	}
	steps := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"audit", "verify"}, 0, "intact: 3 entries"},
		{[]string{"audit", "head", "--out", head}, 0, "tree head of 3 entries"},
		{[]string{"audit", "key", "--out", pub}, 0, "public key ed25519:"},
		{[]string{"audit", "list"}, 0, "bob     housing  export"},
		{[]string{"audit", "list", "--outcome", "denied", "--json"}, 0, `"reason":"no-agreement"`},
		{[]string{"audit", "list", "--outcome", "maybe"}, 2, "must be"},
		{[]string{"audit", "list", "--since", "yesterday"}, 2, "is not a time"},
		{[]string{"audit", "uses", "--partner", "police"}, 0, "2 uses of police's data"},
		{[]string{"audit", "uses", "--partner", "police", "--agreement", "dsa-7"}, 0, "ana   council      query   incidents@3"},
		{[]string{"audit", "uses"}, 2, "needs --partner"},
		{[]string{"audit", "list", "--action", "audit.uses", "--json"}, 0, `"details":{"entries":2,"filter":{"owner":"police"}}`},
		{[]string{"audit", "uses", "--partner", "police", "--newest", "--limit", "1"}, 0, "bob   housing      export"},
		{[]string{"audit", "uses", "--partner", "police", "--newest", "--before", "2"}, 0, "1 uses of police's data"},
		{[]string{"audit", "list", "--newest", "--limit", "1", "--json"}, 0, `"newest":true`},
	}
	for _, s := range steps {
		checkRun(t, data, s.args, s.wantCode, s.want)
	}

	recordEvents(t, data, audit.Event{Action: "agreement.approve", Agreement: "dsa-8", Outcome: audit.Allowed})
	checkRun(t, data, []string{"audit", "verify", "--head", head, "--pubkey", pub}, 0, "consistent with 1 kept tree head")
	checkRun(t, data, []string{"audit", "prove", "1", "--head", head}, 0, "entry 1 is included in the tree head of 3 entries")
	checkRun(t, data, []string{"audit", "prove", "3", "--head", head}, 2, "not covered by the tree head of 3 entries")
	checkRun(t, data, []string{"audit", "prove", "0"}, 0, `"action":"login"`)
	checkRun(t, data, []string{"audit", "prove", "x"}, 2, "not a number")

	// Without the key file: reads that must be recorded are refused and no
	// new key is made; the public key still comes from the store.
	keyFile := data + ".audit-key"
	if err := os.Rename(keyFile, keyFile+".away"); err != nil {
		t.Fatal(err)
	}
	checkRun(t, data, []string{"audit", "list"}, 4, "audit signing key file "+keyFile+" is missing, but this log is signed with ed25519:")
	if _, err := os.Stat(keyFile); err == nil {
		t.Error("a new key file was made for a log that already has a key")
	}
	checkRun(t, data, []string{"audit", "key"}, 0, "BEGIN PUBLIC KEY")
	checkRun(t, data, []string{"audit", "verify"}, 0, "checked only against the key recorded in the store")
	if err := os.Rename(keyFile+".away", keyFile); err != nil {
		t.Fatal(err)
	}

	b, _ := os.ReadFile(head)
	forged := filepath.Join(dir, "forged.json")
	os.WriteFile(forged, bytes.Replace(b, []byte(`"size": 3`), []byte(`"size": 2`), 1), 0o600)
	checkRun(t, data, []string{"audit", "verify", "--head", forged}, 2, "not authentic")

	// Entry 2 edited crudely; entry 1 edited with its leaf hash made to fit.
	db, err := sql.Open("duckdb", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE audit_leaves SET entry = encode(replace(decode(entry), '"denied"', '"allowed"')) WHERE idx = 2`,
		`UPDATE audit_leaves SET entry = encode(replace(decode(entry), 'violence-reduction', 'research')) WHERE idx = 1`,
		`UPDATE audit_leaves SET leaf_hash = unhex(sha256('\x00'::BLOB || entry)) WHERE idx = 1`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	checkRun(t, data, []string{"audit", "verify"}, 5, "NOT intact: entry 1:")
	checkRun(t, data, []string{"audit", "list"}, 5, "entry 2 is damaged")
	checkRun(t, data, []string{"audit", "prove", "1", "--head", head}, 5, "entry 1 is NOT in the tree head of 3 entries")
}

func checkRun(t *testing.T, data string, args []string, wantCode int, want string) {
	t.Helper()
	out, errs, code := run(t, data, args...)
	if code != wantCode {
		t.Errorf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", args, code, wantCode, out, errs)
		return
	}
	where := out
	if code != 0 {
		where = errs
	}
	if !strings.Contains(where, want) {
		t.Errorf("%v: output does not contain %q\nstdout: %s\nstderr: %s", args, want, out, errs)
	}
}
