package main

import (
	"io"
	"log/slog"
	"net/netip"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/sso"
	"github.com/civiclink/civiclink/internal/web"
)

// serveOptions are `civiclink serve`'s production settings.
type serveOptions struct {
	tlsCert, tlsKey string
	metricsArgs     []string
	logFormat       string
	grace           time.Duration
	ssoFile         string

	metricsNets []netip.Prefix
	sso         *sso.Config
}

func (o *serveOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.tlsCert, "tls-cert", "", "serve HTTPS with this PEM certificate (chain) file")
	f.StringVar(&o.tlsKey, "tls-key", "", "the PEM private key of --tls-cert")
	f.StringSliceVar(&o.metricsArgs, "metrics-from", nil, "an address or network (CIDR), beside loopback, that may read /metrics; repeatable")
	f.StringVar(&o.logFormat, "log-format", "text", "log lines as text or json")
	f.DurationVar(&o.grace, "shutdown-grace", web.DefaultShutdownGrace, "on shutdown, how long background jobs may run on before they are cancelled")
	ssoFlag(cmd, &o.ssoFile)
}

// parse checks the flags and reads the networks.
func (o *serveOptions) parse() error {
	if o.logFormat != "text" && o.logFormat != "json" {
		return fault.Errorf(fault.Invalid, "--log-format must be text or json, not %q", o.logFormat)
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return fault.Errorf(fault.Invalid, "--tls-cert and --tls-key go together: give both or neither")
	}
	if o.grace <= 0 {
		return fault.Errorf(fault.Invalid, "--shutdown-grace must be positive, e.g. 30s")
	}
	var err error
	if o.sso, err = loadSSO(o.ssoFile); err != nil {
		return err
	}
	o.metricsNets, err = parseProxies("--metrics-from", o.metricsArgs)
	return err
}

// logger writes the server's log to w in the chosen format.
func (o *serveOptions) logger(w io.Writer) *slog.Logger {
	if o.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
