package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/metrics"
	"github.com/civiclink/civiclink/internal/publish"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/web"
)

// webOptions are `civiclink serve`'s settings of the web app beyond the
// store, from flags (tests set them directly).
type webOptions struct {
	// trustedProxies are reverse proxies whose X-Forwarded-For is believed.
	trustedProxies []netip.Prefix
	// tlsProxy says a TLS-terminating proxy is in front: cookies are
	// Secure and HSTS is sent though the server itself speaks plain HTTP.
	tlsProxy bool
	// secondFactorOff lets users with record-level or approving roles sign
	// in without a second factor (a demo on one machine; tests).
	secondFactorOff bool
	// signIn are the sign-in limits (zero fields: the web app's defaults).
	signIn web.SignInLimits
	// argon2 are the password-hashing costs (zero: the default) and hashes
	// the bound on checks at once (nil: sized to memory).
	argon2 govern.Argon2Params
	hashes *govern.HashLimit
}

// parseProxies reads the values of flag (--trusted-proxy, --metrics-from):
// addresses or CIDR prefixes.
func parseProxies(flag string, vals []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range vals {
		v = strings.TrimSpace(v)
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "%s %q is neither an IP address nor a CIDR prefix (such as 10.0.0.0/8)", flag, v)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

func (m *Main) serveCmd() *cobra.Command {
	var addr string
	var proxies []string
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web app and JSON API from the store",
		Long: `Serve the dashboard (district map, datasets, uploads) and the JSON API
(described at /api/openapi.json) from the store at --data, until interrupted.
Users sign in with the accounts and API tokens kept by the governance room.

In production: --tls-cert and --tls-key serve HTTPS (Secure cookies, HSTS);
behind a TLS reverse proxy, --trusted-proxy names it (its X-Forwarded-For
gives the client's address) and --behind-tls-proxy marks cookies Secure and
sends HSTS. /healthz answers while the process runs, /readyz when the store is
open and migrated, /metrics (Prometheus) to loopback and --metrics-from.
SIGTERM or Ctrl-C shuts down gracefully: requests finish, background jobs get
--shutdown-grace, then are cancelled and recorded as interrupted.
deploy/README.md has a systemd unit and a reverse-proxy example.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if m.web.trustedProxies, err = parseProxies("--trusted-proxy", proxies); err != nil {
				return err
			}
			if err := o.parse(); err != nil {
				return err
			}
			m.serving = &o
			st, err := m.openStore(cmd.Context())
			if err != nil {
				return err
			}
			return m.serve(cmd.Context(), st, addr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "where to listen (host:port)")
	cmd.Flags().StringSliceVar(&proxies, "trusted-proxy", nil, "address or CIDR prefix of a reverse proxy whose X-Forwarded-For names the client (repeatable)")
	cmd.Flags().BoolVar(&m.web.tlsProxy, "behind-tls-proxy", false, "a proxy in front terminates TLS: mark cookies Secure and send HSTS")
	cmd.Flags().BoolVar(&m.web.secondFactorOff, "no-second-factor", false, "do not ask for a TOTP code at sign-in (only for a demo on one machine)")
	cmd.Flags().IntVar(&m.web.signIn.LockoutMax, "lockout-after", 5, "failed sign-ins within 15 minutes that lock an account")
	cmd.Flags().IntVar(&m.web.signIn.PerAddress, "signins-per-minute", 30, "sign-ins allowed from one client address a minute")
	o.flags(cmd)
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
	b := m.svc.Backend
	if users, err := b.Users(ctx); err == nil && len(users) == 0 {
		srv.Log().Warn("the store has no users yet, so nobody can sign in; create the first with `civiclink user bootstrap`")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fault.Wrap(err, fault.Invalid, "cannot listen on %s: is another server using it? choose another with --addr", addr)
	}
	scheme := "http"
	if m.serving != nil && m.serving.tlsCert != "" {
		scheme = "https"
	}
	fmt.Fprintf(m.Stdout, "civiclink: serving %s on %s://%s/ (Ctrl-C stops)\n", b.Path(), scheme, ln.Addr())
	return srv.ServeListener(ctx, ln)
}

// webServer wires the web app to the store, the governance service (which
// records to the store's signed audit log), the geography and the
// disclosure-controlled indicators.
func (m *Main) webServer(ctx context.Context, st *store.Store) (*web.Server, error) {
	o := m.serving
	if o == nil {
		o = &serveOptions{}
	}
	m.metrics = metrics.New()
	s, err := m.services(ctx)
	if err != nil {
		return nil, err
	}
	if s.Store != st {
		return nil, fault.Errorf(fault.Internal, "serve: the services opened another store than the one served")
	}
	if n, err := s.Gov.SealMFASecrets(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		o.logger(m.Stderr).Info("sealed second-factor secrets stored in the clear", "count", n)
	}
	lads, err := geo.LoadBoundaries(geo.LayerLAD)
	if err != nil {
		return nil, err
	}
	if err := st.ServeRequests(ctx); err != nil {
		return nil, err
	}
	if pg := m.openedPostgres(); pg != nil {
		pg.WarmCurrentRun() // the run figures read, ready before they are asked for
		if n, err := pg.SweepLinkageFiles(ctx, m.Clock.Now().Add(-time.Hour)); err != nil {
			o.logger(m.Stderr).Warn("cannot sweep the shared folder of linkage runs' files no run names", "error", err)
		} else if n > 0 {
			o.logger(m.Stderr).Info("removed linkage runs' files no run names (left by a process killed while storing a run)", "files", n)
		}
	}
	engine, err := s.Insight(ctx)
	if err != nil {
		return nil, err
	}
	outputs, err := s.Outputs(ctx)
	if err != nil {
		return nil, err
	}
	// The output pages and "who used my data" read the same signed log the
	// governance service writes to; its signing key's public half is the
	// trusted key for verification.
	var auditKeys []ed25519.PublicKey
	if k, err := audit.LoadKey(m.auditKeyPath("")); err == nil {
		auditKeys = append(auditKeys, k.Public().(ed25519.PublicKey))
	}
	prog, err := s.Programme(ctx)
	if err != nil {
		return nil, err
	}
	s.Gov.Argon2, s.Gov.Hashes = m.web.argon2, m.web.hashes
	spool, err := serveSpool(st.Path())
	if err != nil {
		return nil, err
	}
	county := engine.Geo
	dir, err := s.Community(ctx)
	if err != nil {
		return nil, err
	}
	var jobs web.JobQueue
	var sharedSpool string
	if pg := m.openedPostgres(); pg != nil {
		// Server mode: uploads go on the shared queue, spooled where every
		// process reads them (beside the versions' Parquet files).
		jobs, sharedSpool = pg, filepath.Join(pg.VersionsDir(), "uploads")
		if err := os.MkdirAll(sharedSpool, 0o750); err != nil {
			return nil, fault.Wrap(err, fault.Internal, "cannot make the shared upload spool %s: check the shared folder (%s) is writable", sharedSpool, postgres.VersionsEnv)
		}
	}
	return web.New(web.Config{
		Community: dir,
		Ledger:    s.Backend,
		Catalog:   s.Backend,
		Govern:    s.Gov,
		Audit:     s.Gov.Audit,
		Ingest:    s.Ingest,
		Districts: lads,
		Indicators: &publish.NamedIndicators{Insight: engine, County: county,
			Counts: &publish.DistrictCounts{Store: s.Backend, County: county, Insight: engine}},
		Linkage:   s.Linkage,
		Programme: prog,
		Health:    s.Backend.Ready,
		Voice:     s.Voice,
		Outputs:   outputs,
		AuditLog:  s.Audit,
		AuditKeys: auditKeys,

		SecondFactor:   !m.web.secondFactorOff,
		SecureCookies:  m.web.tlsProxy,
		TrustedProxies: m.web.trustedProxies,
		SignIn:         m.web.signIn,
		SSO:            o.sso,

		Clock:     m.Clock,
		Log:       o.logger(m.Stderr),
		UploadDir: spool,

		Queue: jobs, SharedUploadDir: sharedSpool,

		TLSCertFile: o.tlsCert, TLSKeyFile: o.tlsKey,
		MetricsFrom: o.metricsNets, Metrics: m.metrics, ShutdownGrace: o.grace, AccessLog: m.serving != nil,
		Backup: m.backupFunc(st),
	})
}

// serveSpool makes the folder where the server spools uploads, pushes and
// backups: "<store>.spool" beside a file store, emptied first, since only
// the one process that has the store open can be using it and a server
// killed mid-upload leaves its spool behind. An in-memory store spools in
// the OS temporary folder ("").
func serveSpool(data string) (string, error) {
	if data == "" || data == ":memory:" {
		return "", nil
	}
	dir := data + ".spool"
	if err := os.RemoveAll(dir); err != nil {
		return "", fault.Wrap(err, fault.Internal, "cannot empty the upload spool %s left by an earlier server: remove it by hand", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fault.Wrap(err, fault.Internal, "cannot make the upload spool %s beside the store: check the folder is writable", dir)
	}
	return dir, nil
}
