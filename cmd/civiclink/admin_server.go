package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
)

// The administration commands that also work through a running server
// (--server URL --token-file F): API tokens, users added, passwords and
// second factors reset, agreements, the purpose register and opt-outs.
// The server's governance service checks the same rules and records the
// same audit entries as the command does on a store it opens itself.

// remoteFunc runs a command through the server p names.
type remoteFunc func(cmd *cobra.Command, args []string, p *pusher) error

// throughServer gives each named subcommand of parent --server and
// --token-file, running its remote function when --server is given.
func throughServer(parent *cobra.Command, remotes map[string]remoteFunc) {
	for _, c := range parent.Commands() {
		if f, ok := remotes[c.Name()]; ok {
			viaServer(c, f)
		}
	}
}

// flagString returns the value of cmd's flag name ("" when it has none).
func flagString(cmd *cobra.Command, name string) string {
	if f := cmd.Flags().Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

// passwordFlags is the password source cmd's flags name.
func passwordFlags(cmd *cobra.Command) passwordSource {
	return passwordSource{file: flagString(cmd, "password-file"), stdin: flagString(cmd, "password-stdin") == "true",
		none: flagString(cmd, "no-password") == "true"}
}

func (m *Main) tokenRemotes() map[string]remoteFunc {
	return map[string]remoteFunc{
		"issue": func(cmd *cobra.Command, _ []string, p *pusher) error {
			body := map[string]string{"name": flagString(cmd, "name")}
			if ttl, _ := cmd.Flags().GetDuration("ttl"); ttl > 0 {
				body["ttl"] = ttl.String()
			}
			var out struct {
				Token govern.Token `json:"token"`
				Text  string       `json:"text"`
			}
			if err := p.callJSON("POST", "/api/tokens", body, &out); err != nil {
				return err
			}
			fmt.Fprintln(m.Stdout, out.Text)
			fmt.Fprintf(m.Stderr, "token %s for %s issued through %s; it is shown only this once: keep it in a file and use CIVICLINK_TOKEN_FILE\n", out.Token.ID, out.Token.UserID, p.base)
			return nil
		},
		"list": func(_ *cobra.Command, _ []string, p *pusher) error {
			var out struct {
				Tokens []govern.Token `json:"tokens"`
			}
			if err := p.callJSON("GET", "/api/tokens", nil, &out); err != nil {
				return err
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tUSER\tNAME\tCREATED\tEXPIRES\tREVOKED")
			for _, t := range out.Tokens {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.UserID, t.Name, t.CreatedAt.Format(time.DateTime), timeOrDash(t.ExpiresAt), timeOrDash(t.RevokedAt))
			}
			return w.Flush()
		},
		"revoke": func(_ *cobra.Command, args []string, p *pusher) error {
			if err := p.callJSON("POST", "/api/tokens/"+url.PathEscape(args[0])+"/revoke", nil, nil); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "revoked token %s (through %s)\n", args[0], p.base)
			return nil
		},
	}
}

// userRemotes are the user commands beside list, disable, enable and roles
// (user_server.go) that work through a server.
func (m *Main) userRemotes() map[string]remoteFunc {
	return map[string]remoteFunc{
		"add": func(cmd *cobra.Command, _ []string, p *pusher) error {
			roles, err := govern.ParseRoles(flagString(cmd, "roles"))
			if err != nil {
				return err
			}
			id := flagString(cmd, "id")
			pass, err := m.readPassword(passwordFlags(cmd), "password for "+id+": ", true)
			if err != nil {
				return err
			}
			var u remoteUser
			body := map[string]any{"id": id, "partner": flagString(cmd, "partner"), "name": flagString(cmd, "name"), "roles": roles, "password": pass}
			if err := p.callJSON("POST", "/api/users", body, &u); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "added %s (%s) at %s with roles %s (through %s)\n", u.ID, u.Name, u.Partner, rolesText(u.Roles), p.base)
			return nil
		},
		"passwd": func(cmd *cobra.Command, args []string, p *pusher) error {
			var id string
			if len(args) == 1 {
				id = args[0]
			} else {
				var me remoteUser
				if err := p.callJSON("GET", "/api/me", nil, &me); err != nil {
					return err
				}
				id = me.ID
			}
			pass, err := m.readPassword(passwordFlags(cmd), "new password for "+id+": ", true)
			if err != nil {
				return err
			}
			if err := p.callJSON("POST", "/api/users/"+url.PathEscape(id)+"/password", map[string]string{"password": pass}, nil); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "password set for %s (through %s)\n", id, p.base)
			return nil
		},
	}
}

func (m *Main) mfaRemotes() map[string]remoteFunc {
	return map[string]remoteFunc{
		"reset": func(_ *cobra.Command, args []string, p *pusher) error {
			if err := p.callJSON("POST", "/api/users/"+url.PathEscape(args[0])+"/mfa-reset", nil, nil); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "second factor of %s removed: they enrol a new one at their next sign-in (through %s)\n", args[0], p.base)
			return nil
		},
	}
}

