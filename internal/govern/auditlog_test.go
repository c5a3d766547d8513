package govern_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/govern"
	gt "github.com/civiclink/civiclink/internal/govern/governtest"
)

// TestAuditLogRecords sends decisions through the real audit log in the
// store and reads them back, signed and verifiable.
func TestAuditLogRecords(t *testing.T) {
	ctx := context.Background()
	g := &govern.Gate{}
	g.Register(govern.Operation{Name: "test.read", Output: govern.Aggregate})
	f := gt.NewFixture(t, g)
	log := f.Audit // the fixture's service records there through govern.AuditRecorder
	u := f.AddUser(t, "ana", gt.RecipientPartner, govern.Analyst)
	req := govern.Request{Operation: "test.read", Purpose: gt.Purpose, Output: govern.Aggregate,
		Reads: []govern.Read{{Dataset: gt.Dataset, Columns: []string{"lsoa"}}}}
	f.Service.Authorize(ctx, u, req)
	f.Activate(t, gt.Agreement())
	if _, err := f.Service.Authorize(ctx, u, req); err != nil {
		t.Fatal(err)
	}
	var got []string
	entries, err := log.Entries(ctx, audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		got = append(got, e.Event.Action+"/"+e.Event.Outcome)
		if e.Event.Action == "access" {
			var d struct{ Decision govern.Decision }
			if err := json.Unmarshal(e.Event.Details, &d); err != nil || len(d.Decision.Reasons) == 0 {
				t.Errorf("access details: got %s, %v", e.Event.Details, err)
			}
			if len(e.Event.Datasets) != 1 || e.Event.Datasets[0].Owner != gt.OwnerPartner {
				t.Errorf("access datasets: got %+v", e.Event.Datasets)
			}
		}
	}
	if rep, err := log.Verify(ctx, audit.Options{}); err != nil {
		t.Errorf("verify: %+v, %v", rep, err)
	}
	want := []string{"user.bootstrap/allowed", "user.create/allowed", "access/denied", "agreement.create/allowed", "agreement.approve/allowed", "agreement.approve/allowed", "agreement.activate/allowed", "access/allowed"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: got %s, want %s", i, got[i], want[i])
		}
	}
}
