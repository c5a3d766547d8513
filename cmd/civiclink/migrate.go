package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/store/postgres"
)

func (m *Main) migrateCmd() *cobra.Command {
	var from, to, engine, keyPath string
	cmd := &cobra.Command{
		Use:   "migrate --from FILE.duckdb --to postgres://… [--engine FILE]",
		Short: "Move an embedded store to PostgreSQL (server mode), verifying the audit log before and after",
		Long: `Copies the platform's state (users, tokens, agreements, opt-outs, sessions,
budgets, outputs, the release record and the audit log) from an embedded
store into an empty PostgreSQL database, and its catalogue, dataset versions
and linkage runs into a new analytics engine file (--engine, default
CIVICLINK_ENGINE or civiclink-engine.duckdb). The audit log is verified in
the source first and in the copy before it is committed: the same entries
and root. A target database that holds any state, or an engine file that
exists, is refused; if anything fails, nothing is left half-migrated.
Stop the servers on the source first. See docs/server-mode.md.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if engine == "" {
				engine = enginePath()
			}
			return m.migrate(cmd.Context(), from, to, engine, keyPath)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the embedded store file to copy")
	cmd.Flags().StringVar(&to, "to", "", "the empty PostgreSQL database (postgres://user@host:port/db)")
	cmd.Flags().StringVar(&engine, "engine", "", "the new analytics engine file (default CIVICLINK_ENGINE or civiclink-engine.duckdb)")
	cmd.Flags().StringVar(&keyPath, "audit-key", "", "the audit signing key file, to check signatures against (default <from>.audit-key when it exists)")
	return cmd
}

// migrate copies the store at from into the database at to and a new
// engine file: the engine first, under a temporary name, then the state
// in one transaction, and only then the engine renamed into place.
func (m *Main) migrate(ctx context.Context, from, to, engine, keyPath string) error {
	if err := migrateArgs(from, to, engine); err != nil {
		return err
	}
	src, err := store.Open(ctx, from)
	if err != nil {
		return err
	}
	defer src.Close()
	opts, trustedFrom := migrateTrust(from, keyPath)
	tmpDir, err := os.MkdirTemp(filepath.Dir(engine), ".migrate-")
	if err != nil {
		return fault.Wrap(err, fault.Invalid, "cannot write beside %s: is its folder writable?", engine)
	}
	defer os.RemoveAll(tmpDir)
	if _, err := src.Backup(ctx, filepath.Join(tmpDir, "backup")); err != nil {
		return err
	}
	staged := filepath.Join(tmpDir, "engine.duckdb")
	if _, err := store.Restore(ctx, filepath.Join(tmpDir, "backup"), staged); err != nil {
		return err
	}
	pg, err := postgres.Open(ctx, to, "")
	if err != nil {
		return asField(err, "data", "to")
	}
	defer pg.Close()
	got, err := pg.ImportState(ctx, src, opts)
	if err != nil {
		return asField(err, "data", "to")
	}
	if err := os.Rename(staged, engine); err != nil {
		return fault.Wrap(err, fault.Internal, "the state is in %s but the engine file could not be put at %s (it is at %s): move it there by hand", pg.Path(), engine, staged)
	}
	m.migrateReport(from, pg.Path(), engine, trustedFrom, got)
	return nil
}

func migrateArgs(from, to, engine string) error {
	switch {
	case from == "":
		return fault.FieldErrorf(fault.Invalid, "from", "name the embedded store to copy")
	case !postgres.IsURL(to):
		return fault.FieldErrorf(fault.Invalid, "to", "name the target as a postgres:// URL")
	}
	if _, err := os.Stat(from); err != nil {
		return fault.FieldErrorf(fault.NotFound, "from", "there is no store %s", from)
	}
	if _, err := os.Stat(engine); err == nil {
		return fault.FieldErrorf(fault.Conflict, "engine", "%s already exists: name a new analytics engine file; nothing was migrated", engine)
	}
	return nil
}

// migrateTrust trusts the signing key file's public half when it can be
// read, so the copy is checked against a key from outside the store.
func migrateTrust(from, keyPath string) (audit.Options, string) {
	if keyPath == "" {
		keyPath = from + ".audit-key"
	}
	k, err := audit.LoadKey(keyPath)
	if err != nil {
		return audit.Options{}, ""
	}
	return audit.Options{Trusted: []ed25519.PublicKey{k.Public().(ed25519.PublicKey)}}, keyPath
}

// asField renames an error's field (the target's "data" is --to here).
func asField(err error, from, to string) error {
	if fe, ok := err.(*fault.Error); ok && fe.Field == from {
		c := *fe
		c.Field = to
		return &c
	}
	return err
}

func (m *Main) migrateReport(from, to, engine, trustedFrom string, got *postgres.Imported) {
	var parts []string
	tables := make([]string, 0, len(got.Rows))
	for t, n := range got.Rows {
		if n > 0 && !strings.HasPrefix(t, "audit_") {
			tables = append(tables, t)
		}
	}
	sort.Strings(tables)
	for _, t := range tables {
		parts = append(parts, fmt.Sprintf("%s %d", t, got.Rows[t]))
	}
	fmt.Fprintf(m.Stdout, "migrated %s to %s: %s\n", from, to, strings.Join(parts, ", "))
	fmt.Fprintf(m.Stdout, "audit log: %d entries, root %x, verified in the source and in the copy", got.Audit.Size, got.Audit.Root)
	if trustedFrom != "" {
		fmt.Fprintf(m.Stdout, " (signatures checked against %s)", trustedFrom)
	}
	fmt.Fprintf(m.Stdout, "\nanalytics engine (catalogue, dataset versions, linkage runs): %s\n", engine)
	mfaKey := "" // second-factor secrets are sealed with the source's key (mfa_key.go)
	if _, err := os.Stat(from + ".mfa-key"); err == nil {
		mfaKey = " CIVICLINK_MFA_KEY_FILE=" + from + ".mfa-key"
	}
	fmt.Fprintf(m.Stdout, "serve with: CIVICLINK_DATABASE_URL=%s CIVICLINK_ENGINE=%s CIVICLINK_AUDIT_KEY_FILE=%s.audit-key%s civiclink serve\n", to, engine, from, mfaKey)
}
