package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/refdata"
	"github.com/civiclink/civiclink/internal/tempcheck"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// binary builds civiclink once for the package's tests and returns its
// path.
func binary(tb testing.TB) string {
	tb.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "bin-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "civiclink")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = &buildError{out: string(out), err: err}
		}
	})
	if binErr != nil {
		tb.Fatalf("building civiclink: %v", binErr)
	}
	return binPath
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// command prepares the built binary to run in dir as a user would, far
// from the checkout: CIVICLINK_REFDATA unset and TMPDIR set to tmp.
func command(tb testing.TB, dir, tmp string, args ...string) *exec.Cmd {
	tb.Helper()
	cmd := exec.Command(binary(tb), args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, refdata.EnvVar+"=") && !strings.HasPrefix(kv, "TMPDIR=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "TMPDIR="+tmp)
	return cmd
}

// TestBinaryRunsAnywhere runs the built binary from a temporary directory
// with no reference data folder in reach: the commands that touch
// geography and names work from what the binary carries, and the demo
// leaves nothing behind in the temporary directory.
func TestBinaryRunsAnywhere(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"synth", "--people", "100", "--out", "county"}, "truth.csv"},
		{[]string{"demo", "--no-serve", "--people", "300"}, "every one verified"},
		{[]string{"--data", "civiclink-demo.duckdb", "audit", "verify"}, "intact"},
	}
	for _, s := range steps {
		var out, errb bytes.Buffer
		cmd := command(t, dir, tmp, s.args...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("civiclink %v: %v\nstdout: %s\nstderr: %s", s.args, err, out.String(), errb.String())
		}
		if !strings.Contains(out.String()+errb.String(), s.want) {
			t.Errorf("civiclink %v: output lacks %q\n%s%s", s.args, s.want, out.String(), errb.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "civiclink-demo.duckdb")); err != nil {
		t.Errorf("the demo store is not in the working directory: %v", err)
	}
	if left := tempcheck.Leftovers(tmp); len(left) > 0 {
		t.Errorf("the demo left %v in its temporary directory", left)
	}
}

// TestBinaryDemoInterrupted stops the demo with each signal a user or a
// service manager sends once its county folder (identities, truth, the
// partners' key) exists, and checks the folder is gone when it exits.
func TestBinaryDemoInterrupted(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir, tmp := t.TempDir(), t.TempDir()
			var out bytes.Buffer
			cmd := command(t, dir, tmp, "demo", "--no-serve", "--people", "100")
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			county := waitFor(t, done, func() bool {
				m, _ := filepath.Glob(filepath.Join(tmp, "civiclink-demo-county-*", "people.csv"))
				return len(m) > 0
			})
			if !county {
				t.Fatalf("the demo finished before its county folder was seen:\n%s", out.String())
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err == nil {
					t.Errorf("the demo exited 0 after %v", sig)
				}
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				t.Fatalf("the demo did not stop within 2 minutes of %v", sig)
			}
			if left := tempcheck.Leftovers(tmp); len(left) > 0 {
				t.Errorf("after %v the demo left %v\n%s", sig, left, out.String())
			}
			if !strings.Contains(out.String(), "interrupted") {
				t.Errorf("after %v the demo did not say it was interrupted:\n%s", sig, out.String())
			}
		})
	}
}

// waitFor polls cond until it holds (true) or the process exits (false).
func waitFor(t *testing.T, done <-chan error, cond func() bool) bool {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if cond() {
			return true
		}
		select {
		case err := <-done:
			t.Logf("process exited: %v", err)
			return false
		case <-tick.C:
		}
	}
}
