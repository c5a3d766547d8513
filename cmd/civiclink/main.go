// Command civiclink is the partnership's data-sharing and analytics platform:
// one binary for partners (pseudonymise), analysts (ingest, link, query),
// information-governance officers (agreements, audit) and the web app.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/civiclink/civiclink/internal/fault"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	m.Close()
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
// driver error (which may contain data).
func errorText(err error) string {
	if diskFull(err) {
		return "the disk holding the store is full: the command stopped and left nothing half-written; free space on it and run the command again (" + err.Error() + ")"
	}
	if fault.Code(err) == fault.Internal {
		return fault.Message(err) + " (" + err.Error() + ")"
	}
	return fault.Message(err)
}

// diskFull reports whether err comes from a full disk (DuckDB reports it
// in its message, not as an errno).
func diskFull(err error) bool {
	msg := strings.ToLower(err.Error())
	return errors.Is(err, syscall.ENOSPC) || strings.Contains(msg, "no space left on device")
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
