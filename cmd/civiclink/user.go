package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

func (m *Main) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users, roles, passwords and API tokens"}
	cmd.AddCommand(m.userMFACmd(), m.userSSOCmd(), m.userBootstrapCmd(), m.userAddCmd(), m.userWhoamiCmd(),
		m.userPasswdCmd(), m.userLoginCmd(), m.tokenCmd())
	cmd.AddCommand(m.remoteUserCmds()...) // list, disable, enable, roles: also --server (user_server.go)
	throughServer(cmd, m.userRemotes())   // add, passwd (admin_server.go)
	return cmd
}

// bindUser binds the flags of a new user.
func bindUser(cmd *cobra.Command, u *govern.User, roles *string) {
	cmd.Flags().StringVar(&u.ID, "id", "", "user id, e.g. j.smith")
	cmd.Flags().StringVar(&u.PartnerID, "partner", "", "the partner the user works for (see `partner list`)")
	cmd.Flags().StringVar(&u.Name, "name", "", "display name")
	cmd.Flags().StringVar(roles, "roles", "", "comma-separated: partner-admin, data-owner, analyst, output-checker, caseworker, auditor, linkage-steward, community-editor, programme-manager")
}

func (m *Main) userBootstrapCmd() *cobra.Command {
	return m.newUserCmd(userCmd{
		use: "bootstrap --id ID --partner P --name NAME", short: "Create the first user, a partner admin, on a store with no users", verb: "created",
		create: func(cmd *cobra.Command, svc *govern.Service, _ *govern.User, u *govern.User, pass string) error {
			return svc.Bootstrap(cmd.Context(), u, pass)
		}})
}

func (m *Main) userAddCmd() *cobra.Command {
	return m.newUserCmd(userCmd{
		use: "add --id ID --partner P --name NAME --roles R,R", short: "Add a user to your partner (partner admins)", verb: "added",
		needRoles: true, needActor: true,
		create: func(cmd *cobra.Command, svc *govern.Service, actor *govern.User, u *govern.User, pass string) error {
			return svc.CreateUser(cmd.Context(), actor, u, pass)
		}})
}

// userCmd describes a command that makes a user.
type userCmd struct {
	use, short, verb string
	needRoles        bool // --roles is required
	needActor        bool // the acting user is resolved (and refused) before the password is asked for
	create           func(cmd *cobra.Command, svc *govern.Service, actor, u *govern.User, pass string) error
}

// newUserCmd is a command that makes a user from the flags of [bindUser]
// and a password, with c.create, and says so with c.verb.
func (m *Main) newUserCmd(c userCmd) *cobra.Command {
	var u govern.User
	var roles string
	var pw passwordSource
	cmd := &cobra.Command{
		Use:   c.use,
		Short: c.short,
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, _, err := m.governService(cmd.Context())
			if err != nil {
				return err
			}
			var actor *govern.User
			if c.needActor {
				if actor, err = m.actor(cmd, svc); err != nil {
					return err
				}
			}
			if roles != "" || c.needRoles {
				if u.Roles, err = govern.ParseRoles(roles); err != nil {
					return err
				}
			}
			pass, err := m.readPassword(pw, "password for "+u.ID+": ", true)
			if err != nil {
				return err
			}
			if err := c.create(cmd, svc, actor, &u, pass); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "%s %s (%s) at %s with roles %s\n", c.verb, u.ID, u.Name, u.PartnerID, rolesText(u.Roles))
			return nil
		},
	}
	bindUser(cmd, &u, &roles)
	pw.bind(cmd, true)
	return cmd
}

func (m *Main) userListCmd() *cobra.Command {
	var partner string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, st, err := m.governService(cmd.Context())
			if err != nil {
				return err
			}
			if _, err := m.actor(cmd, svc); err != nil {
				return err
			}
			us, err := st.Users(cmd.Context())
			if err != nil {
				return err
			}
			var shown []*govern.User
			for _, u := range us {
				if partner == "" || u.PartnerID == partner {
					shown = append(shown, u)
				}
			}
			if asJSON {
				return writeJSON(m.Stdout, shown)
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tPARTNER\tNAME\tROLES\tSTATUS")
			for _, u := range shown {
				status := "active"
				if u.Disabled {
					status = "disabled"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.PartnerID, u.Name, rolesText(u.Roles), status)
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&partner, "partner", "", "only this partner's users")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (m *Main) userWhoamiCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show who this invocation acts as (token or --user)",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, _, err := m.governService(cmd.Context())
			if err != nil {
				return err
			}
			u, err := m.actor(cmd, svc)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "%s (%s) at %s, roles %s\n", u.ID, u.Name, u.PartnerID, rolesText(u.Roles))
			return nil
		},
	}
}

