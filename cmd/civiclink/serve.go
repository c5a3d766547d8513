package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/demo"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/release"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/web"
)

func (m *Main) serveCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web app and JSON API from the store",
		Long: `Serve the dashboard (district map, datasets, uploads) and the JSON API
(described at /api/openapi.json) from the store at --data, until interrupted.
Users sign in with the accounts and API tokens kept by the governance room.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			return m.serve(cmd.Context(), st, addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "where to listen (host:port)")
	return cmd
}

// serve runs the web app over st on addr until ctx is done; `civiclink
// demo` calls it after building the demo county (st must be the store this
// invocation opened, so governance and the audit log use the same one).
func (m *Main) serve(ctx context.Context, st *store.Store, addr string) error {
	srv, err := m.webServer(ctx, st)
	if err != nil {
		return err
	}
	defer srv.Close()
	if users, err := st.Users(ctx); err == nil && len(users) == 0 {
		fmt.Fprintln(m.Stderr, "civiclink serve: the store has no users yet, so nobody can sign in; create the first with `civiclink user bootstrap`")
	}
	fmt.Fprintf(m.Stdout, "civiclink: serving %s on http://%s/ (Ctrl-C stops)\n", st.Path(), addr)
	return srv.Serve(ctx, addr)
}

// webServer wires the web app to the store, the governance service (which
// records to the store's signed audit log), the geography and the
// disclosure-controlled indicators.
func (m *Main) webServer(ctx context.Context, st *store.Store) (*web.Server, error) {
	gov, gst, err := m.governService(ctx)
	if err != nil {
		return nil, err
	}
	if gst != st {
		return nil, fault.Errorf(fault.Internal, "serve: the governance service opened another store than the one served")
	}
	county, err := geo.Load()
	if err != nil {
		return nil, err
	}
	lads, err := geo.LoadBoundaries(geo.LayerLAD)
	if err != nil {
		return nil, err
	}
	auditor, err := st.Auditor(ctx)
	if err != nil {
		return nil, err
	}
	if err := st.ServeRequests(ctx); err != nil {
		return nil, err
	}
	engine := &insight.Engine{Store: st, Gov: gov, Geo: county, Ledger: st, Auditor: auditor}
	if v, _ := st.Meta(ctx, demo.PopulationScaleKey); v != "" {
		engine.PopulationScale, _ = strconv.ParseFloat(v, 64)
	}
	// The output pages and "who used my data" read the same signed log the
	// governance service writes to; its signing key's public half is the
	// trusted key for verification.
	log, err := m.auditLog(ctx, "")
	if err != nil {
		return nil, err
	}
	var auditKeys []ed25519.PublicKey
	if k, err := audit.LoadKey(m.auditKeyPath("")); err == nil {
		auditKeys = append(auditKeys, k.Public().(ed25519.PublicKey))
	}
	return web.New(web.Config{
		Ledger:    st,
		Catalog:   st,
		Govern:    gov,
		Audit:     gov.Audit,
		Districts: lads,
		Indicators: &web.NamedIndicators{Insight: engine, County: county,
			Counts: &web.DistrictCounts{Store: st, County: county, Govern: gov, Insight: engine}},
		Linkage: &linkrun.Service{Store: st, Gov: gov, Audit: gov.Audit},
		Health: func(ctx context.Context) error {
			_, err := st.Meta(ctx, "made_by") // any query proves the store answers
			return err
		},
		Outputs:   &release.Service{Store: st, Insight: engine, Gov: gov, Audit: log, Clock: m.Clock},
		AuditLog:  log,
		AuditKeys: auditKeys,

		Clock: m.Clock,
		Log:   slog.New(slog.NewTextHandler(m.Stderr, nil)),
	})
}
