// Package web is civiclink's web app: a JSON API described by an OpenAPI
// document, server-rendered pages (html/template, embedded and parsed at
// start-up) and the browser bundle built by Vite from web/ and embedded
// from dist/.
//
// Every request that reads or writes partner data is made by a signed-in
// user (session cookie) or a script (Bearer API token) and passes the
// governance service's access decision; what is done is put on the audit
// log.
package web

import (
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/geo"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/metrics"
	"github.com/civiclink/civiclink/internal/publish"
	"github.com/civiclink/civiclink/internal/sso"
	"github.com/civiclink/civiclink/internal/voice"
	"github.com/civiclink/civiclink/internal/web/pushes"
	"github.com/civiclink/civiclink/internal/web/sessions"
)

// Config holds a [Server]'s dependencies. Catalog, Govern and Audit are
// required; the rest have defaults.
type Config struct {
	// Catalog is the store's catalogue (the *store.Store).
	Catalog catalog.Store
	// Govern signs users in and decides every read.
	Govern Governance
	// Audit records what the web app does beyond govern's own events
	// (sign-outs, uploads, refused uploads): the same recorder the
	// governance service writes to.
	Audit govern.Recorder
	// Districts are the district boundaries for the map; nil hides it.
	Districts *geo.Boundaries
	// Indicators feed the map and the by-district tables; nil hides them.
	Indicators Indicators
	// Programme is the partnership's programme and its claims; nil leaves
	// the programme pages saying there is none.
	Programme Programme
	// Linkage runs linkage, keeps its runs and their clerical review (over
	// the same store as Catalog); nil leaves the linkage pages empty.
	Linkage *linkrun.Service
	// Voice is citizen voice (conversation programmes); nil hides it.
	Voice *voice.Service
	// Purpose is the purpose reads are made for when a request names none
	// (default "violence-and-vulnerability"); users choose on the page.
	Purpose string
	// Health reports whether the store is usable and current (open, its
	// migrations applied): /readyz answers 503 when it fails; nil means
	// always ready. /healthz (alive) does not ask it.
	Health func(ctx context.Context) error
	// Ingest checks and loads uploads (the same service the CLI's ingest
	// uses); an [ingest.Service] over Catalog, Govern and Audit when nil.
	Ingest Ingester
	// Clock tells the time; the system clock when nil.
	Clock clock.Clock
	// Log receives internal errors; slog's default when nil.
	Log *slog.Logger
	// UploadDir spools uploaded files; the OS temp folder when empty.
	UploadDir string
	// Queue, in server mode, is the job queue every web process shares:
	// uploads go on it and run in whichever process claims them first
	// (jobs_shared.go); nil runs them where they were received.
	Queue JobQueue
	// SharedUploadDir spools uploads for the queue: a folder every web
	// process reads (required with Queue).
	SharedUploadDir string
	// Pushes keeps files being pushed in chunks (push.go): the store's
	// when it keeps them (server mode, with Queue), else this process's
	// memory.
	Pushes pushes.Store
	// SecureCookies says the server is reached over TLS through a proxy
	// that terminates it: cookies are marked Secure and responses carry
	// Strict-Transport-Security, as they are for a request that arrives
	// over TLS itself.
	SecureCookies bool
	// SecondFactor asks users who hold a role in [govern.MFARoles], and
	// users who enrolled one, for a TOTP code after their password; one
	// who must and has none enrols at sign-in (QR code, recovery codes).
	SecondFactor bool
	// SignIn are the limits on password sign-in (lockout, per address).
	SignIn SignInLimits
	// Suggest limits the public community suggestion form per client
	// address (community_guard.go).
	Suggest SuggestLimits
	// SSO are the partners' identity providers offered on the sign-in
	// page (OpenID Connect, signin_sso.go); nil offers none.
	SSO *sso.Config
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For is believed when finding a client's address; none
	// means the connection's peer is the client.
	TrustedProxies []netip.Prefix
	// Failures keeps failed sign-ins across restarts; the Catalog when it
	// is one (the *store.Store), else they live in memory only.
	Failures FailureStore
	// TLSCertFile and TLSKeyFile, both PEM, make the server speak HTTPS
	// (cookies Secure, HSTS sent).
	TLSCertFile, TLSKeyFile string
	// AccessLog logs a line per request (method, route, status, duration,
	// client); `civiclink serve` turns it on, the demo leaves it off.
	AccessLog bool
	// Metrics records requests, jobs and sign-in failures and is served at
	// /metrics; nil serves none.
	Metrics *metrics.Metrics
	// MetricsFrom are the client networks, beside loopback, that may read
	// /metrics.
	MetricsFrom []netip.Prefix
	// Backup takes consistent backups for GET /api/backup; nil refuses.
	Backup BackupFunc
	// ShutdownGrace is how long a shutdown lets background jobs run on
	// before cancelling them (default [DefaultShutdownGrace]).
	ShutdownGrace time.Duration

	tlsCert *tls.Certificate // loaded by Validate
	// MaxUpload caps an upload's size in bytes (default 512 MiB).
	MaxUpload int64
	// SessionTTL is how long a session lasts without use (default 8h).
	SessionTTL time.Duration
	// SessionMaxAge is how long a session lasts after sign-in, however
	// busy (default 12h).
	SessionMaxAge time.Duration
	// Sessions keeps sessions across restarts; the Catalog when it is one
	// (the *store.Store), else sessions live in memory only.
	Sessions sessions.Store
	// Flows keeps single sign-ons under way, so that the provider's
	// answer may reach any web process on the store; the Catalog when it
	// is one, else they live in this process's memory.
	Flows sessions.FlowStore
	// Outputs is the output lifecycle (draft, check, release, export);
	// nil hides the output pages.
	Outputs Outputs
	// Ledger keeps the privacy budgets agreements set; the agreement page
	// and API show what is spent and left. Nil shows the budgets only.
	Ledger disclose.Ledger
	// AuditLog is the signed audit log read by the audit pages ("who used
	// my data", verification); nil hides them.
	AuditLog AuditLog
	// Community is the community-support directory behind the public
	// map and its API (community.go); nil hides them.
	Community *community.Directory
	// AuditKeys are public keys trusted to sign the audit log's tree heads
	// (the signing key's); without them the log is checked against the key
	// the store records.
	AuditKeys []ed25519.PublicKey
}

