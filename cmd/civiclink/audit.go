package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/app"
	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/store"
)

// audit returns the store's audit log, signing with the key file (created
// on first use, mode 0600). Commands call it to record what they do:
//
//	log, err := m.audit(ctx)
//	_, err = log.Append(ctx, audit.Event{User: m.User, Action: audit.ActionIngest, ...})
func (m *Main) audit(ctx context.Context) (audit.Log, error) {
	log, err := m.auditLog(ctx, "")
	if err != nil {
		return nil, err
	}
	return m.metrics.AuditLog(log), nil
}

// record appends e to the audit log, filling in the acting user when e
// names none.
func (m *Main) record(ctx context.Context, e audit.Event) error {
	if e.User == "" {
		e.User = m.User
	}
	log, err := m.audit(ctx)
	if err != nil {
		return err
	}
	_, err = log.Append(ctx, e)
	return err
}

// auditLog opens the audit log with the signing key at keyPath (see
// [Main.auditKeyPath] for the default).
func (m *Main) auditLog(ctx context.Context, keyPath string) (app.AuditLog, error) {
	b, err := m.backend(ctx)
	if err != nil {
		return nil, err
	}
	key, err := m.auditKey(ctx, keyPath)
	if err != nil {
		return nil, err
	}
	return auditLogOf(ctx, b, key)
}

// currentStore returns the store this invocation already opened, or opens
// it, so a command and its audit record share one handle.
func (m *Main) currentStore(ctx context.Context) (*store.Store, error) {
	for _, c := range m.closers {
		if s, ok := c.(*store.Store); ok {
			return s, nil
		}
	}
	if pg := m.openedPostgres(); pg != nil {
		return pg.Engine(), nil
	}
	return m.openStore(ctx)
}

// auditKeyPath is where the signing key lives: --audit-key, else
// CIVICLINK_AUDIT_KEY_FILE, else beside the store as <data>.audit-key. It
// is "" for an in-memory store.
func (m *Main) auditKeyPath(flag string) string {
	switch {
	case flag != "":
		return flag
	case os.Getenv("CIVICLINK_AUDIT_KEY_FILE") != "":
		return os.Getenv("CIVICLINK_AUDIT_KEY_FILE")
	case m.DataPath == "":
		return ""
	case m.onPostgres():
		return enginePath() + ".audit-key"
	}
	return m.DataPath + ".audit-key"
}

