package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/crash"
	"github.com/civiclink/civiclink/internal/store"
)

// The crash harness's world: a synthetic county loaded into a store, and
// one user at the county council who may load, link and query its data
// and draft agreements. The write paths under attack are commands of the
// real binary.

// crashUser is the harness's user; crashDatasets the county's own
// datasets it links.
const (
	crashUser     = "crash.tester"
	crashChecker  = "crash.checker"
	crashDatasets = "school_census,youth_offending,adult_social_care"
	crashPurpose  = "violence-and-vulnerability"
	crashLinkage  = "crash-linkage"
)

// crashSetup builds the harness's store in dir for a county of people and
// returns the store's path and the county folder.
func crashSetup(ctx context.Context, dir string, people int) (string, string, error) {
	data, county := filepath.Join(dir, "crash.duckdb"), filepath.Join(dir, "county")
	steps := [][]string{
		{"synth", "--people", strconv.Itoa(people), "--seed", "23", "--quiet", "--out", county},
		{"load", county},
		{"user", "bootstrap", "--id", crashUser, "--partner", "county", "--name", "Crash tester", "--no-password"},
		{"user", "roles", crashUser, "--roles", "partner-admin,data-owner,analyst"},
		{"user", "add", "--id", crashChecker, "--partner", "county", "--name", "Crash checker", "--roles", "output-checker", "--no-password"},
	}
	for _, s := range steps {
		if out, err := runCLI(ctx, data, s...); err != nil {
			return "", "", fmt.Errorf("crash set-up %v: %v\n%s", s, err, out)
		}
	}
	// A linkage run needs every dataset's identifiers shared for its
	// purpose by an active agreement: the county's own, for its datasets.
	shares := map[string][]string{}
	for _, d := range strings.Split(crashDatasets, ",") {
		sc, err := catalog.ReadSchemaFile(filepath.Join(county, "encoded", d+".schema.json"))
		if err != nil {
			return "", "", fmt.Errorf("crash set-up: %w", err)
		}
		for _, c := range sc.Columns {
			shares[d] = append(shares[d], c.Name)
		}
	}
	if err := crashAgreement(cliOn(ctx, data), dir, crashLinkage, shares); err != nil {
		return "", "", err
	}
	return data, county, nil
}

// runCLI runs civiclink in this process as crashUser against data.
func runCLI(ctx context.Context, data string, args ...string) (string, error) {
	var out bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Clock: clock.System{}}
	err := m.Run(ctx, append([]string{"--data", data, "--user", crashUser}, args...))
	m.Close()
	return out.String(), err
}

// cliOn runs civiclink in this process as crashUser against data.
func cliOn(ctx context.Context, data string) func(args ...string) (string, error) {
	return func(args ...string) (string, error) { return runCLI(ctx, data, args...) }
}

// crashScenarios are the write paths the harness attacks, over the store
// crashSetup made (county is its county folder; work a folder for inputs).
func crashScenarios(county, work string) []crash.Scenario[*store.Store] {
	census := filepath.Join(county, "encoded", "school_census.csv")
	return []crash.Scenario[*store.Store]{
		{Name: "ingest", Args: func(i int) []string {
			return []string{"ingest", "--dataset", "school_census", variant(census, work, i)}
		}, Held: heldVersion},
		{Name: "link run (full)", Args: func(int) []string {
			return []string{"link", "run", "--datasets", crashDatasets, "--purpose", crashPurpose}
		}, Held: heldRun},
		{Name: "link run (incremental)", Args: func(int) []string {
			return []string{"link", "run", "--incremental", "--datasets", crashDatasets, "--purpose", crashPurpose}
		}, Held: heldRun},
		{Name: "agreement create", Args: func(i int) []string {
			return []string{"agreement", "create", "--file", agreementFile(work, i)}
		}, Held: heldAgreement},
		{Name: "output draft", Args: func(int) []string {
			return []string{"output", "draft", crashIndicator}
		}, Held: heldOutput("draft")},
		{Name: "output release", Args: func(i int) []string {
			return []string{"--user", crashChecker, "output", "release", checkedOutput(data(county), i)}
		}, Held: heldOutput("released")},
		{Name: "query (audit appends)", Args: func(int) []string {
			return []string{"query", "aggregate", "--dataset", "school_census", "--by", "year", "--purpose", crashPurpose}
		}},
	}
}