func (m *Main) userRolesCmd() *cobra.Command {
	var roles string
	cmd := &cobra.Command{
		Use:   "roles USER --roles R,R",
		Short: "Replace a user's roles (partner admins of their partner)",
		Args:  exactArgs(1, "one USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := govern.ParseRoles(roles)
			if err != nil {
				return err
			}
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				if err := svc.SetRoles(cmd.Context(), actor, args[0], rs); err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "%s now has roles %s\n", args[0], rolesText(rs))
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&roles, "roles", "", "comma-separated roles")
	return cmd
}

func (m *Main) userEnableCmd(verb string, disable bool) *cobra.Command {
	return &cobra.Command{
		Use:   verb + " USER",
		Short: fmt.Sprintf("%s a user (partner admins of their partner)", map[bool]string{true: "Disable", false: "Re-enable"}[disable]),
		Args:  exactArgs(1, "one USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				if err := svc.SetDisabled(cmd.Context(), actor, args[0], disable); err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "%sd %s\n", verb, args[0])
				return nil
			})
		},
	}
}

func (m *Main) userPasswdCmd() *cobra.Command {
	var pw passwordSource
	cmd := &cobra.Command{
		Use:   "passwd [USER]",
		Short: "Set your password, or (partner admins) another user's",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				id := actor.ID
				if len(args) == 1 {
					id = args[0]
				}
				pass, err := m.readPassword(pw, "new password for "+id+": ", true)
				if err != nil {
					return err
				}
				if err := svc.SetPassword(cmd.Context(), actor, id, pass); err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "password set for %s\n", id)
				return nil
			})
		},
	}
	pw.bind(cmd, false)
	return cmd
}

func (m *Main) userLoginCmd() *cobra.Command {
	var pw passwordSource
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "login --user ID",
		Short: "Check your password and save an API token for later commands",
		Long: `Check your password and save a new API token, valid for --ttl, in your
user config folder (civiclink/token, mode 0600); later commands act as you
until it expires or you revoke it.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			svc, _, err := m.governService(ctx)
			if err != nil {
				return err
			}
			pass, err := m.readPassword(pw, "password for "+m.User+": ", false)
			if err != nil {
				return err
			}
			u, err := svc.Login(ctx, m.User, pass)
			if err != nil {
				return err
			}
			t, text, err := svc.IssueToken(ctx, u, "login", ttl)
			if err != nil {
				return err
			}
			path, err := saveToken(text)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "signed in as %s; token %s saved to %s, valid until %s\n", u.ID, t.ID, path, timeOrDash(t.ExpiresAt))
			return nil
		},
	}
	pw.bind(cmd, false)
	cmd.Flags().DurationVar(&ttl, "ttl", 12*time.Hour, "how long the saved token lasts")
	return cmd
}

func saveToken(text string) (string, error) {
	path, err := savedTokenPath()
	if err != nil {
		return "", fault.Errorf(fault.Invalid, "no user config folder to save the token in: use CIVICLINK_TOKEN_FILE instead (%v)", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fault.Errorf(fault.Invalid, "cannot make %s: %v", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, []byte(text+"\n"), 0o600); err != nil {
		return "", fault.Errorf(fault.Invalid, "cannot save the token to %s: %v", path, err)
	}
	return path, nil
}

// asActor resolves the service and actor, then runs f.
func (m *Main) asActor(cmd *cobra.Command, f func(svc *govern.Service, actor *govern.User) error) error {
	svc, _, err := m.governService(cmd.Context())
	if err != nil {
		return err
	}
	actor, err := m.actor(cmd, svc)
	if err != nil {
		return err
	}
	return f(svc, actor)
}

func rolesText(rs []govern.Role) string {
	b, _ := json.Marshal(rs)
	return string(b)
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
