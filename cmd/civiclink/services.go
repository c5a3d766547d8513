package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/app"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/release"
)

// services returns the rooms wired over this invocation's store and its
// signed audit log ([app.New]), built once: every subcommand, `serve` and
// `demo` use the same governance service and insight engine.
func (m *Main) services(ctx context.Context) (*app.Services, error) {
	if m.svc != nil {
		return m.svc, nil
	}
	b, err := m.backend(ctx)
	if err != nil {
		return nil, err
	}
	st, err := m.currentStore(ctx)
	if err != nil {
		return nil, err
	}
	log, err := m.auditLog(ctx, "")
	if err != nil {
		return nil, err
	}
	s := app.NewOn(b, st, log, m.Clock)
	s.PTablePath = m.PTablePath
	rec, err := m.audit(ctx) // counted by the server's metrics when serving
	if err != nil {
		return nil, err
	}
	s.RecordTo(rec)
	recovered, err := s.RecoverAudit(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range recovered {
		fmt.Fprintf(m.Stderr, "civiclink: store %s: %s\n", m.DataPath, r)
	}
	if s.Gov.MFAKey, err = m.mfaKey(); err != nil {
		return nil, err
	}
	m.svc = s
	return s, nil
}

// acting returns the services and the user this invocation acts as.
func (m *Main) acting(cmd *cobra.Command) (*app.Services, *govern.User, error) {
	s, err := m.services(cmd.Context())
	if err != nil {
		return nil, nil, err
	}
	u, err := m.actor(cmd, s.Gov)
	if err != nil {
		return nil, nil, err
	}
	return s, u, nil
}

// insightEngine is the insight engine and the user it acts for.
func (m *Main) insightEngine(cmd *cobra.Command) (*insight.Engine, *govern.User, error) {
	s, u, err := m.acting(cmd)
	if err != nil {
		return nil, nil, err
	}
	e, err := s.Insight(cmd.Context())
	return e, u, err
}

// ingestService is the ingest service and the user it acts for.
func (m *Main) ingestService(cmd *cobra.Command) (*ingest.Service, *govern.User, error) {
	s, u, err := m.acting(cmd)
	if err != nil {
		return nil, nil, err
	}
	return s.Ingest, u, nil
}

// linkService is the linkage service and the user it acts for.
func (m *Main) linkService(cmd *cobra.Command) (*linkrun.Service, *govern.User, error) {
	s, u, err := m.acting(cmd)
	if err != nil {
		return nil, nil, err
	}
	return s.Linkage, u, nil
}

// releaseService is the output lifecycle and the user it acts for.
func (m *Main) releaseService(cmd *cobra.Command) (*release.Service, *govern.User, error) {
	s, u, err := m.acting(cmd)
	if err != nil {
		return nil, nil, err
	}
	o, err := s.Outputs(cmd.Context())
	return o, u, err
}
