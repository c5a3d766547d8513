package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/disclose"
)

// run executes civiclink with args against the store at data, as a user
// would, and returns stdout, stderr and the exit code main would use.
func run(tb testing.TB, data string, args ...string) (string, string, int) {
	tb.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Clock: clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))}
	err := m.Run(context.Background(), append([]string{"--data", data, "--user", "tester"}, args...))
	closed(tb, m, args)
	code := 0
	if err != nil {
		errb.WriteString(errorText(err))
		code = exitCode(err)
	}
	return out.String(), errb.String(), code
}

// closed closes what an in-process command opened and fails the test when
// a store could not be let go of: the next command's open of the same
// file would wait for it (store/close.go).
func closed(tb testing.TB, m *Main, args []string) {
	tb.Helper()
	if err := m.Close(); err != nil {
		tb.Errorf("%v: closing: %v", args, err)
	}
}

func TestCatalogueCommands(t *testing.T) {
	data := filepath.Join(t.TempDir(), "s.duckdb")
	schema := "../../internal/ingest/testdata/incidents/schema.json"
	steps := []struct {
		args     []string
		wantCode int
		want     string // in stdout for success, stderr for failure
	}{
		{[]string{"partner", "add", "--id", "police", "--name", "Essex Police"}, 0, "added partner police"},
		{[]string{"partner", "add", "--id", "police", "--name", "Again"}, 5, "already exists"},
		{[]string{"partner", "add", "--id", "Bad Id", "--name", "x"}, 2, "not valid"},
		{[]string{"partner", "list"}, 0, "Essex Police"},
		{[]string{"dataset", "add", "--partner", "nobody", "--id", "x", "--schema", schema}, 4, "no partner \"nobody\""},
		{[]string{"dataset", "add", "--partner", "police", "--id", "incidents", "--schema", "missing.json"}, 2, "cannot read schema file"},
		{[]string{"dataset", "add", "--partner", "police", "--id", "incidents", "--schema", schema}, 0, "with 9 columns"},
		{[]string{"ingest", "--dataset", "incidents", "../../internal/ingest/testdata/incidents/good.csv"}, 3, "no civiclink user \"tester\""},
		{[]string{"user", "bootstrap", "--id", "tester", "--partner", "police", "--name", "Tester", "--no-password"}, 0, "created tester"},
		{[]string{"ingest", "--dataset", "incidents", "../../internal/ingest/testdata/incidents/good.csv"}, 3, "only a data owner of \"police\" can"},
		{[]string{"user", "roles", "tester", "--roles", "partner-admin,data-owner"}, 0, "data-owner"},
		{[]string{"ingest", "--dataset", "incidents", "../../internal/ingest/testdata/incidents/types.csv"}, 2, "5 of 6 rows have errors"},
		{[]string{"ingest", "--dataset", "incidents", "../../internal/ingest/testdata/incidents/good.csv"}, 0, "version 1 of incidents: 4 rows"},
		{[]string{"ingest", "--dataset", "incidents", "../../internal/ingest/testdata/incidents/good.csv"}, 0, "byte-identical to version 1"},
		{[]string{"ingest", "--dataset", "incidents", "--delimiter", ";;", "x.csv"}, 2, "--delimiter must be one character"},
		{[]string{"dataset", "list"}, 0, "incidents  police   9"},
		{[]string{"audit", "list", "--action", "ingest"}, 0, "dataset:incidents@1"},
		{[]string{"audit", "verify"}, 0, "intact"},
		{[]string{"dataset", "show", "incidents"}, 0, "quality of version 1"},
		{[]string{"dataset", "show", "--json", "incidents"}, 0, `"versions": [`},
		{[]string{"dataset", "show"}, 2, "takes a dataset id"},
		{[]string{"nonsense"}, 2, "unknown command"},
		{[]string{"partner", "add", "--bogus"}, 2, "unknown flag"},
	}
	for _, s := range steps {
		out, errs, code := run(t, data, s.args...)
		if code != s.wantCode {
			t.Errorf("%v: exit %d, want %d\nstdout: %s\nstderr: %s", s.args, code, s.wantCode, out, errs)
			continue
		}
		where := out
		if code != 0 {
			where = errs
		}
		if !strings.Contains(where, s.want) {
			t.Errorf("%v: output does not contain %q\nstdout: %s\nstderr: %s", s.args, s.want, out, errs)
		}
	}
}

func TestDemoRunsTheFlow(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "demo.duckdb")
	out, errs, code := run(t, data, "demo", "--no-serve", "--people", "1500", "--work", filepath.Join(dir, "county"))
	if code != 0 {
		t.Fatalf("demo exit %d: %s\n%s", code, errs, out)
	}
	for _, want := range []string{"road-casualties  v4", "street-crime     v6", "pseudonymised at police", "9 agreements active",
		"against the synthetic truth", "known-to-three-agencies", "every one verified",
		"3000 responses in 28 sessions", "3 quotes released after an output check"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// DfT's 2015 figures (44 killed, 734 seriously injured, 778 KSI),
	// published perturbed.
	if m := regexp.MustCompile(`2015: (\d+) killed, (\d+) seriously injured, (\d+) KSI`).FindStringSubmatch(out); m == nil {
		t.Errorf("demo output lacks the 2015 KSI line:\n%s", out)
	} else {
		shift := int(disclose.DefaultPTable().MaxPerturbation())
		for i, truth := range []int{44, 734, 778} {
			if n, _ := strconv.Atoi(m[i+1]); n < truth-shift || n > truth+shift {
				t.Errorf("2015 figure %d published as %d, want %d perturbed by at most %d", i, n, truth, shift)
			}
		}
	}
	// A second run replaces its own store.
	if _, errs, code := run(t, data, "demo", "--no-serve", "--people", "300"); code != 0 {
		t.Fatalf("second demo run exit %d: %s", code, errs)
	}
	// The demo refuses to replace a store it did not make.
	other := filepath.Join(dir, "real.duckdb")
	if _, errs, code := run(t, other, "partner", "add", "--id", "police", "--name", "P"); code != 0 {
		t.Fatal(errs)
	}
	_, errs, code = run(t, other, "demo", "--no-serve")
	if code == 0 || !strings.Contains(errs, "not a demo store") {
		t.Errorf("demo over a real store: exit %d, %s; want a refusal", code, errs)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("the real store is gone: %v", err)
	}
}
