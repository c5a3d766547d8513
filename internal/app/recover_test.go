package app

import (
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/store"
)

// A load or a purge commits before its audit entry is appended. A crash in
// between must not leave the change off the record: the next opening
// (RecoverAudit) appends the entry, once, and not when it was already there.
func TestRecoverAuditAfterCrash(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, key, _ := ed25519.GenerateKey(nil)
	log, err := st.AuditLog(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	s := New(st, log, nil)
	if err := st.CreatePartner(ctx, &catalog.Partner{ID: "police", Name: "Police"}); err != nil {
		t.Fatal(err)
	}
	owner := &govern.User{ID: "p.owner", PartnerID: "police", Name: "Owner", Roles: []govern.Role{govern.DataOwner}}
	if err := st.BootstrapUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	sc := &catalog.Schema{Columns: []catalog.Column{
		{Name: "incident_id", Type: catalog.TypeString, Role: catalog.RoleRecordID},
		{Name: "district", Type: catalog.TypeDistrict, Role: catalog.RoleGeography},
	}}
	if err := st.CreateDataset(ctx, &catalog.Dataset{ID: "incidents", PartnerID: "police", Schema: sc}); err != nil {
		t.Fatal(err)
	}
	load := func(rows string, pending bool) *catalog.Version {
		path := filepath.Join(t.TempDir(), "in.csv")
		os.WriteFile(path, []byte("incident_id,district\n"+rows), 0o600)
		res, err := ingest.Run(ctx, st, ingest.Request{DatasetID: "incidents", Path: path, User: owner.ID, AuditPending: pending})
		if err != nil {
			t.Fatal(err)
		}
		return res.Version
	}
	entries := func(action string) []audit.Entry {
		es, err := log.Entries(ctx, audit.Filter{Action: action})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}

	// The crash: a version committed with its note, no entry appended.
	cut := load("p1,E07000070\n", true)
	// A load whose entry was appended before the crash, but not its note cleared.
	done := load("p2,E07000070\n", true)
	if err := s.Ingest.Audit.Record(ctx, govern.Event{User: owner.ID, Partner: "police", Action: ingest.Action,
		Target: "dataset:incidents@2", Outcome: govern.OutcomeAllowed, At: time.Now(),
		Datasets: []govern.DatasetRef{{ID: "incidents", Owner: "police"}}}); err != nil {
		t.Fatal(err)
	}
	// A load outside the ingest service (the demo's): no note, no recovery.
	load("p3,E07000070\n", false)
	// A purge committed, killed before its entry.
	if err := st.PurgeVersion(ctx, done, owner.ID, time.Now()); err != nil {
		t.Fatal(err)
	}

	got, err := s.RecoverAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"recorded the audit entries of 1 loads a crash had cut off", "recorded the audit entries of 1 purges a crash had cut off"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("RecoverAudit said %q, want %q", got, want)
	}
	loads := entries(ingest.Action)
	if len(loads) != 2 {
		t.Fatalf("%d ingest entries after recovery, want 2 (the one recovered, the one already there)", len(loads))
	}
	if e := loads[1].Event; e.Target != "dataset:incidents@1" || e.Partner != "police" || !strings.Contains(string(e.Details), "recovered") {
		t.Errorf("recovered load entry = %+v, want version %d by the police owner marked recovered", e, cut.Number)
	}
	purges := entries("retention.purge")
	if len(purges) != 1 || purges[0].Event.Target != "incidents" || !strings.Contains(string(purges[0].Event.Details), `"version":2`) {
		t.Errorf("purge entries after recovery = %+v, want one for version 2", purges)
	}
	again, err := s.RecoverAudit(ctx)
	if err != nil || len(again) != 0 {
		t.Errorf("a second recovery did %q (%v), want nothing", again, err)
	}
	if bad, err := st.Integrity(ctx); err != nil || len(bad) != 0 {
		t.Errorf("integrity after recovery: %v %v", bad, err)
	}
}
