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
	"net/http"
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

	// Prepare, when set, runs before attempt i (from 0) with the store
	// closed, to set up what the attempt writes or to note what the store
	// holds before it.
	Prepare func(ctx context.Context, i int) error

	// Serve, when set, makes the attempts a server's: the subprocess is
	// the command Serve (after the global flags), listening at Base; once
	// Base+"/readyz" answers, Drive runs against it as clients would and
	// the server, not the client, is killed. Drive's output (what the
	// server acknowledged) goes to Held in place of stdout.
	Serve []string
	Base  string
	Drive func(ctx context.Context, i int) (string, error)
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
	if err := h.prepare(ctx, sc, 0); err != nil {
		return res, err
	}
	var out string
	var err error
	var start time.Time
	if sc.Serve != nil {
		out, _, err = h.served(ctx, sc, 0, 0, &start)
	} else {
		start = time.Now()
		out, err = h.command(ctx, sc.Args(0)...)
	}
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
		if err := h.prepare(ctx, sc, k); err != nil {
			return res, err
		}
		var out string
		var finished bool
		var err error
		var began time.Time
		if sc.Serve != nil {
			out, finished, err = h.served(ctx, sc, k, at, &began)
		} else {
			began = time.Now()
			out, finished, err = h.killAt(ctx, at, sc.Args(k)...)
		}
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

// prepare runs sc's Prepare for attempt i, if it has one.
func (h *Harness[S]) prepare(ctx context.Context, sc Scenario[S], i int) error {
	if sc.Prepare == nil {
		return nil
	}
	if err := sc.Prepare(ctx, i); err != nil {
		return fmt.Errorf("%s: preparing attempt %d: %w", sc.Name, i, err)
	}
	return nil
}

// served starts sc's server, waits until it is ready, sets *began and
// runs sc's Drive against it. With at zero it lets Drive finish and stops
// the server gracefully (an error is the unkilled run failing); otherwise
// it kills the server with SIGKILL after at, or at once when Drive ended
// first (finished), and returns what Drive had acknowledged by then.
func (h *Harness[S]) served(ctx context.Context, sc Scenario[S], i int, at time.Duration, began *time.Time) (string, bool, error) {
	c := h.cmd(ctx, sc.Serve...)
	var logs bytes.Buffer
	c.Stdout, c.Stderr = &logs, &logs
	if err := c.Start(); err != nil {
		return "", false, err
	}
	exited := make(chan struct{})
	go func() { c.Wait(); close(exited) }()
	stop := func(sig syscall.Signal) {
		c.Process.Signal(sig)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			c.Process.Kill()
			<-exited
		}
	}
	if err := waitReady(ctx, sc.Base+"/readyz", exited); err != nil {
		stop(syscall.SIGKILL)
		return "", false, fmt.Errorf("%s: the server did not start: %v\n%s", sc.Name, err, logs.String())
	}
	*began = time.Now()
	dctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type driven struct {
		out string
		err error
	}
	done := make(chan driven, 1)
	go func() {
		out, err := sc.Drive(dctx, i)
		done <- driven{out, err}
	}()
	if at == 0 {
		d := <-done
		stop(syscall.SIGTERM)
		if d.err != nil {
			return d.out, true, fmt.Errorf("%v\nserver log:\n%s", d.err, logs.String())
		}
		return d.out, true, nil
	}
	finished := false
	var d driven
	select {
	case d = <-done:
		finished = true
	case <-time.After(at):
	}
	stop(syscall.SIGKILL)
	if !finished {
		cancel()
		d = <-done
	}
	return d.out, finished, nil
}

// waitReady polls url until it answers 200, the server exits or three
// minutes pass (a loaded machine opens a store slowly).
func waitReady(ctx context.Context, url string, exited <-chan struct{}) error {
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("it exited")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 within three minutes", url)
}

func (h *Harness[S]) cmd(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, h.Exe, append(append([]string{}, h.Global...), args...)...)
	c.Env = h.Env
	if c.Env == nil {
		c.Env = os.Environ()
	}
	return c
}

// Exec runs the binary with args as a client would (without the global
// flags, with the harness's environment) and returns its output.
func (h *Harness[S]) Exec(ctx context.Context, args ...string) (string, error) {
	c := exec.CommandContext(ctx, h.Exe, args...)
	c.Env = h.Env
	if c.Env == nil {
		c.Env = os.Environ()
	}
	out, err := c.CombinedOutput()
	return string(out), err
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
