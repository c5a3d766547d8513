package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSystemdUnit checks deploy/civiclink.service: every flag its
// ExecStart passes exists, and systemd-analyze verify accepts the unit
// (with the built binary in place of the installed one) where systemd is
// installed.
func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile(filepath.Join("..", "..", "deploy", "civiclink.service"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ExecStart=(\S+) (.*)$`).FindStringSubmatch(string(unit))
	if m == nil {
		t.Fatal("the unit has no ExecStart")
	}
	args := append(strings.Fields(m[2]), "--help")
	if out, errs, code := run(t, filepath.Join(t.TempDir(), "s.duckdb"), args...); code != 0 {
		t.Errorf("civiclink %v: exit %d: %s%s", args, code, out, errs)
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the unit's syntax was not checked")
	}
	dir := t.TempDir()
	fixed := strings.Replace(string(unit), "ExecStart="+m[1], "ExecStart="+binary(t), 1)
	path := filepath.Join(dir, "civiclink.service")
	if err := os.WriteFile(path, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", path).CombinedOutput()
	// verify also reports on the host's own units; keep the lines about ours
	var ours []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "civiclink.service") {
			ours = append(ours, l)
		}
	}
	if err != nil || len(ours) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, strings.Join(ours, "\n"))
	}
	t.Logf("systemd-analyze verify accepted the unit (%s)", sa)
}

// TestServeGracefulStop runs `civiclink serve` as the unit does (JSON logs,
// a trusted proxy), checks liveness, readiness and metrics, then stops it
// with SIGTERM: it exits 0, having logged its shutdown as JSON.
func TestServeGracefulStop(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	cmd := command(t, dir, tmp, "--data", "hub.duckdb", "serve", "--addr", "127.0.0.1:0", "--log-format", "json",
		"--trusted-proxy", "127.0.0.1", "--shutdown-grace", "5s")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	logs := make(chan string, 1)
	go func() { b, _ := io.ReadAll(stderr); logs <- string(b) }()
	base := servedAt(t, stdout)
	for _, c := range []struct {
		path string
		want int
	}{{"/healthz", 200}, {"/readyz", 200}, {"/metrics", 200}} {
		res, err := http.Get(base + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d: %s", c.path, res.StatusCode, c.want, body)
		}
		if c.path == "/metrics" && !strings.Contains(string(body), `civiclink_http_requests_total{code="200",method="GET",route="GET /readyz"} 1`) {
			t.Errorf("/metrics does not count the readiness request:\n%s", body)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v, want exit 0", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop within a minute of SIGTERM")
	}
	var sawShutdown bool
	for _, l := range strings.Split(strings.TrimSpace(<-logs), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("a log line is not JSON: %q", l)
			continue
		}
		sawShutdown = sawShutdown || rec["msg"] == "shut down"
	}
	if !sawShutdown {
		t.Errorf("no JSON log line says the server shut down")
	}
}

// servedAt reads serve's first line and returns the base URL it serves.
func servedAt(t *testing.T, stdout io.Reader) string {
	t.Helper()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "serving") {
				line <- sc.Text()
			}
		}
		close(line)
	}()
	select {
	case l, ok := <-line:
		if !ok {
			t.Fatal("serve exited before it said where it serves")
		}
		u := regexp.MustCompile(`https?://[^/ ]+`).FindString(l)
		if u == "" {
			t.Fatalf("no address in %q", l)
		}
		return u
	case <-time.After(time.Minute):
		t.Fatal("serve did not start within a minute")
	}
	return ""
}
