// Package metrics holds the Prometheus metrics a civiclink server exports
// at /metrics: requests and their latency by route pattern, background
// jobs, audit-log appends and sign-in failures, beside the Go runtime's and
// the process's own. Rooms take the one [Metrics] value the wiring makes and
// record into it; a nil *Metrics records nothing.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/civiclink/civiclink/internal/audit"
)

// Metrics are a server's metrics, in their own registry.
type Metrics struct {
	reg            *prometheus.Registry
	requests       *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	jobsRunning    *prometheus.GaugeVec
	jobsFinished   *prometheus.CounterVec
	auditAppend    prometheus.Histogram
	auditFailures  prometheus.Counter
	signInFailures *prometheus.CounterVec
}

// New makes the metrics and registers them with the Go and process
// collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civiclink_http_requests_total", Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "civiclink_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
		jobsRunning: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "civiclink_jobs_running", Help: "Background jobs (uploads, linkage runs) running now, by kind.",
		}, []string{"kind"}),
		jobsFinished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civiclink_jobs_finished_total", Help: "Background jobs finished, by kind and outcome (done, failed, interrupted).",
		}, []string{"kind", "outcome"}),
		auditAppend: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "civiclink_audit_append_seconds", Help: "Time from asking the audit log to append an entry to its being durable (the append lag a request waits).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		auditFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "civiclink_audit_append_failures_total", Help: "Audit appends that failed (the action they recorded was refused).",
		}),
		signInFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "civiclink_signin_failures_total", Help: "Refused sign-ins, by reason (password, locked).",
		}, []string{"reason"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.jobsRunning, m.jobsFinished, m.auditAppend, m.auditFailures, m.signInFailures,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Request records one answered request of a route pattern.
func (m *Metrics) Request(route, method string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(route, method).Observe(d.Seconds())
}

// JobStarted records a background job of a kind starting.
func (m *Metrics) JobStarted(kind string) {
	if m == nil {
		return
	}
	m.jobsRunning.WithLabelValues(kind).Inc()
}

// JobFinished records a background job ending with an outcome (done,
// failed or interrupted).
func (m *Metrics) JobFinished(kind, outcome string) {
	if m == nil {
		return
	}
	m.jobsRunning.WithLabelValues(kind).Dec()
	m.jobsFinished.WithLabelValues(kind, outcome).Inc()
}

// SignInFailed records a refused sign-in.
func (m *Metrics) SignInFailed(reason string) {
	if m == nil {
		return
	}
	m.signInFailures.WithLabelValues(reason).Inc()
}

// AuditLog wraps an audit log so that every append is timed; with nil
// metrics it returns log unchanged.
func (m *Metrics) AuditLog(log audit.Log) audit.Log {
	if m == nil {
		return log
	}
	return timedLog{log: log, m: m}
}

// timedLog is an audit log whose appends are timed.
type timedLog struct {
	log audit.Log
	m   *Metrics
}

// Append appends e and records how long it took.
func (t timedLog) Append(ctx context.Context, e audit.Event) (audit.Entry, error) {
	start := time.Now()
	en, err := t.log.Append(ctx, e)
	t.m.auditAppend.Observe(time.Since(start).Seconds())
	if err != nil {
		t.m.auditFailures.Inc()
	}
	return en, err
}
