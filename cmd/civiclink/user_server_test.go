package main

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAdminWhileServing administers users of an embedded store while
// `civiclink serve` holds it (and runs adminCommandsThroughServer: every
// other administration command through the same server): the CLI without --server says to use it; with
// --server and a partner admin's token it lists, disables, re-enables and
// changes roles through the API under the same rules (an analyst's token
// is refused); the partner admin's web page does the same with forms; and
// every change is in the audit log.
func TestAdminWhileServing(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	data, admin, analyst := policeHub(t, dir) // p.admin: the first user, a partner admin
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(servedPassword+"\n"), 0o600)
	checkGovern(t, data, "p.admin", "", []string{"user", "passwd", "--password-file", pw}, 0, "")
	checkGovern(t, data, "", "", []string{"partner", "add", "--id", "council", "--name", "Council"}, 0, "added")

	srv := command(t, dir, tmp, "--data", data, "serve", "--addr", "127.0.0.1:0", "--no-second-factor")
	stdout, _ := srv.StdoutPipe()
	srv.Stderr = io.Discard
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	base := servedAt(t, stdout)

	run := func(args ...string) (string, int) {
		cmd := command(t, dir, tmp, append([]string{"--data", data}, args...)...)
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	if out, code := run("--user", "p.admin", "user", "disable", "p.ana"); code == 0 || !strings.Contains(out, "--server URL --token-file F") {
		t.Errorf("disable without --server while served: exit %d, want a pointer to --server\n%s", code, out)
	}
	steps := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"user", "disable", "p.ana", "--server", base, "--token-file", admin}, 0, "disabled p.ana"},
		{[]string{"user", "list", "--server", base, "--token-file", admin}, 0, "disabled"},
		{[]string{"user", "enable", "p.ana", "--server", base, "--token-file", admin}, 0, "enabled p.ana"},
		{[]string{"user", "roles", "p.ana", "--roles", "analyst,output-checker", "--server", base, "--token-file", admin}, 0, "p.ana has new roles"},
		{[]string{"user", "list", "--server", base, "--token-file", admin}, 0, "output-checker"},
		{[]string{"user", "disable", "p.admin", "--server", base, "--token-file", analyst}, 3, "refused"},
	}
	for _, s := range steps {
		if out, code := run(s.args...); code != s.code || !strings.Contains(out, s.want) {
			t.Errorf("civiclink %v: exit %d, want %d with %q\n%s", s.args, code, s.code, s.want, out)
		}
	}

	actions := adminCommandsThroughServer(t, dir, data, base, admin, analyst)

	// The web page: the partner admin disables and re-enables p.ana.
	b := newBrowser(t, base)
	if status, _ := b.signIn("p.admin", servedPassword); status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", status)
	}
	status, page := b.get("/admin/users")
	if status != http.StatusOK || !strings.Contains(page, "<h1>Users of your partner</h1>") || !strings.Contains(page, `<label for="pw-p.ana">`) {
		t.Fatalf("/admin/users: %d %.400s", status, page)
	}
	if status, page := b.post("/admin/users/p.ana/disable", page, url.Values{}); status != http.StatusOK || !strings.Contains(page, "Done: disable for p.ana") {
		t.Errorf("disable by form: %d %.300s", status, page)
	}
	if status, page := b.post("/admin/users/p.ana/password", page, url.Values{"password": {"short"}}); status == http.StatusOK || !strings.Contains(page, `role="alert"`) {
		t.Errorf("a too short password by form: %d, want a refusal shown on the page", status)
	}
	srv.Process.Signal(os.Interrupt)
	srv.Wait()
	out, _ := run("--user", "p.admin", "audit", "list", "--user", "p.admin")
	for _, want := range append([]string{"user.disable", "user.enable", "user.roles"}, actions...) {
		if !strings.Contains(out, want) {
			t.Errorf("the audit log lacks %s:\n%s", want, out)
		}
	}
}
