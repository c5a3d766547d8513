package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/civiclink/civiclink/internal/app"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
)

// governService returns governance over this invocation's store, recording
// every decision and change in the store's audit log.
//
// A read path asks it before touching partner data:
//
//	svc, st, err := m.governService(ctx)
//	u, err := m.actor(cmd, svc)
//	d, err := svc.Authorize(ctx, u, govern.Request{Operation: "insight.aggregate", ...})
func (m *Main) governService(ctx context.Context) (*govern.Service, app.Backend, error) {
	s, err := m.services(ctx)
	if err != nil {
		return nil, nil, err
	}
	return s.Gov, s.Backend, nil
}

// actor returns the user this invocation acts as. An API token
// (CIVICLINK_TOKEN, the file named by CIVICLINK_TOKEN_FILE, or the file
// `civiclink user login` saved) authenticates; otherwise --user (or
// CIVICLINK_USER, or the OS user name) names a registered user. An explicit
// --user that disagrees with an explicit token is an error.
func (m *Main) actor(cmd *cobra.Command, svc *govern.Service) (*govern.User, error) {
	ctx := cmd.Context()
	userSet := cmd.Flags().Changed("user")
	text, explicit, err := tokenText()
	if err != nil {
		return nil, err
	}
	if text == "" || (userSet && !explicit) {
		return svc.Actor(ctx, m.User)
	}
	u, err := svc.TokenUser(ctx, text)
	if err != nil {
		return nil, err
	}
	if userSet && u.ID != m.User {
		return nil, fault.Errorf(fault.Unauthorized, "--user %s disagrees with the API token, which belongs to %s: drop one of them", m.User, u.ID)
	}
	return u, nil
}

// tokenText finds an API token: CIVICLINK_TOKEN, else the file at
// CIVICLINK_TOKEN_FILE (both explicit), else the saved login token file.
func tokenText() (text string, explicit bool, err error) {
	if t := os.Getenv("CIVICLINK_TOKEN"); t != "" {
		return strings.TrimSpace(t), true, nil
	}
	if p := os.Getenv("CIVICLINK_TOKEN_FILE"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			return "", true, fault.Errorf(fault.Unauthorized, "cannot read the token file %s (CIVICLINK_TOKEN_FILE): %v", p, err)
		}
		return strings.TrimSpace(string(b)), true, nil
	}
	p, err := savedTokenPath()
	if err != nil {
		return "", false, nil
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fault.Errorf(fault.Unauthorized, "cannot read the saved token %s: %v (remove it or run `civiclink user login`)", p, err)
	}
	return strings.TrimSpace(string(b)), false, nil
}

// savedTokenPath is where `user login` keeps its token: the user config
// folder's civiclink/token.
func savedTokenPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "civiclink", "token"), nil
}

// passwordSource says where a password comes from; never a flag value.
type passwordSource struct {
	file  string // --password-file
	stdin bool   // --password-stdin
	none  bool   // --no-password (token-only user)
}

func (p *passwordSource) bind(cmd *cobra.Command, allowNone bool) {
	cmd.Flags().StringVar(&p.file, "password-file", "", "read the password from the first line of this file")
	cmd.Flags().BoolVar(&p.stdin, "password-stdin", false, "read the password from the first line of standard input")
	if allowNone {
		cmd.Flags().BoolVar(&p.none, "no-password", false, "make a user who signs in with API tokens only")
	}
}

// read returns the password: from the file, from stdin, or prompted on the
// terminal (twice when confirm is set). It returns "" for --no-password.
func (m *Main) readPassword(p passwordSource, prompt string, confirm bool) (string, error) {
	switch {
	case p.none:
		return "", nil
	case p.file != "":
		b, err := os.ReadFile(p.file)
		if err != nil {
			return "", fault.Errorf(fault.Invalid, "cannot read the password file %s: %v", p.file, err)
		}
		return firstLine(string(b)), nil
	case p.stdin:
		line, err := bufio.NewReader(m.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fault.Errorf(fault.Invalid, "cannot read the password from standard input: %v", err)
		}
		return firstLine(line), nil
	}
	f, ok := m.Stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", fault.Errorf(fault.Invalid, "no password given: use --password-file FILE or --password-stdin (passwords are never taken as flag values)")
	}
	pw, err := promptHidden(f, m.Stderr, prompt)
	if err != nil || !confirm {
		return pw, err
	}
	again, err := promptHidden(f, m.Stderr, "again: ")
	if err != nil {
		return "", err
	}
	if again != pw {
		return "", fault.Errorf(fault.Invalid, "the two passwords differ")
	}
	return pw, nil
}

func promptHidden(f *os.File, w io.Writer, prompt string) (string, error) {
	fmt.Fprint(w, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(w)
	if err != nil {
		return "", fault.Errorf(fault.Invalid, "cannot read the password: %v", err)
	}
	return string(b), nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimRight(s, "\r")
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
