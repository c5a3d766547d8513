package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/web/sessions"
)

// TestWebSessionTokenNotStored looks through every column of the table
// for the token: only its hash is there.
func TestWebSessionTokenNotStored(t *testing.T) {
	ctx := context.Background()
	st := memStore(t)
	const token = "k3Yk3Yk3Y-a-session-token-of-43-characters-x"
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if err := st.CreateWebSession(ctx, token, sessions.Session{UserID: "olive", CSRF: "c", Created: t0, LastSeen: t0, Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var row string
	if err := st.DB().QueryRowContext(ctx, `SELECT CAST(w AS VARCHAR) FROM web_sessions w`).Scan(&row); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(row, token) || !strings.Contains(row, "olive") {
		t.Errorf("stored row %s holds the token (or is not the session)", row)
	}
}

// memStore opens a private in-memory store, closed when the test ends.
func memStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