// Validate checks the config and fills defaults.
func (c *Config) Validate() error {
	if c.Catalog == nil || c.Govern == nil || c.Audit == nil {
		return fault.Errorf(fault.Invalid, "web: a catalogue, the governance service and an audit recorder are required")
	}
	if c.Purpose == "" {
		c.Purpose = "violence-and-vulnerability"
	}
	if c.Clock == nil {
		c.Clock = clock.System{}
	}
	if c.Ingest == nil {
		c.Ingest = &ingest.Service{Catalog: c.Catalog, Gov: c.Govern, Audit: c.Audit, Clock: c.Clock}
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.UploadDir == "" {
		c.UploadDir = os.TempDir()
	}
	if c.Queue != nil && c.SharedUploadDir == "" {
		return fault.Errorf(fault.Invalid, "web: a shared job queue needs a shared upload folder that every web process reads")
	}
	if ps, ok := c.Catalog.(pushes.Store); ok && c.Pushes == nil && c.Queue != nil {
		c.Pushes = ps
	}
	if c.Pushes == nil {
		c.Pushes = pushes.NewMemory()
	}
	if c.MaxUpload <= 0 {
		c.MaxUpload = 512 << 20
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 8 * time.Hour
	}
	if c.SessionMaxAge <= 0 {
		c.SessionMaxAge = 12 * time.Hour
	}
	if ss, ok := c.Catalog.(sessions.Store); ok && c.Sessions == nil {
		c.Sessions = ss
	}
	if fs, ok := c.Catalog.(sessions.FlowStore); ok && c.Flows == nil {
		c.Flows = fs
	}
	if fs, ok := c.Catalog.(FailureStore); ok && c.Failures == nil {
		c.Failures = fs
	}
	c.SignIn.defaults()
	c.Suggest.defaults()
	return c.validateServing()
}

// Server is the web app. Build one with [New]; it is an http.Handler.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	routes   []route
	pages    map[string]*template.Template
	sessions *sessionStore
	locks    *lockout
	addrs    *addressLimit
	suggests *addressLimit   // public suggestions per address (community_guard.go)
	pending  *pendingSignIns // sign-ins awaiting a second factor
	sso      map[string]*sso.Client
	ssoFlows *ssoFlows // single sign-ons under way (signin_sso.go)
	jobs     *jobStore
	themes   *publish.Cache       // published theme figures, by release (themes_views.go)
	datasets *publish.DatasetList // the dataset list's answer (api.go)
	assetFS  fs.FS                // the embedded bundle's files (assets.go)
	bundle   bundle               // the files a page loads
	built    bool                 // the UI bundle is embedded
	geojson  []byte               // the district boundaries, with code and name properties

	verified verification // the audit log's last verification (governpages_audit.go)
	// usesGrouped is how many log entries a "who used my data" page reads
	// (usesGroupedPage; tests page with fewer).
	usesGrouped int
}

