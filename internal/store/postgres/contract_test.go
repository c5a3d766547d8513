package postgres_test

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
	"github.com/civiclink/civiclink/internal/store/storetest"
)

// open opens a store on a fresh database with an in-memory analytics
// engine, closed when the test ends.
func open(t *testing.T) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), pgtest.Fresh(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestContract runs the contract every store backend meets against the
// PostgreSQL store, a fresh database per case.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (storetest.Store, storetest.AuditLog) {
		st := open(t)
		_, key, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		log, err := st.AuditLog(context.Background(), key)
		if err != nil {
			t.Fatal(err)
		}
		return st, log
	})
}

// TestProgrammeContract runs the programme's store contract against the
// PostgreSQL store, a fresh database per case.
func TestProgrammeContract(t *testing.T) {
	storetest.RunProgramme(t, func(t *testing.T) storetest.ProgrammeStore { return open(t) })
}

// TestCommunityContract runs the community directory's store contract
// against the PostgreSQL store, a fresh database per case.
func TestCommunityContract(t *testing.T) {
	storetest.RunCommunity(t, func(t *testing.T) storetest.CommunityStore { return open(t) })
}

// TestVoiceContract runs citizen voice's store contract against the
// PostgreSQL store, a fresh database per case.
func TestVoiceContract(t *testing.T) {
	storetest.RunVoice(t, func(t *testing.T) storetest.VoiceStore { return open(t) })
}
