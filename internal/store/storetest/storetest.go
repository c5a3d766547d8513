// Package storetest is the contract every store backend meets: the
// behaviour the rooms rely on through the interfaces they declare
// (catalog.Store, govern.Store, linkrun.Store, insight.Source,
// output.Store, disclose.ReleaseStore, disclose.Ledger, sessions.Store and
// the audit log), written once and run against each backend — the DuckDB
// store today, PostgreSQL next — the way litestream tests every replica
// client. A backend's test calls [Run] with an [Opener].
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/disclose/ledgertest"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/output"
	"github.com/civiclink/civiclink/internal/web/sessions"
)

// Store is a backend under test: every room's interface at once.
type Store interface {
	catalog.Store
	govern.Store
	govern.IdentityStore
	linkrun.Store
	insight.Source
	output.Store
	disclose.ReleaseStore
	disclose.Ledger
	sessions.Store
	sessions.FlowStore
	// the web app's lockout (web.AttemptStore and web.FailureStore)
	CountSignInAttempt(ctx context.Context, account string, now, since time.Time, max int) (time.Time, []time.Time, error)
	RemoveSignInFailure(ctx context.Context, account string, at time.Time) error
	ClearSignInFailures(ctx context.Context, account string, before time.Time) error
}

// AuditLog is a backend's audit log as the rooms use it: append, read by
// filter, verify.
type AuditLog interface {
	audit.Log
	Entries(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	Verify(ctx context.Context, opts audit.Options) (audit.Report, error)
}

// Opener makes a fresh, empty backend for one subtest, with its audit log,
// and closes both when the test ends.
type Opener func(t *testing.T) (Store, AuditLog)

// Run runs the whole contract against backends made by open, a fresh one
// per subtest.
func Run(t *testing.T, open Opener) {
	store := func(t *testing.T) Store { st, _ := open(t); return st }
	for _, c := range []struct {
		name string
		run  func(*testing.T, Store)
	}{
		{"catalog/partners", partners},
		{"catalog/datasets and versions", datasetsAndVersions},
		{"govern/users", users},
		{"govern/tokens", tokens},
		{"govern/agreements", agreements},
		{"govern/purposes", purposes},
		{"govern/opt-outs", optOuts},
		{"govern/decision state", decisionState},
		{"govern/single sign-on links", identities},
		{"sessions/live until idle or expired", webSessions},
		{"sessions/end", webSessionEnd},
		{"sessions/sweep", webSessionSweep},
		{"sessions/sign-in flows", signInFlows},
		{"sessions/sign-in attempts counted at once", signInAttempts},
		{"linkage/runs", linkageRuns},
		{"linkage/review and labels", reviewAndLabels},
		{"linkage/adoptions and approvals", adoptionsAndApprovals},
		{"query/aggregate", aggregate},
		{"query/cohort", cohort},
		{"outputs/lifecycle", outputs},
		{"outputs/reports", reportOutputs},
		{"outputs/release record", releases},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, store(t)) })
	}
	t.Run("budget", func(t *testing.T) {
		ledgertest.Run(t, func(t *testing.T) disclose.Ledger { return store(t) })
	})
	t.Run("audit/append, read and verify", func(t *testing.T) { _, log := open(t); auditLog(t, log) })
}