// variant writes, once, a copy of the CSV at path without its data line
// i+1 (counting round the file), so that each attempt loads a new version.
func variant(path, work string, i int) string {
	out := filepath.Join(work, fmt.Sprintf("census-%d.csv", i))
	if _, err := os.Stat(out); err == nil {
		return out
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return path // the command will say what is wrong
	}
	lines := strings.SplitAfter(string(b), "\n")
	if data := len(lines) - 2; data > 0 { // the header, the data lines, "" after the last newline
		skip := 1 + i%data
		lines = append(lines[:skip], lines[skip+1:]...)
	}
	os.WriteFile(out, []byte(strings.Join(lines, "")), 0o600)
	return out
}

// agreementFile writes, once, a draft agreement numbered i sharing the
// county's datasets within the county.
func agreementFile(work string, i int) string {
	out := filepath.Join(work, fmt.Sprintf("agreement-%d.json", i))
	start := time.Now().UTC()
	body := fmt.Sprintf(`{"id": "crash-%d", "title": "Crash test %d", "purpose": %q,
 "parties": [{"partner": "county", "owner": true, "recipient": true, "lawful_basis": ["uk-gdpr-6-1-e"]}],
 "datasets": [{"dataset": "school_census", "columns": ["record_id"], "privacy_budget": {"epsilon": 1, "period": "month"}}],
 "outputs": ["aggregate"], "retention_days": 365,
 "start": %q, "end": %q, "review": %q}`, i, i, crashPurpose,
		start.Format("2006-01-02"), start.AddDate(1, 0, 0).Format("2006-01-02"), start.AddDate(0, 6, 0).Format("2006-01-02"))
	os.WriteFile(out, []byte(body), 0o600)
	return out
}

// crashIndicator is an indicator over the county's own data.
const crashIndicator = "not-school-ready"

// data is the store crashSetup made beside county.
func data(county string) string { return filepath.Join(filepath.Dir(county), "crash.duckdb") }

// checkedOutput drafts an output and has the checker approve it, in this
// process before the attempt starts, and returns its id for release.
func checkedOutput(data string, i int) string {
	ctx := context.Background()
	out, err := runCLI(ctx, data, "output", "draft", crashIndicator)
	m := outputDone.FindStringSubmatch(out)
	if err != nil || m == nil {
		return "0" // the release will say what is wrong
	}
	runCLI(ctx, data, "--user", crashChecker, "output", "check", m[1], "--note", fmt.Sprintf("crash attempt %d", i))
	return m[1]
}

// heldOutput checks that the output the command reported is there with
// status.
func heldOutput(status string) func(context.Context, *store.Store, string) error {
	return func(ctx context.Context, st *store.Store, out string) error {
		m := outputDone.FindStringSubmatch(out)
		if m == nil {
			return nil
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		o, err := st.Output(ctx, id)
		if err != nil {
			return err
		}
		if string(o.Status) != status {
			return fmt.Errorf("output %d reported %s is %s", id, status, o.Status)
		}
		return nil
	}
}

var (
	outputDone    = regexp.MustCompile(`^output (\d+)[ :]`)
	versionDone   = regexp.MustCompile(`as version (\d+) of (\S+):`)
	runDone       = regexp.MustCompile(`linkage run (\d+) `)
	agreementDone = regexp.MustCompile(`created draft agreement (\S+);`)
)

func heldVersion(ctx context.Context, st *store.Store, out string) error {
	m := versionDone.FindStringSubmatch(out)
	if m == nil {
		return nil
	}
	n, _ := strconv.Atoi(m[1])
	_, err := st.Version(ctx, m[2], n)
	return err
}

func heldRun(ctx context.Context, st *store.Store, out string) error {
	m := runDone.FindStringSubmatch(out)
	if m == nil {
		return nil
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	if _, err := st.LinkageRun(ctx, id); err != nil {
		return err
	}
	if rows, err := st.EntityRows(ctx, id); err != nil || len(rows) == 0 {
		return fmt.Errorf("run %d reported done has %d entity rows (%v)", id, len(rows), err)
	}
	return nil
}

func heldAgreement(ctx context.Context, st *store.Store, out string) error {
	m := agreementDone.FindStringSubmatch(out)
	if m == nil {
		return nil
	}
	_, err := st.Agreement(ctx, m[1])
	return err
}
