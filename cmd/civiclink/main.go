// Command civiclink is the partnership's data-sharing and analytics platform:
// one binary for partners (pseudonymise), analysts (ingest, link, query),
// information-governance officers (agreements, audit) and the web app.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/civiclink/civiclink/internal/fault"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	if cerr := m.Close(); cerr != nil {
		fmt.Fprintf(os.Stderr, "civiclink: %s\n", errorText(cerr))
	}
	if err != nil && ctx.Err() != nil {
		// a signal stopped the command: say so rather than show the
		// cancellation as a fault
		fmt.Fprintf(os.Stderr, "civiclink: interrupted (%s); what was under way was stopped and its temporary files removed\n", errorText(err))
		os.Exit(130)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "civiclink: %s\n", errorText(err))
		os.Exit(exitCode(err))
	}
}

// errorText is what a user sees of err: the domain message, never a raw
// driver error (which may contain data), with the flag that gives the
// field the error is about.
func errorText(err error) string {
	if diskFull(err) {
		return "the disk holding the store is full: the command stopped and left nothing half-written; free space on it and run the command again (" + err.Error() + ")"
	}
	if fault.Code(err) == fault.Internal {
		return fault.Message(err) + " (" + err.Error() + ")"
	}
	if f := fault.Field(err); f != "" {
		return fault.Message(err) + " (" + flagFor(f) + ")"
	}
	return fault.Message(err)
}

// diskFull reports whether err comes from a full disk (DuckDB reports it
// in its message, not as an errno).
func diskFull(err error) bool { return fault.IsDiskFull(err) }

// fieldFlags says a domain error's field (fault.Error.Field) as the CLI
// gives it, where that is more than the flag of the same name.
var fieldFlags = map[string]string{
	"user":      "--user, or CIVICLINK_USER",
	"schema":    "--schema FILE",
	"rejects":   "--rejects FILE",
	"datasets":  "--datasets a,b,c",
	"purposes":  "--purposes id,id or --purposes '*'",
	"config":    "--config FILE",
	"data":      "--data FILE",
	"audit-key": "--audit-key FILE",
}

// flagFor is the flag that gives field: fieldFlags' words, else --field.
func flagFor(field string) string {
	if f, ok := fieldFlags[field]; ok {
		return f
	}
	return "--" + field
}

// exitCode maps a domain error code onto the process exit status.
func exitCode(err error) int {
	switch fault.Code(err) {
	case fault.Invalid:
		return 2
	case fault.Unauthorized, fault.Forbidden:
		return 3
	case fault.NotFound:
		return 4
	case fault.Conflict:
		return 5
	case fault.Disclosure:
		return 6
	case fault.Busy:
		return 7
	default:
		return 1
	}
}
