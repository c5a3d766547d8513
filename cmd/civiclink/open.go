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
	// A crash cut off the audit entry of a load or a purge: whatever this
	// command is, finish those entries first (the services do, on being
	// built), so that no command works on a store whose log lacks them.
	if n, err := s.AuditPending(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		if _, err := m.services(ctx); err != nil {
			return nil, err
		}
	}
	return s, nil
}