// auditKey loads the signing key, or creates it when the log has none yet;
// an in-memory store gets a throw-away key. A log already signed with a key
// whose file is missing is an error: a new key would break the chain of
// signatures.
func (m *Main) auditKey(ctx context.Context, flag string) (ed25519.PrivateKey, error) {
	path := m.auditKeyPath(flag)
	if path == "" {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	k, err := audit.LoadKey(path)
	if fault.Code(err) != fault.NotFound {
		return k, err
	}
	if ids, err := m.auditKeyIDs(ctx); err != nil || len(ids) > 0 {
		if err == nil {
			err = fault.Errorf(fault.NotFound, "the audit signing key file %s is missing, but this log is signed with %s: restore that file, or point --audit-key or CIVICLINK_AUDIT_KEY_FILE at it", path, strings.Join(ids, ", "))
		}
		return nil, err
	}
	k, created, err := audit.LoadOrCreateKey(path)
	if created && m.serving != nil {
		m.serving.logger(m.Stderr).Warn("created the audit signing key: keep it safe and away from the store; give partners `civiclink audit key`", "key", path)
	} else if created {
		fmt.Fprintf(m.Stderr, "created the audit signing key %s: keep it safe and away from the store; give partners `civiclink audit key`\n", path)
	}
	return k, err
}

// auditKeyIDs lists the ids of the signing keys the store records.
func (m *Main) auditKeyIDs(ctx context.Context) ([]string, error) {
	log, err := m.readAuditLog(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := log.Keys(ctx)
	var ids []string
	for id := range keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, err
}

func (m *Main) auditCmd() *cobra.Command {
	var keyPath string
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Read, prove and export the tamper-evident audit log (see docs/audit.md)",
	}
	cmd.PersistentFlags().StringVar(&keyPath, "audit-key", "", "the audit signing key file (env CIVICLINK_AUDIT_KEY_FILE; default <data>.audit-key)")
	cmd.AddCommand(
		m.auditListCmd(&keyPath),
		m.auditUsesCmd(&keyPath),
		m.auditVerifyCmd(&keyPath),
		m.auditProveCmd(&keyPath),
		m.auditHeadCmd(),
		m.auditKeyCmd(&keyPath),
	)
	return cmd
}

// auditFilterFlags binds the flags shared by list and uses.
type auditFilterFlags struct {
	f            audit.Filter
	since, until string
	json         bool
}

func (ff *auditFilterFlags) bind(cmd *cobra.Command, withOwner bool) {
	fs := cmd.Flags()
	fs.StringVar(&ff.f.User, "actor", "", "only actions by this user")
	fs.StringVar(&ff.f.Partner, "actor-partner", "", "only actions on behalf of this partner")
	if withOwner {
		fs.StringVar(&ff.f.Owner, "owner", "", "only actions that touched this partner's data")
	}
	fs.StringVar(&ff.f.Dataset, "dataset", "", "only actions on this dataset (id, or id@version)")
	fs.StringVar(&ff.f.Action, "action", "", "only this action, e.g. query or agreement.approve")
	fs.StringVar(&ff.f.Outcome, "outcome", "", "only this outcome: allowed, denied or error")
	fs.StringVar(&ff.f.Agreement, "agreement", "", "only actions under this agreement")
	fs.StringVar(&ff.since, "since", "", "from this time (RFC 3339 or YYYY-MM-DD, inclusive)")
	fs.StringVar(&ff.until, "until", "", "before this time (RFC 3339 or YYYY-MM-DD, exclusive)")
	fs.Uint64Var(&ff.f.From, "from", 0, "start at this entry index")
	fs.BoolVar(&ff.f.Newest, "newest", false, "newest first; with --limit, the newest entries")
	fs.Uint64Var(&ff.f.Before, "before", 0, "only entries below this index (with --newest, the next page: the last index shown)")
	fs.IntVar(&ff.f.Limit, "limit", 0, "show at most this many entries (0 for all)")
	fs.BoolVar(&ff.json, "json", false, "print one JSON object per entry")
}

// filter returns the parsed filter.
func (ff *auditFilterFlags) filter() (audit.Filter, error) {
	var err error
	if ff.f.Since, err = parseAuditTime("since", ff.since); err != nil {
		return ff.f, err
	}
	ff.f.Until, err = parseAuditTime("until", ff.until)
	return ff.f, err
}

func parseAuditTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fault.Errorf(fault.Invalid, "--%s %q is not a time: use RFC 3339 (2026-11-23T09:00:00Z) or a date (2026-11-23)", name, s)
}

// auditEntries lists what the flags select and records that the audit log was
// read (action, the filter, how many entries were shown); a read that cannot
// be recorded is refused.
func (m *Main) auditEntries(ctx context.Context, ff *auditFilterFlags, action, keyPath string) ([]audit.Entry, error) {
	f, err := ff.filter()
	if err != nil {
		return nil, err
	}
	log, err := m.auditLog(ctx, keyPath)
	if err != nil {
		return nil, err
	}
	es, err := log.Entries(ctx, f)
	ev := audit.Event{User: m.User, Action: action, Target: "audit-log", Outcome: audit.Allowed}
	if err != nil {
		ev.Outcome, ev.Reason = audit.Error, fault.Message(err)
	}
	ev.Details, _ = json.Marshal(map[string]any{"filter": f, "entries": len(es)})
	if _, rerr := log.Append(ctx, ev); rerr != nil && err == nil {
		return nil, rerr
	}
	return es, err
}

func (m *Main) auditListCmd(keyPath *string) *cobra.Command {
	var ff auditFilterFlags
	cmd := &cobra.Command{
		Use:   "list [filters]",
		Short: "List audit entries (everything, or what the filters select)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			es, err := m.auditEntries(cmd.Context(), &ff, "audit.list", *keyPath)
			if err != nil {
				return err
			}
			if ff.json {
				return m.printAuditJSON(es)
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "INDEX\tTIME\tUSER\tPARTNER\tACTION\tTARGET\tPURPOSE\tAGREEMENT\tOUTCOME\tREASON")
			for _, e := range es {
				v := e.Event
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Index, v.Time.Format(time.RFC3339),
					v.User, orDash(v.Partner), v.Action, orDash(v.Target), orDash(v.Purpose), orDash(v.Agreement), v.Outcome, orDash(v.Reason))
			}
			return w.Flush()
		},
	}
	ff.bind(cmd, true)
	return cmd
}

