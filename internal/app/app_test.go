package app

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/civiclink/civiclink/internal/store"
)

// The services share one governance service and build one insight engine,
// however often they are asked.
func TestServicesBuiltOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "")
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
	e1, err := s.Insight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e2, _ := s.Insight(ctx)
	if e1 != e2 {
		t.Error("Insight built a second engine")
	}
	if e1.Gov != s.Gov || s.Ingest.Gov != s.Gov || s.Linkage.Gov != s.Gov {
		t.Error("the rooms do not share the one governance service")
	}
	o, err := s.Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o.Insight != e1 || o.Gov != s.Gov {
		t.Error("the output lifecycle does not use the one engine and governance service")
	}
	if e1.Geo == nil || e1.Auditor == nil || e1.Ledger == nil {
		t.Errorf("engine = %+v, want geography, differencing auditor and budget ledger", e1)
	}
}
