// Package app wires civiclink's rooms over one store: it is the one place
// where the governance service, the insight engine, the ingest service,
// linkage and the output lifecycle are assembled, so that the CLI, `serve`
// and `demo` (and the tests that start them) use the same pieces built the
// same way. Only cmd/civiclink and tests import it.
package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/release"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/voice"
	"github.com/civiclink/civiclink/internal/web"
)

// Services are the rooms over one store and its signed audit log. Build them
// with [New]; the insight engine is built on first use (it loads the
// county's geography), once.
type Services struct {
	// Backend is the store the rooms use: Store itself, or PostgreSQL for
	// the platform's state over Store as the analytics engine.
	Backend Backend
	// Store is the embedded DuckDB store (with PostgreSQL, the analytics
	// engine holding the catalogue, dataset versions and linkage runs).
	Store *store.Store
	// Audit is the store's signed audit log; every room records there.
	Audit AuditLog
	Clock clock.Clock
	// Gov decides every read and records every decision in Audit.
	Gov     *govern.Service
	Ingest  *ingest.Service
	Linkage *linkrun.Service
	// Voice is citizen voice: conversation programmes and their results.
	Voice *voice.Service
	// PTablePath is the perturbation table published counts go through
	// (--ptable); empty for the shipped default. Set it before the first
	// [Services.Insight].
	PTablePath string

	once    sync.Once
	engine  *insight.Engine
	county  *geo.County
	errOnce error

	communityOnce sync.Once // see community.go
	community     *community.Directory
	communityErr  error
}

// Operations lists every room's read operations: the gate governance
// refuses any other operation's request from. Each room's gate test walks
// its own list with a probe per operation.
func Operations() []govern.Operation {
	return slices.Concat(insight.Operations(), linkrun.Operations(), release.Operations(), web.Operations())
}

// New wires the services over st, recording to log, telling the time by
// clk (the system clock when nil).
func New(st *store.Store, log *store.Audit, clk clock.Clock) *Services {
	return NewOn(st, st, log, clk)
}

// NewOn wires the services over backend b, whose analytics engine is
// engine (b itself for the embedded store), recording to log.
func NewOn(b Backend, engine *store.Store, log AuditLog, clk clock.Clock) *Services {
	if clk == nil {
		clk = clock.System{}
	}
	st := b
	gov := govern.NewService(st, govern.AuditRecorder{Log: log})
	gov.Clock, gov.Gate = clk, govern.NewGate(Operations()...)
	gov.Pending, gov.Log = st, log
	return &Services{
		Backend: b, Store: engine, Audit: log, Clock: clk, Gov: gov,
		Ingest:  &ingest.Service{Catalog: st, Gov: gov, Audit: gov.Audit, Clock: clk, Pending: st, Log: log, Users: st},
		Linkage: &linkrun.Service{Store: st, Gov: gov, Audit: gov.Audit},
		Voice:   newVoice(b, gov.Audit, clk), // shared state: PostgreSQL's tables in server mode
	}
}

// RecoverAudit appends the audit entries that a crash cut off from their
// writes (a load or a purge committed, the process killed before its entry
// was recorded) and returns what it did, a line per kind, for the operator.
func (s *Services) RecoverAudit(ctx context.Context) ([]string, error) {
	var out []string
	loads, err := s.Ingest.RecoverAudit(ctx)
	if err != nil {
		return out, err
	}
	if loads > 0 {
		out = append(out, fmt.Sprintf("recorded the audit entries of %d loads a crash had cut off", loads))
	}
	purges, err := s.Gov.RecoverAudit(ctx)
	if err != nil {
		return out, err
	}
	if purges > 0 {
		out = append(out, fmt.Sprintf("recorded the audit entries of %d purges a crash had cut off", purges))
	}
	return out, nil
}

// RecordTo has every room record its events through l (the same log,
// wrapped, e.g. counted by the server's metrics).
func (s *Services) RecordTo(l audit.Log) {
	r := govern.AuditRecorder{Log: l}
	s.Gov.Audit, s.Ingest.Audit, s.Linkage.Audit, s.Voice.Audit = r, r, r, r
}

// Insight returns the insight engine: asking Gov before every read,
// charging the store's privacy-budget ledger, auditing releases against
// differencing, perturbing counts through the perturbation table with the
// store's keys for linked people, with rates scaled by the store's population scale (the
// demo's [demo.PopulationScaleKey]).
func (s *Services) Insight(ctx context.Context) (*insight.Engine, error) {
	s.once.Do(func() { s.engine, s.errOnce = s.newEngine(ctx) })
	return s.engine, s.errOnce
}

func (s *Services) newEngine(ctx context.Context) (*insight.Engine, error) {
	county, err := geo.Load()
	if err != nil {
		return nil, err
	}
	auditor, err := s.Backend.Auditor(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := s.Backend.UnitKeys(ctx)
	if err != nil {
		return nil, err
	}
	e := &insight.Engine{Store: s.Backend, Gov: s.Gov, Geo: county, Ledger: s.Backend, Auditor: auditor, UnitKeys: keys}
	if s.PTablePath != "" {
		if e.PTable, err = disclose.LoadPTable(s.PTablePath); err != nil {
			return nil, err
		}
	}
	if v, _ := s.Backend.Meta(ctx, demo.PopulationScaleKey); v != "" {
		e.PopulationScale, _ = strconv.ParseFloat(v, 64)
	}
	if e.Residents, err = demo.LoadResidents(ctx, s.Backend); err != nil {
		return nil, err
	}
	s.county = county
	return e, nil
}

// County returns the geography the insight engine places records in.
func (s *Services) County(ctx context.Context) (*geo.County, error) {
	if _, err := s.Insight(ctx); err != nil {
		return nil, err
	}
	return s.county, nil
}

// Outputs returns the output lifecycle (draft, check, release, export)
// over the insight engine.
func (s *Services) Outputs(ctx context.Context) (*release.Service, error) {
	e, err := s.Insight(ctx)
	if err != nil {
		return nil, err
	}
	return &release.Service{Store: s.Backend, Insight: e, Gov: s.Gov, Audit: s.Audit, Clock: s.Clock}, nil
}