// New builds a server from cfg, parsing every template so that a broken
// view fails here rather than on first use.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		mux:      http.NewServeMux(),
		pages:    pages,
		sessions: newSessionStore(cfg.Clock, cfg.Sessions, cfg.SessionTTL, cfg.SessionMaxAge),
		locks:    newLockout(cfg.Clock, cfg.Failures, cfg.SignIn.LockoutMax, cfg.SignIn.LockoutWindow),
		addrs:    newAddressLimit(cfg.Clock, cfg.SignIn.PerAddress, cfg.SignIn.AddressWindow),
		suggests: newAddressLimit(cfg.Clock, cfg.Suggest.PerAddress, cfg.Suggest.Window),
		pending:  newPendingSignIns(cfg.Clock, cfg.Flows),
		sso:      ssoClients(cfg.SSO, cfg.Clock, nil),
		ssoFlows: newSSOFlows(cfg.Clock, cfg.Flows),
		jobs:     newJobStore(cfg.Clock, cfg.Metrics),
		themes:   &publish.Cache{},
		datasets: &publish.DatasetList{Catalog: cfg.Catalog},

		usesGrouped: usesGroupedPage,
	}
	s.assetFS, s.bundle, s.built = assetFS()
	if cfg.Districts != nil {
		if s.geojson, err = districtGeoJSON(cfg.Districts); err != nil {
			return nil, err
		}
	}
	s.routes = s.routeTable()
	for _, r := range s.routes {
		s.mux.Handle(r.pattern(), s.wrap(r))
	}
	return s, nil
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	if s.overTLS(r) {
		w.Header().Set("Strict-Transport-Security", hstsValue)
	}
	s.observe(w, r, http.HandlerFunc(s.route))
}

// route hands r to its route, or to the answer for a path or method no
// route takes.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if h, pattern := s.mux.Handler(r); pattern == "" {
		s.unrouted(h).ServeHTTP(w, r)
		return
	}
	s.mux.ServeHTTP(w, r) // sets the route's path values, which Handler does not
}

// Serve listens on addr (HTTPS when a certificate is configured) and
// serves until ctx is done, then shuts down gracefully: requests in flight
// finish and background jobs get [Config.ShutdownGrace] before they are
// cancelled and recorded as interrupted.
func (s *Server) Serve(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		e := fault.Wrap(err, fault.Invalid, "cannot listen on %s: is another server using it? choose another address", addr)
		e.Field = "addr"
		return e
	}
	return s.ServeListener(ctx, ln)
}

// ServeListener is Serve on a listener the caller opened (tests use :0).
func (s *Server) ServeListener(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          slog.NewLogLogger(s.cfg.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(s.listen(ln)) }()
	wctx, cancel := context.WithCancel(context.Background())
	var background sync.WaitGroup
	background.Go(func() { s.janitor(wctx) })
	if s.cfg.Queue != nil {
		background.Go(func() { s.work(wctx) })
	}
	stopWork := func() { cancel(); background.Wait() }
	select {
	case err := <-errc:
		stopWork()
		return err
	case <-ctx.Done():
	}
	go stopWork() // claims no more; the job it runs is drained below
	return s.shutdown(hs, errc)
}

// Log is the server's logger, for the wiring's own notices.
func (s *Server) Log() *slog.Logger { return s.cfg.Log }

// Close stops background work (upload jobs' event streams).
func (s *Server) Close() {
	s.jobs.closeAll()
	if s.cfg.Queue == nil {
		// this process's pushes: the spool is its own
		ids, _ := s.cfg.Pushes.PushIDs(context.Background())
		for _, id := range ids {
			os.RemoveAll(filepath.Join(s.pushSpool(), (&pushes.Push{ID: id}).Dir()))
		}
	}
}
