package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/sso"
)

// ssoEnv names the single sign-on configuration file when --sso is not
// given.
const ssoEnv = "CIVICLINK_SSO_FILE"

// ssoFlag adds --sso, defaulting to $CIVICLINK_SSO_FILE.
func ssoFlag(cmd *cobra.Command, path *string) {
	cmd.Flags().StringVar(path, "sso", os.Getenv(ssoEnv), "single sign-on configuration file: partners' identity providers (docs/signin.md; default $"+ssoEnv+")")
}

// loadSSO reads the configuration at path; none when path is empty.
func loadSSO(path string) (*sso.Config, error) {
	if path == "" {
		return nil, nil
	}
	return sso.Load(path)
}

func (m *Main) userSSOCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sso",
		Short: "Single sign-on: link accounts at a partner's identity provider to users",
		Long: `A partner's identity provider (OpenID Connect, e.g. Microsoft Entra ID) is
configured in the file --sso names (docs/signin.md). An account there signs
in to civiclink only once a partner admin has linked it to a user of that
partner, by the claim the provider is configured to match on: its subject
("sub"), Entra's object id ("oid") or a verified email address.`,
	}
	cmd.AddCommand(m.userSSOLinkCmd(), m.userSSOUnlinkCmd(), m.userSSOListCmd())
	return cmd
}

// ssoProvider finds provider id in the configuration at path.
func ssoProvider(path, id string) (*sso.Provider, error) {
	cfg, err := loadSSO(path)
	if err != nil {
		return nil, err
	}
	if cfg == nil {
		return nil, fault.FieldErrorf(fault.Invalid, "sso", "name the single sign-on configuration with --sso or $%s", ssoEnv)
	}
	p := cfg.Find(id)
	if p == nil {
		return nil, fault.FieldErrorf(fault.NotFound, "provider", "provider %q is not in %s", id, path)
	}
	return p, nil
}

func (m *Main) userSSOLinkCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "link PROVIDER KEY USER",
		Short: "Link the account KEY (subject, object id or email) at PROVIDER to USER (partner admins of its partner)",
		Args:  exactArgs(3, "PROVIDER, KEY and USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := ssoProvider(path, args[0])
			if err != nil {
				return err
			}
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				if err := svc.LinkIdentity(cmd.Context(), actor, p.ID, p.Partner, args[1], args[2]); err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "%s at %s now signs in as %s\n", govern.IdentityKey(args[1]), p.ID, args[2])
				return nil
			})
		},
	}
	ssoFlag(cmd, &path)
	return cmd
}

func (m *Main) userSSOUnlinkCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "unlink PROVIDER KEY",
		Short: "Remove the link of the account KEY at PROVIDER (partner admins of the linked user's partner)",
		Args:  exactArgs(2, "PROVIDER and KEY"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				if err := svc.UnlinkIdentity(cmd.Context(), actor, args[0], args[1]); err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "%s at %s no longer signs in\n", govern.IdentityKey(args[1]), args[0])
				return nil
			})
		},
	}
}

func (m *Main) userSSOListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list USER",
		Short: "List the provider accounts linked to USER (the user, or partner admins of their partner)",
		Args:  exactArgs(1, "one USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				ids, err := svc.Identities(cmd.Context(), actor, args[0])
				if err != nil {
					return err
				}
				for _, id := range ids {
					fmt.Fprintf(m.Stdout, "%s\t%s\tlinked %s by %s\n", id.Provider, id.Key, id.LinkedAt.UTC().Format("2006-01-02 15:04"), id.LinkedBy)
				}
				if len(ids) == 0 {
					fmt.Fprintf(m.Stdout, "no provider accounts are linked to %s\n", args[0])
				}
				return nil
			})
		},
	}
}
