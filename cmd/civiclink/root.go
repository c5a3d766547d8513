package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/app"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/metrics"
)

// Main wires civiclink's rooms together for one invocation. Tests build one
// with their own writers, data path and clock and call Run, so an end-to-end
// test drives exactly what a user runs.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Clock  clock.Clock

	// DataPath is the store file (--data, CIVICLINK_DATA).
	DataPath string
	// User is who acts (--user, CIVICLINK_USER, else the OS user).
	User string
	// PTablePath is the perturbation table counts are published through
	// (--ptable, CIVICLINK_PTABLE); empty means the shipped default.
	PTablePath string

	// web are serve's settings of the web app (serve.go).
	web webOptions

	closers []io.Closer
	// serving holds `serve`'s production settings (nil for the demo's
	// plain local serving); metrics are the server's, once it is wired.
	serving *serveOptions
	metrics *metrics.Metrics
	svc     *app.Services // built once by [Main.services]
}

// NewMain returns a Main reading and writing the process's standard streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Clock: clock.System{}}
}

// Run parses args and runs the chosen subcommand.
func (m *Main) Run(ctx context.Context, args []string) error {
	root := m.rootCmd()
	root.SetArgs(args)
	root.SetIn(m.Stdin)
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		if fault.Code(err) == fault.Internal && isUsageError(err) {
			return fault.Errorf(fault.Invalid, "%s (see --help)", err.Error())
		}
		return err
	}
	return nil
}

// Close releases whatever the subcommand opened (the store). An error
// says what could not be let go of: a store whose DuckDB file stays open
// in this process because a connection was still in use (a bug where it
// was opened; tests that run commands in one process fail on it).
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		if err := m.closers[i].Close(); err != nil {
			errs = append(errs, err)
		}
	}
	m.closers, m.svc = nil, nil
	return errors.Join(errs...)
}

func (m *Main) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "civiclink",
		Short:         "Share, link and analyse partner data safely",
		Long:          "civiclink lets a public-service partnership share data under agreements, link records about the same person without seeing who they are, and publish disclosure-safe figures.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fault.Errorf(fault.Invalid, "%v (see %s --help)", err, c.CommandPath())
	})
	root.PersistentFlags().StringVar(&m.DataPath, "data", defaultData(), "the store file, or a postgres:// URL for server mode (env CIVICLINK_DATA, CIVICLINK_DATABASE_URL)")
	root.PersistentFlags().StringVar(&m.User, "user", defaultUser(), "who is acting (env CIVICLINK_USER)")
	root.PersistentFlags().StringVar(&m.PTablePath, "ptable", os.Getenv("CIVICLINK_PTABLE"), "the perturbation table published counts go through (CSV, see docs/disclosure.md; env CIVICLINK_PTABLE); empty: the shipped default")
	root.AddCommand(
		m.partnerCmd(),
		m.datasetCmd(),
		m.ingestCmd(),
		m.benchCmd(),
		m.demoCmd(),
		m.queryCmd(),
		m.outputCmd(),
		m.loadCmd(),
		m.synthCmd(),
		m.linkCmd(),
		m.serveCmd(),
		m.pushCmd(),
		m.backupCmd(), m.restoreCmd(), m.migrateCmd(),
		m.pseudonymiseCmd(),
		m.auditCmd(),
		m.userCmd(), m.agreementCmd(), m.purposeCmd(), m.optoutCmd(), m.retentionCmd(),
		m.communityCmd(),
		m.programmeCmd(), m.claimsCmd(), m.reportCmd(),
		m.voiceCmd(),
		// more commands are added here, one file each
	)
	return root
}

func defaultUser() string {
	if u := os.Getenv("CIVICLINK_USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// isUsageError reports whether err is cobra's complaint about an unknown
// command (flag and argument errors are turned into fault errors where they
// arise).
func isUsageError(err error) bool {
	return strings.HasPrefix(err.Error(), "unknown command") || strings.HasPrefix(err.Error(), "unknown flag")
}

// exactArgs is cobra.ExactArgs with a domain error that names the arguments.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fault.Errorf(fault.Invalid, "%s takes %s (got %d arguments; see --help)", cmd.CommandPath(), names, len(args))
		}
		return nil
	}
}
