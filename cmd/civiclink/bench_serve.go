package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/bench"
)

// benchServeCmd loads a running web server the way the speed goal
// is stated: 50 signed-in users on loopback, next to /healthz.
func (m *Main) benchServeCmd() *cobra.Command {
	c := bench.ServeConfig{Reference: "/healthz"}
	var pw passwordSource
	var jsonOut bool
	cmd := &cobra.Command{
		Use:   "serve --url URL --user USER --password-file FILE [--path P]... [--users 50] [--duration 30s]",
		Short: "Load a running web server with signed-in users, path by path, next to /healthz in the same run",
		Long: `Signs in --users clients as USER through the sign-in form, then has
them all request each path as fast as it answers for --duration, one path
after another, /healthz first as the reference. Prints per path the
requests, requests a second, p50/p90/p99/p99.9/max latency, errors (any
answer but 200) and p99 as a multiple of the reference's, and the seconds
in which a request took longer than --stall (a pause every user felt).`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c.User = m.User // --user: who signs in
			p, err := m.readPassword(pw, "password for "+c.User+": ", false)
			if err != nil {
				return err
			}
			c.Password = p
			if len(c.Paths) == 0 {
				c.Paths = []string{"/", "/api/indicators/ind:avoidable-ae-attendances", "/api/datasets",
					"/themes/avoidable-emergency-care", "/api/themes/avoidable-emergency-care"}
			}
			rs, err := bench.Serve(cmd.Context(), c, m.Stderr)
			if err != nil {
				return err
			}
			if jsonOut {
				b, _ := json.MarshalIndent(rs, "", "  ")
				fmt.Fprintln(m.Stdout, string(b))
				return nil
			}
			for _, r := range rs {
				fmt.Fprintln(m.Stdout, r)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&c.Base, "url", "http://127.0.0.1:8080", "the server")
	pw.bind(cmd, false)
	cmd.Flags().StringArrayVar(&c.Paths, "path", nil, "a path to load (repeat; default: dashboard, indicator API, dataset list, theme page and API)")
	cmd.Flags().IntVar(&c.Users, "users", 50, "concurrent signed-in users")
	cmd.Flags().DurationVar(&c.Duration, "duration", 30*time.Second, "time per path")
	cmd.Flags().DurationVar(&c.StallAt, "stall", 250*time.Millisecond, "a second with a request slower than this is a stall")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the reports as JSON")
	return cmd
}
