// Package crash attacks civiclink's write paths with SIGKILL. A [Harness]
// runs a command of the real binary as a subprocess, kills it at points
// spread over its run, and after each kill checks that the store opens,
// that its audit log verifies, that it holds only whole writes (no rows of
// a run or a version without their record) and that nothing the command
// reported as done was lost.
package crash

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Store is the store as the harness checks it after a kill. The wiring
// passes the real one's opener ([Harness.Open]).
type Store interface {
	// Recovered describes what opening removed of interrupted writes.
	Recovered() []string
	// Integrity lists what the store holds that is not a whole write.
	Integrity(ctx context.Context) ([]string, error)
	Close() error
}

// Scenario is one write path under attack, over stores of type S.
type Scenario[S Store] struct {
	Name string
	// Args is the command line of attempt i (from 0), after the global
	// flags; each attempt may write something new.
	Args func(i int) []string
	// Held checks, on the recovered store, that what the command reported
	// as done on stdout (possibly cut short) is there; nil checks nothing.
	Held func(ctx context.Context, st S, stdout string) error
}

// Harness runs scenarios against one store, opened with Open.
type Harness[S Store] struct {
	// Open opens the store at a path.
	Open func(ctx context.Context, path string) (S, error)
	// Exe is the civiclink binary; Env its environment (os.Environ() when
	// nil); Global the flags put before every command (--data, --user).
	Exe    string
	Env    []string
	Global []string
	// Data is the store's path.
	Data string
	// Log receives a line per kill; nil discards.
	Log io.Writer
}

// Result is what one scenario's kills found.
type Result struct {
	Scenario string
	Kills    int           // attempts killed while running
	Finished int           // attempts that ended before their kill
	Full     time.Duration // an unkilled run's length
	// Recovered counts the kills after which opening the store removed an
	// interrupted write's remains.
	Recovered int
	Problems  []string
}

// Held reports whether every kill left a sound store.
func (r Result) Held() bool { return len(r.Problems) == 0 }

// String summarises the result for a person.
func (r Result) String() string {
	s := fmt.Sprintf("%-22s %3d kills over %-8v (%d finished first, %d recovered on open): ", r.Scenario, r.Kills+r.Finished, r.Full.Round(time.Millisecond), r.Finished, r.Recovered)
	if r.Held() {
		return s + "held"
	}
	return s + fmt.Sprintf("%d problems: %s", len(r.Problems), strings.Join(r.Problems, "; "))
}

// Run times one unkilled attempt of sc, then makes kills attempts, each
// killed at the next of kills points spread evenly over that time, and
// checks the store after each.
func (h *Harness[S]) Run(ctx context.Context, sc Scenario[S], kills int) (Result, error) {
	res := Result{Scenario: sc.Name}
	args := sc.Args(0)
	start := time.Now()
	out, err := h.command(ctx, args...)
	res.Full = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("%s: the unkilled run failed: %v\n%s", sc.Name, err, out)
	}
	if err := h.check(ctx, sc, out, &res); err != nil {
		return res, err
	}
	span := res.Full
	for k := 1; k <= kills; k++ {
		at := span * time.Duration(k) / time.Duration(kills+1)
		args := sc.Args(k)
		began := time.Now()
		out, finished, err := h.killAt(ctx, at, args...)
		if err != nil {
			return res, err
		}
		if finished {
			// A run quicker than the timed one: spread the rest over it.
			span = min(span, time.Since(began))
			res.Finished++
		} else {
			res.Kills++
		}
		if h.Log != nil {
			fmt.Fprintf(h.Log, "  %s: kill %d at %v (finished first: %v)\n", sc.Name, k, at.Round(time.Millisecond), finished)
		}
		if err := h.check(ctx, sc, out, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (h *Harness[S]) cmd(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, h.Exe, append(append([]string{}, h.Global...), args...)...)
	c.Env = h.Env
	if c.Env == nil {
		c.Env = os.Environ()
	}
	return c
}

// command runs args to the end and returns its output.
func (h *Harness[S]) command(ctx context.Context, args ...string) (string, error) {
	out, err := h.cmd(ctx, args...).CombinedOutput()
	return string(out), err
}

// killAt starts args, kills it with SIGKILL after d and returns its
// stdout and whether it had already ended.
func (h *Harness[S]) killAt(ctx context.Context, d time.Duration, args ...string) (string, bool, error) {
	c := h.cmd(ctx, args...)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, io.Discard
	if err := c.Start(); err != nil {
		return "", false, err
	}
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	select {
	case <-done:
		return out.String(), true, nil
	case <-time.After(d):
	}
	c.Process.Signal(syscall.SIGKILL)
	<-done
	return out.String(), false, nil
}

// check opens the store, asks for its integrity and sc's acknowledged
// work, then verifies the audit log with the binary. A failed check is a
// problem of the result; only a harness failure is an error.
func (h *Harness[S]) check(ctx context.Context, sc Scenario[S], stdout string, res *Result) error {
	problem := func(format string, args ...any) {
		res.Problems = append(res.Problems, fmt.Sprintf(format, args...))
	}
	st, err := h.Open(ctx, h.Data)
	if err != nil {
		problem("the store does not open: %v", err)
		return nil
	}
	if len(st.Recovered()) > 0 {
		res.Recovered++
	}
	bad, err := st.Integrity(ctx)
	if err != nil {
		problem("integrity check failed: %v", err)
	}
	for _, b := range bad {
		problem("%s", b)
	}
	if sc.Held != nil {
		if err := sc.Held(ctx, st, stdout); err != nil {
			problem("acknowledged work lost: %v", err)
		}
	}
	if err := st.Close(); err != nil {
		problem("the store does not close: %v", err)
	}
	if out, err := h.command(ctx, "audit", "verify"); err != nil {
		problem("audit verify: %v: %s", err, strings.TrimSpace(out))
	}
	return nil
}
