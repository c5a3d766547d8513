package main

import (
	"context"

	"github.com/civiclink/civiclink/internal/store"
)

// openStore opens the store at --data for the rest of this invocation.
func (m *Main) openStore(ctx context.Context) (*store.Store, error) {
	s, err := store.Open(ctx, m.DataPath)
	if err != nil {
		return nil, err
	}
	s.Clock = m.Clock
	m.closers = append(m.closers, s)
	return s, nil
}