func (m *Main) agreementRemotes() map[string]remoteFunc {
	action := func(cmd *cobra.Command, args []string, p *pusher) error {
		var a govern.Agreement
		if err := p.callJSON("POST", "/api/agreements/"+url.PathEscape(args[0])+"/"+cmd.Name(), map[string]string{"note": flagString(cmd, "note")}, &a); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "agreement %s is now %s (through %s)\n", a.ID, a.Status, p.base)
		if pending := a.PendingApprovals(nil); a.Status == govern.Draft && len(pending) > 0 {
			fmt.Fprintf(m.Stdout, "still awaiting approval by %s\n", strings.Join(pending, ", "))
		}
		return nil
	}
	return map[string]remoteFunc{
		"create": func(cmd *cobra.Command, _ []string, p *pusher) error {
			file := flagString(cmd, "file")
			b, err := os.ReadFile(file)
			if err != nil {
				return fault.Errorf(fault.Invalid, "cannot read agreement file %q: %v", file, err)
			}
			var a govern.Agreement
			if err := p.call("POST", "/api/agreements", "application/json", "", strings.NewReader(string(b)), &a); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "created draft agreement %s through %s; it needs approval by the data owners of %s\n", a.ID, p.base, strings.Join(a.PendingApprovals(nil), ", "))
			return nil
		},
		"list": func(cmd *cobra.Command, _ []string, p *pusher) error {
			var out struct {
				Agreements []*govern.Agreement `json:"agreements"`
			}
			if err := p.callJSON("GET", "/api/agreements", nil, &out); err != nil {
				return err
			}
			asJSON, _ := cmd.Flags().GetBool("json")
			return m.printAgreementList(out.Agreements, govern.State{Now: time.Now()}, flagString(cmd, "status"), asJSON)
		},
		"show": func(cmd *cobra.Command, args []string, p *pusher) error {
			var a struct {
				*govern.Agreement
				Budgets []insight.BudgetBalance `json:"privacy_budgets,omitempty"`
			}
			if err := p.callJSON("GET", "/api/agreements/"+url.PathEscape(args[0]), nil, &a); err != nil {
				return err
			}
			if asJSON, _ := cmd.Flags().GetBool("json"); asJSON {
				return writeJSON(m.Stdout, a)
			}
			m.printAgreement(a.Agreement, govern.State{Now: time.Now()})
			for _, b := range a.Budgets {
				fmt.Fprintf(m.Stdout, "privacy budget  %s\n", b)
			}
			return nil
		},
		govern.ActionApprove: action, govern.ActionActivate: action, govern.ActionSuspend: action, govern.ActionEnd: action,
	}
}

func (m *Main) purposeRemotes() map[string]remoteFunc {
	return map[string]remoteFunc{
		"list": func(_ *cobra.Command, _ []string, p *pusher) error {
			var out struct {
				Purposes []govern.Purpose `json:"purposes"`
			}
			if err := p.callJSON("GET", "/api/purposes", nil, &out); err != nil {
				return err
			}
			return m.printPurposes(out.Purposes)
		},
		"add": func(cmd *cobra.Command, _ []string, p *pusher) error {
			safeguarding, _ := cmd.Flags().GetBool("safeguarding")
			in := govern.Purpose{ID: flagString(cmd, "id"), Name: flagString(cmd, "name"), Description: flagString(cmd, "description"), Safeguarding: safeguarding}
			var out govern.Purpose
			if err := p.callJSON("POST", "/api/purposes", in, &out); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "added purpose %s (%s) through %s\n", out.ID, out.Name, p.base)
			return nil
		},
	}
}

func (m *Main) optoutRemotes() map[string]remoteFunc {
	return map[string]remoteFunc{
		"add": func(cmd *cobra.Command, _ []string, p *pusher) error {
			file := flagString(cmd, "file")
			f, err := os.Open(file)
			if err != nil {
				return fault.Errorf(fault.Invalid, "cannot read opt-out file %q: %v", file, err)
			}
			defer f.Close()
			records, err := govern.ParseOptOutIDs(f)
			if err != nil {
				return err
			}
			source := flagString(cmd, "source")
			if source == "" {
				source = filepath.Base(file)
			}
			body := map[string]any{"dataset": flagString(cmd, "dataset"), "records": records, "purposes": splitList(flagString(cmd, "purposes")), "source": source}
			var out struct {
				Dataset  string   `json:"dataset"`
				Purposes []string `json:"purposes"`
				Records  int      `json:"records"`
				New      int      `json:"new"`
			}
			if err := p.callJSON("POST", "/api/optouts", body, &out); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "%d records of %s opted out of %v: %d new markers (through %s)\n", out.Records, out.Dataset, out.Purposes, out.New, p.base)
			return nil
		},
		"count": func(cmd *cobra.Command, _ []string, p *pusher) error {
			q := url.Values{"dataset": {flagString(cmd, "dataset")}, "purpose": {flagString(cmd, "purpose")}}
			var out struct {
				Excluded int `json:"excluded"`
			}
			if err := p.callJSON("GET", "/api/optouts/count?"+q.Encode(), nil, &out); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "%d records of %s are excluded from %s\n", out.Excluded, q.Get("dataset"), q.Get("purpose"))
			return nil
		},
	}
}
