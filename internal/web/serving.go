package web

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// What production serving adds to the app: TLS with HSTS, the client's
// address behind trusted reverse proxies, a log line and metrics per
// request, liveness and readiness, and a graceful shutdown that lets
// background jobs finish or records them as interrupted.

// DefaultShutdownGrace is how long a shutdown waits for background jobs
// when [Config.ShutdownGrace] is not set.
const DefaultShutdownGrace = 30 * time.Second

// hstsValue is the Strict-Transport-Security header sent over HTTPS: a
// year, subdomains included.
const hstsValue = "max-age=31536000; includeSubDomains"

// validateServing checks the serving settings and fills their defaults.
func (c *Config) validateServing() error {
	if (c.TLSCertFile == "") != (c.TLSKeyFile == "") {
		return fault.Errorf(fault.Invalid, "HTTPS needs both a certificate file and a key file; give both or neither")
	}
	if c.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCertFile, c.TLSKeyFile)
		if err != nil {
			return fault.Errorf(fault.Invalid, "cannot load the TLS certificate %s and key %s: %v; they must be PEM files that belong together", c.TLSCertFile, c.TLSKeyFile, err)
		}
		c.tlsCert = &cert
		c.SecureCookies = true
	}
	if c.ShutdownGrace <= 0 {
		c.ShutdownGrace = DefaultShutdownGrace
	}
	return nil
}

// observe serves r through next, then logs the request and records its
// metrics under the route pattern the mux matched.
func (s *Server) observe(w http.ResponseWriter, r *http.Request, next http.Handler) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
	next.ServeHTTP(sw, r)
	d := time.Since(start)
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.cfg.Metrics.Request(route, r.Method, sw.code, d)
	if !s.cfg.AccessLog && sw.code < 500 {
		return
	}
	s.cfg.Log.LogAttrs(r.Context(), levelFor(sw.code), "request",
		slog.String("method", r.Method), slog.String("route", route), slog.String("path", r.URL.Path),
		slog.Int("status", sw.code), slog.Duration("duration", d), slog.String("client", clientAddr(r, s.cfg.TrustedProxies)))
}

// levelFor is the log level of a request answered with code: server
// errors are errors, the rest information.
func levelFor(code int) slog.Level {
	if code >= 500 {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// recordInterrupted puts a job the shutdown cut short on the audit log, so
// its owner and the auditors can see it did not finish.
func (s *Server) recordInterrupted(j Job) {
	e := govern.Event{User: j.UserID, Action: "job.interrupted", Target: j.Kind + "-job:" + j.ID, Outcome: audit.Error,
		Reason: "the server shut down before the job finished; nothing it was writing was kept: start it again"}
	if j.DatasetID != "" {
		e.Target += " dataset:" + j.DatasetID
	}
	if err := s.record(context.Background(), e); err != nil {
		s.cfg.Log.Error("audit: interrupted job not recorded", "job", j.ID, "err", err)
	}
	s.cfg.Log.Warn("job interrupted by shutdown", "job", j.ID, "kind", j.Kind, "user", j.UserID)
}

// statusWriter remembers the status code a handler wrote. It passes
// Flush through for the job event streams.
type statusWriter struct {
	http.ResponseWriter
	code    int
	written bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.written {
		w.code, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.ResponseWriter.Write(b)
}

// Flush sends buffered data to the client.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// clientIP is the address of the client a request comes from (see
// clientAddr: behind trusted proxies, from X-Forwarded-For).
func (s *Server) clientIP(r *http.Request) netip.Addr {
	a, _ := netip.ParseAddr(clientAddr(r, s.cfg.TrustedProxies))
	return a.Unmap()
}

// healthz answers while the process serves (liveness): it touches nothing.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]string{"status": "alive"})
	return nil
}

// readyz answers 200 when the store is open and its migrations applied
// (readiness), 503 otherwise.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Health != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
		defer cancel()
		if err := s.cfg.Health(ctx); err != nil {
			s.cfg.Log.Error("readiness check failed", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return nil
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

// metrics serves the Prometheus metrics to clients on loopback or in
// [Config.MetricsFrom]; anyone else is refused.
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.Metrics == nil {
		return fault.Errorf(fault.NotFound, "metrics are not enabled on this server")
	}
	c := s.clientIP(r)
	allowed := c.IsLoopback()
	for _, p := range s.cfg.MetricsFrom {
		allowed = allowed || p.Contains(c)
	}
	if !allowed {
		return fault.Errorf(fault.Forbidden, "metrics are served only to loopback and the addresses the server's metrics setting allows")
	}
	s.cfg.Metrics.Handler().ServeHTTP(w, r)
	return nil
}

// listen wraps ln in TLS when a certificate is configured.
func (s *Server) listen(ln net.Listener) net.Listener {
	if s.cfg.tlsCert == nil {
		return ln
	}
	return tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*s.cfg.tlsCert}, MinVersion: tls.VersionTLS12})
}

// shutdown stops hs gracefully: no new connections, requests in flight
// finish, background jobs get the grace period to finish and are then
// cancelled and recorded as interrupted.
func (s *Server) shutdown(hs *http.Server, errc <-chan error) error {
	grace := s.cfg.ShutdownGrace
	shut, cancel := context.WithTimeout(context.Background(), grace+10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- hs.Shutdown(shut) }()
	s.cfg.Log.Info("shutting down", "grace", grace.String(), "jobs", s.jobs.unfinished())
	interrupted := s.jobs.drain(grace)
	for _, j := range interrupted {
		s.recordInterrupted(j)
	}
	err := <-done
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	s.cfg.Log.Info("shut down", "interrupted_jobs", len(interrupted))
	return err
}
