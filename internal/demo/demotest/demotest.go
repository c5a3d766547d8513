// Package demotest builds a small demo county for tests: a fresh demo store
// with its own audit log, on which the whole demo flow has run.
package demotest

import (
	"context"
	"crypto/ed25519"
	"io"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/programme"
	"github.com/civiclink/civiclink/internal/release"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/synth"
	"github.com/civiclink/civiclink/internal/voice"
)

// County is a demo store after the flow ran on a synthetic county.
type County struct {
	Store   *store.Store
	Audit   audit.Log
	Summary *demo.Summary
	// Work is the folder of the county's generated files (truth.csv and
	// the agencies' raw files).
	Work string
}

// Rooms are the services a [NewFull] county was built with, wired as
// package app wires them, so a test can serve every page over them.
type Rooms struct {
	Gov       *govern.Service
	Insight   *insight.Engine
	Programme *programme.Service
	Outputs   *release.Service
	Community *community.Directory
	Voice     *voice.Service
}

// New runs the demo flow on a county of the given size in a temporary
// folder; the store closes when the test ends.
func New(tb testing.TB, people int, seed uint64) *County {
	tb.Helper()
	return NewWith(tb, people, seed, nil)
}

// NewWith is [New] with some synthetic datasets' settings overridden by id.
func NewWith(tb testing.TB, people int, seed uint64, datasets map[string]synth.DatasetSettings) *County {
	tb.Helper()
	c, _ := build(tb, people, seed, datasets, false)
	return c
}

// NewFull is [New] with every room of `civiclink demo`: the output
// lifecycle, the community directory (its synthetic services and
// suggestions waiting) and citizen voice too.
func NewFull(tb testing.TB, people int, seed uint64) (*County, *Rooms) {
	tb.Helper()
	return build(tb, people, seed, nil, true)
}

func build(tb testing.TB, people int, seed uint64, datasets map[string]synth.DatasetSettings, full bool) (*County, *Rooms) {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	st, err := demo.FreshStore(ctx, filepath.Join(dir, "demo.duckdb"), store.Open)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		tb.Fatal(err)
	}
	log, err := st.AuditLog(ctx, key)
	if err != nil {
		tb.Fatal(err)
	}
	work := filepath.Join(dir, "county")
	// The flow's governance and engine, as package app wires them (app
	// imports web, whose tests use this package, so it cannot be used here).
	gov := govern.NewService(st, govern.AuditRecorder{Log: log})
	county, err := geo.Load()
	if err != nil {
		tb.Fatal(err)
	}
	auditor, err := st.Auditor(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	e := &insight.Engine{Store: st, Gov: gov, Geo: county, Ledger: st, Auditor: auditor}
	prog := &programme.Service{Store: st, Catalog: st, Figures: e, Audit: log, Areas: county.LADCodes()}
	f := demo.Flow{People: people, Seed: seed, Datasets: datasets, Work: work, User: "test", Clock: clock.System{}, Log: io.Discard, Audit: log, Gov: gov, Insight: e, Programme: prog}
	rooms := &Rooms{Gov: gov, Insight: e, Programme: prog}
	if full {
		rooms.Outputs = &release.Service{Store: st, Insight: e, Gov: gov, Audit: log, Clock: clock.System{}}
		prog.Outputs, prog.Clock = rooms.Outputs, clock.System{}
		p, err := community.LoadPlacer()
		if err != nil {
			tb.Fatal(err)
		}
		rooms.Community = community.NewDirectory(st, gov.Audit, clock.System{}, p)
		districts := voice.Districts{}
		for _, l := range county.LADs {
			districts[l.Code] = l.Name
		}
		rooms.Voice = &voice.Service{Store: st, Audit: gov.Audit, Clock: clock.System{}, Districts: districts}
		f.Community, f.Voice = rooms.Community, rooms.Voice
	}
	sum, err := f.Run(ctx, st)
	if err != nil {
		tb.Fatal(err)
	}
	return &County{Store: st, Audit: log, Summary: sum, Work: work}, rooms
}
