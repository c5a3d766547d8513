package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/govern"
)

func (m *Main) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Issue, list and revoke API tokens for scripts"}
	var name string
	var ttl time.Duration
	issue := &cobra.Command{
		Use:   "issue --name WHAT",
		Short: "Issue an API token for yourself; it is shown once",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				t, text, err := svc.IssueToken(cmd.Context(), actor, name, ttl)
				if err != nil {
					return err
				}
				fmt.Fprintln(m.Stdout, text)
				fmt.Fprintf(m.Stderr, "token %s for %s issued; it is shown only this once: keep it in a file and use CIVICLINK_TOKEN_FILE\n", t.ID, actor.ID)
				return nil
			})
		},
	}
	issue.Flags().StringVar(&name, "name", "", "what the token is for, e.g. \"nightly ingest\"")
	issue.Flags().DurationVar(&ttl, "ttl", 0, "lifetime, e.g. 720h (default: until revoked)")
	list := &cobra.Command{
		Use:   "list",
		Short: "List your API tokens",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				ts, err := svc.Store.Tokens(cmd.Context(), actor.ID)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tNAME\tCREATED\tEXPIRES\tREVOKED")
				for _, t := range ts {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format(time.DateTime), timeOrDash(t.ExpiresAt), timeOrDash(t.RevokedAt))
				}
				return w.Flush()
			})
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token (yours, or as partner admin any of your partner's)",
		Args:  exactArgs(1, "one token ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				if err := svc.RevokeToken(cmd.Context(), actor, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "revoked token %s\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(issue, list, revoke)
	throughServer(cmd, m.tokenRemotes())
	return cmd
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.DateTime)
}
