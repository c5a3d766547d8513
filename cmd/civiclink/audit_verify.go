package main

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/app"
	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/fault"
)

func (m *Main) auditVerifyCmd(keyPath *string) *cobra.Command {
	var heads, pubkeys []string
	cmd := &cobra.Command{
		Use:   "verify [--head head.json]... [--pubkey key.pem]...",
		Short: "Prove the audit log intact and consistent with kept tree heads; exit non-zero naming the first bad entry",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var opts audit.Options
			var err error
			if opts.Kept, err = readAuditHeads(heads); err != nil {
				return err
			}
			trustedFrom, err := m.auditTrustedKeys(&opts, pubkeys, *keyPath)
			if err != nil {
				return err
			}
			log, err := m.readAuditLog(ctx)
			if err != nil {
				return err
			}
			rep, err := log.Verify(ctx, opts)
			if err != nil {
				return err
			}
			if rep.Problem != nil {
				return fault.Errorf(fault.Conflict, "the audit log is NOT intact: %s", rep.Problem.Error())
			}
			m.printAuditReport(rep, trustedFrom)
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&heads, "head", nil, "a tree head kept earlier (from `audit head --out`); repeatable")
	cmd.Flags().StringArrayVar(&pubkeys, "pubkey", nil, "a trusted public key (from `audit key`); repeatable")
	return cmd
}

func readAuditHeads(paths []string) ([]audit.Head, error) {
	var out []audit.Head
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fault.Wrap(err, fault.Invalid, "cannot read the tree head file %s", p)
		}
		h, err := audit.ParseHead(b)
		if err != nil {
			return nil, fault.Errorf(fault.Invalid, "%s: %s", p, fault.Message(err))
		}
		out = append(out, h)
	}
	return out, nil
}

// auditTrustedKeys fills opts.Trusted from --pubkey files, else from the signing
// key file when it exists, and says where the trust came from.
func (m *Main) auditTrustedKeys(opts *audit.Options, pubkeys []string, keyFlag string) (string, error) {
	for _, p := range pubkeys {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", fault.Wrap(err, fault.Invalid, "cannot read the public key file %s", p)
		}
		k, err := audit.ParsePublicKey(b)
		if err != nil {
			return "", fault.Errorf(fault.Invalid, "%s: %s", p, fault.Message(err))
		}
		opts.Trusted = append(opts.Trusted, k)
	}
	if len(pubkeys) > 0 {
		return "the pinned public key", nil
	}
	path := m.auditKeyPath(keyFlag)
	if path == "" {
		return "", nil
	}
	k, err := audit.LoadKey(path)
	switch {
	case fault.Code(err) == fault.NotFound:
		return "", nil
	case err != nil:
		return "", err
	}
	opts.Trusted = []ed25519.PublicKey{k.Public().(ed25519.PublicKey)}
	return "the signing key file " + path, nil
}

func (m *Main) printAuditReport(rep audit.Report, trustedFrom string) {
	fmt.Fprintf(m.Stdout, "audit log intact: %d entries, root %s, %d signed tree heads checked\n",
		rep.Size, base64.StdEncoding.EncodeToString(rep.Root), rep.Heads)
	switch {
	case rep.Heads == 0:
	case trustedFrom != "":
		fmt.Fprintf(m.Stdout, "signatures checked against %s (%s)\n", trustedFrom, rep.Latest.KeyID)
	default:
		fmt.Fprintf(m.Stdout, "warning: signatures checked only against the key recorded in the store (%s); pass --pubkey or keep a head to detect a rebuilt log\n", rep.Latest.KeyID)
	}
	if rep.Kept > 0 {
		fmt.Fprintf(m.Stdout, "consistent with %d kept tree head(s)\n", rep.Kept)
	}
}

func (m *Main) auditProveCmd(keyPath *string) *cobra.Command {
	var headPath string
	cmd := &cobra.Command{
		Use:   "prove INDEX [--head head.json]",
		Short: "Prove with an RFC 6962 inclusion proof that an entry is in a signed tree head",
		Args:  exactArgs(1, "an entry index"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var index uint64
			if _, err := fmt.Sscan(args[0], &index); err != nil {
				return fault.Errorf(fault.Invalid, "entry index %q is not a number", args[0])
			}
			log, err := m.readAuditLog(ctx)
			if err != nil {
				return err
			}
			h, err := m.auditProofHead(ctx, log, headPath, *keyPath)
			if err != nil {
				return err
			}
			return m.auditProve(ctx, log, index, h)
		},
	}
	cmd.Flags().StringVar(&headPath, "head", "", "prove against this kept head (default: the latest head, checked with the key file)")
	return cmd
}

// auditProofHead returns the head to prove against: a kept one, or the latest
// stored head with its signature checked.
func (m *Main) auditProofHead(ctx context.Context, log app.AuditLog, headPath, keyFlag string) (audit.Head, error) {
	if headPath != "" {
		hs, err := readAuditHeads([]string{headPath})
		if err != nil {
			return audit.Head{}, err
		}
		return hs[0], nil
	}
	h, err := log.LatestHead(ctx)
	if err != nil {
		return h, err
	}
	var opts audit.Options
	if _, err := m.auditTrustedKeys(&opts, nil, keyFlag); err != nil {
		return h, err
	}
	pub := h.PublicKey
	if len(opts.Trusted) > 0 {
		pub = opts.Trusted[0]
	}
	if err := audit.VerifyHead(pub, h); err != nil {
		return h, fault.Errorf(fault.Conflict, "the latest tree head does not verify (%v); run `civiclink audit verify`", err)
	}
	return h, nil
}

// auditProve prints entry index and its inclusion proof in h, checked.
func (m *Main) auditProve(ctx context.Context, log app.AuditLog, index uint64, h audit.Head) error {
	if index >= h.Size {
		return fault.Errorf(fault.Invalid, "entry %d is not covered by the tree head of %d entries", index, h.Size)
	}
	es, err := log.Entries(ctx, audit.Filter{From: index, Limit: 1})
	if err != nil {
		return err
	}
	if len(es) == 0 || es[0].Index != index {
		return fault.Errorf(fault.NotFound, "entry %d is not in the log; run `civiclink audit verify`", index)
	}
	pf, err := audit.ProveInclusion(ctx, log, index, h.Size)
	if err == nil {
		err = audit.VerifyInclusion(index, h.Size, audit.LeafHash(es[0].Bytes), pf, h.Root)
	}
	if err != nil {
		return fault.Errorf(fault.Conflict, "entry %d is NOT in the tree head of %d entries: %v; run `civiclink audit verify`", index, h.Size, err)
	}
	fmt.Fprintf(m.Stdout, "%s\n", es[0].Bytes)
	fmt.Fprintf(m.Stdout, "entry %d is included in the tree head of %d entries (root %s, signed %s by %s); proof:\n",
		index, h.Size, base64.StdEncoding.EncodeToString(h.Root), h.Time.Format("2006-01-02T15:04:05Z"), h.KeyID)
	for _, p := range pf {
		fmt.Fprintln(m.Stdout, base64.StdEncoding.EncodeToString(p))
	}
	return nil
}