func (m *Main) auditUsesCmd(keyPath *string) *cobra.Command {
	var ff auditFilterFlags
	cmd := &cobra.Command{
		Use:   "uses --partner P [filters]",
		Short: "Who used a partner's data, for what, under which agreement",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ff.f.Owner == "" {
				return fault.Errorf(fault.Invalid, "audit uses needs --partner: the partner whose data you ask about")
			}
			es, err := m.auditEntries(cmd.Context(), &ff, "audit.uses", *keyPath)
			if err != nil {
				return err
			}
			if ff.json {
				return m.printAuditJSON(es)
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "INDEX\tTIME\tUSER\tFOR PARTNER\tACTION\tDATA USED\tPURPOSE\tAGREEMENT\tOUTCOME")
			for _, e := range es {
				v := e.Event
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Index, v.Time.Format(time.RFC3339),
					v.User, orDash(v.Partner), v.Action, auditOwnedBy(v, ff.f.Owner), orDash(v.Purpose), orDash(v.Agreement), v.Outcome)
			}
			fmt.Fprintf(w, "%d uses of %s's data\n", len(es), ff.f.Owner)
			return w.Flush()
		},
	}
	ff.bind(cmd, false)
	cmd.Flags().StringVar(&ff.f.Owner, "partner", "", "the partner whose data you ask about")
	return cmd
}

// auditOwnedBy lists the datasets of e owned by owner.
func auditOwnedBy(e audit.Event, owner string) string {
	var ids []string
	for _, d := range e.Datasets {
		if d.Owner == owner {
			ids = append(ids, d.ID)
		}
	}
	return strings.Join(ids, ",")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printAuditJSON prints one object per line: the index and the event.
func (m *Main) printAuditJSON(es []audit.Entry) error {
	enc := json.NewEncoder(m.Stdout)
	for _, e := range es {
		if err := enc.Encode(struct {
			Index uint64 `json:"index"`
			audit.Event
		}{e.Index, e.Event}); err != nil {
			return err
		}
	}
	return nil
}

func (m *Main) auditHeadCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "head [--out head.json]",
		Short: "Export the latest signed tree head, for a partner to keep and check later",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := m.readAuditLog(cmd.Context())
			if err != nil {
				return err
			}
			h, err := log.LatestHead(cmd.Context())
			if err != nil {
				return err
			}
			return m.auditWriteOut(out, h.MarshalIndent(), fmt.Sprintf("tree head of %d entries", h.Size))
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the head to this file instead of standard output")
	return cmd
}

func (m *Main) auditKeyCmd(keyPath *string) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "key [--out key.pem]",
		Short: "Export the public key that signs tree heads, for partners to pin",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			pub, err := m.auditPublicKey(ctx, *keyPath)
			if err != nil {
				return err
			}
			return m.auditWriteOut(out, audit.EncodePublicKey(pub), "public key "+audit.KeyID(pub))
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "write the key to this file instead of standard output")
	return cmd
}

// auditPublicKey returns the signing key's public half: from the key file
// when it can be read, else the one key the store records (with a note that
// it comes from the store), else a new key's.
func (m *Main) auditPublicKey(ctx context.Context, keyPath string) (ed25519.PublicKey, error) {
	k, err := m.auditKey(ctx, keyPath)
	if err == nil {
		return k.Public().(ed25519.PublicKey), nil
	}
	if fault.Code(err) != fault.NotFound {
		return nil, err
	}
	log, lerr := m.readAuditLog(ctx)
	if lerr != nil {
		return nil, lerr
	}
	keys, lerr := log.Keys(ctx)
	if lerr != nil || len(keys) != 1 {
		return nil, err
	}
	for _, pub := range keys {
		fmt.Fprintf(m.Stderr, "note: the key file is not readable here; this is the public key recorded in the store, so check it against one the key holder gave you\n")
		return pub, nil
	}
	return nil, err
}

// auditWriteOut writes b to path, or to standard output when path is "".
func (m *Main) auditWriteOut(path string, b []byte, what string) error {
	if path == "" {
		_, err := m.Stdout.Write(b)
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fault.Wrap(err, fault.Invalid, "cannot write %s", path)
	}
	fmt.Fprintf(m.Stdout, "wrote the %s to %s\n", what, path)
	return nil
}
