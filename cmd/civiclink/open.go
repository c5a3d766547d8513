package main

import (
	"context"
	"fmt"

	"github.com/civiclink/civiclink/internal/store"
)

// openStore opens the store at --data for the rest of this invocation.
// With PostgreSQL it is the analytics engine beside the database.
func (m *Main) openStore(ctx context.Context) (*store.Store, error) {
	if m.onPostgres() {
		return m.postgresEngine(ctx)
	}
	s, err := store.Open(ctx, m.DataPath)
	if err != nil {
		return nil, err
	}
	s.Clock = m.Clock
	for _, r := range s.Recovered() {
		fmt.Fprintf(m.Stderr, "civiclink: store %s: %s\n", m.DataPath, r)
	}
	m.closers = append(m.closers, s)
	return s, nil
}
