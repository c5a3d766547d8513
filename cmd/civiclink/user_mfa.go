package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/govern"
)

func (m *Main) userMFACmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mfa",
		Short: "Second factor (TOTP): enrol, confirm, reset",
		Long: `A second factor is a TOTP authenticator (RFC 6238) with ten one-time
recovery codes. Users with the partner-admin, data-owner, output-checker or
caseworker role must have one to sign in to the web app; others may.`,
	}
	cmd.AddCommand(m.userMFAEnrolCmd(), m.userMFAResetCmd())
	throughServer(cmd, m.mfaRemotes())
	return cmd
}

func (m *Main) userMFAEnrolCmd() *cobra.Command {
	var code string
	cmd := &cobra.Command{
		Use:   "enrol [--code CODE]",
		Short: "Enrol your second factor: prints the key and recovery codes; confirm with --code",
		Long: `Without --code, starts an enrolment of your second factor and prints the key
(type it into an authenticator app, or open the otpauth:// URL) and ten
recovery codes, shown only now. Then run it again with --code and the
six-digit code the app shows, to confirm. The web app enrols you with a QR
code at sign-in instead.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				if code != "" {
					if err := svc.ConfirmMFA(cmd.Context(), actor, code); err != nil {
						return err
					}
					fmt.Fprintf(m.Stdout, "second factor of %s confirmed\n", actor.ID)
					return nil
				}
				e, err := svc.EnrolMFA(cmd.Context(), actor)
				if err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "key:  %s\nurl:  %s\nrecovery codes (each works once; keep them safe, they are not shown again):\n", e.Secret, e.URL)
				for _, c := range e.Recovery {
					fmt.Fprintf(m.Stdout, "  %s\n", c)
				}
				fmt.Fprintln(m.Stdout, "confirm with: civiclink user mfa enrol --code CODE")
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&code, "code", "", "the authenticator's current code, to confirm a pending enrolment")
	return cmd
}

func (m *Main) userMFAResetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reset USER",
		Short: "Remove a user's second factor so they enrol again (partner admins of their partner)",
		Args:  exactArgs(1, "one USER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return m.asActor(cmd, func(svc *govern.Service, actor *govern.User) error {
				if err := svc.ResetMFA(cmd.Context(), actor, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(m.Stdout, "second factor of %s removed: they enrol a new one at their next sign-in\n", args[0])
				return nil
			})
		},
	}
}
