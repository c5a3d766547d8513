package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// Administration through a running server: while `civiclink serve` holds
// an embedded store, `user list|disable|enable|roles --server URL
// --token-file F` send the change to the server's API, where the same
// governance service checks the rules and records it in the audit log.

// remoteUser is a user as the server's admin API returns them.
type remoteUser struct {
	ID       string        `json:"id"`
	Partner  string        `json:"partner"`
	Name     string        `json:"name"`
	Roles    []govern.Role `json:"roles"`
	Disabled bool          `json:"disabled"`
}

// viaServer adds --server and --token-file to cmd: with --server, remote
// runs instead of cmd's own RunE.
func viaServer(cmd *cobra.Command, remote func(cmd *cobra.Command, args []string, p *pusher) error) *cobra.Command {
	p := &pusher{}
	local := cmd.RunE
	cmd.Flags().StringVar(&p.server, "server", "", "act through this running server (e.g. http://127.0.0.1:8080) instead of opening the store")
	cmd.Flags().StringVar(&p.tokenFile, "token-file", "", "with --server: a file holding your API token (a partner admin's)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if p.server == "" {
			err := local(cmd, args)
			if fault.Code(err) == fault.Conflict && fault.Field(err) == "data" {
				return fault.Errorf(fault.Conflict, "%s; while it is served, act through the server: %s --server URL --token-file F", fault.Message(err), cmd.CommandPath())
			}
			return err
		}
		if p.tokenFile == "" {
			return fault.Errorf(fault.Invalid, "--server needs --token-file F: a file holding your API token (a partner admin's for user administration)")
		}
		p.dataset, p.chunk = "-", 1<<20 // setUp checks the server and token only
		if err := p.setUp(); err != nil {
			return err
		}
		return remote(cmd, args, p)
	}
	return cmd
}

// callJSON sends body as JSON and decodes the answer into out.
func (p *pusher) callJSON(method, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return p.call(method, path, "application/json", "", bytes.NewReader(b), out)
}

// userActionRemote sends one admin action on args[0] to the server.
func (m *Main) userActionRemote(action, done string, body func() (any, error)) func(*cobra.Command, []string, *pusher) error {
	return func(cmd *cobra.Command, args []string, p *pusher) error {
		b, err := body()
		if err != nil {
			return err
		}
		var u remoteUser
		if err := p.callJSON("POST", "/api/users/"+url.PathEscape(args[0])+"/"+action, b, &u); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, done+" (through %s)\n", u.ID, p.base)
		return nil
	}
}

func (m *Main) userListRemote(cmd *cobra.Command, _ []string, p *pusher) error {
	var out struct {
		Users []remoteUser `json:"users"`
	}
	if err := p.callJSON("GET", "/api/users", nil, &out); err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tPARTNER\tNAME\tROLES\tSTATUS")
	for _, u := range out.Users {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", u.ID, u.Partner, u.Name, rolesText(u.Roles), status)
	}
	return w.Flush()
}

// remoteUserCmds wraps the user commands that also work through a server.
func (m *Main) remoteUserCmds() []*cobra.Command {
	none := func() (any, error) { return struct{}{}, nil }
	roles := m.userRolesCmd()
	return []*cobra.Command{
		viaServer(m.userListCmd(), m.userListRemote),
		viaServer(m.userEnableCmd("disable", true), m.userActionRemote("disable", "disabled %s", none)),
		viaServer(m.userEnableCmd("enable", false), m.userActionRemote("enable", "enabled %s", none)),
		viaServer(roles, m.userActionRemote("roles", "%s has new roles", func() (any, error) {
			rs, err := govern.ParseRoles(roles.Flag("roles").Value.String())
			return map[string]any{"roles": rs}, err
		})),
	}
}
