package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/queue"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
)

// pgCrashCounty builds the crash harness's county (crashSetup) on the
// PostgreSQL database db, for people people, with crashUser able to sign
// in with servedPassword, and returns an API token of crashUser's.
func pgCrashCounty(t *testing.T, dir, db string, people int) string {
	t.Helper()
	county := filepath.Join(dir, "county")
	if out, err := command(t, dir, t.TempDir(), "synth", "--people", fmt.Sprint(people), "--seed", "23", "--quiet", "--out", county).CombinedOutput(); err != nil {
		t.Fatalf("synth: %v\n%s", err, out)
	}
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(servedPassword+"\n"), 0o600)
	as := func(args ...string) (string, error) {
		out, err := pgCommand(t, dir, db, "cli.duckdb", append([]string{"--user", crashUser}, args...)...).CombinedOutput()
		return string(out), err
	}
	for _, s := range [][]string{
		{"load", county},
		{"user", "bootstrap", "--id", crashUser, "--partner", "county", "--name", "Crash tester", "--password-file", pw},
		{"user", "roles", crashUser, "--roles", "partner-admin,data-owner,analyst"},
	} {
		if out, err := as(s...); err != nil {
			t.Fatalf("civiclink %v: %v\n%s", s, err, out)
		}
	}
	shares := map[string][]string{}
	for _, d := range strings.Split(crashDatasets, ",") {
		sc, err := catalog.ReadSchemaFile(filepath.Join(county, "encoded", d+".schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range sc.Columns {
			shares[d] = append(shares[d], c.Name)
		}
	}
	if err := crashAgreement(as, dir, crashLinkage, shares); err != nil {
		t.Fatal(err)
	}
	tok, err := pgCommand(t, dir, db, "cli.duckdb", "--user", crashUser, "user", "token", "issue", "--name", "linkage").Output()
	if err != nil {
		t.Fatalf("token issue: %v", err)
	}
	return strings.TrimSpace(string(tok))
}

// startRun starts a linkage run of the harness's datasets through the
// server at base and returns its job id.
func startRun(t *testing.T, base, token string) string {
	t.Helper()
	ds, _ := json.Marshal(strings.Split(crashDatasets, ","))
	body := fmt.Sprintf(`{"datasets": %s, "purpose": %q}`, ds, crashPurpose)
	req, _ := http.NewRequest("POST", base+"/api/linkage/runs", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var j struct{ ID string }
	if err := json.NewDecoder(res.Body).Decode(&j); err != nil || res.StatusCode != http.StatusAccepted || j.ID == "" {
		t.Fatalf("POST /api/linkage/runs on %s: %d, %v", base, res.StatusCode, err)
	}
	return j.ID
}

// linkJob is a linkage job as /api/jobs/{id} answers.
type linkJob struct {
	State, Error string
	Run          int64
}

// waitJob waits up to 3 minutes for the server at base to report job id
// finished, and returns it.
func waitJob(t *testing.T, base, token, id string) linkJob {
	t.Helper()
	var j linkJob
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		status, body := apiGet(t, base+"/api/jobs/"+id, token)
		if status == http.StatusOK && json.Unmarshal([]byte(body), &j) == nil && (j.State == "done" || j.State == "failed") {
			return j
		}
	}
	t.Fatalf("job %s never finished on %s: last %+v", id, base, j)
	return j
}

// cohortFigures is the related cohorts' section of a theme page.
var cohortFigures = regexp.MustCompile(`(?s)id="cohort-figures".*?</table>`)

// TestLinkageTwoProcessesPostgres runs two real `civiclink serve`
// processes on one PostgreSQL database: a linkage run started through A
// goes on the shared queue, is claimed and run exactly once (one job row,
// one worker, one run record, one audit entry of the run), and B lists it
// with its quality, read from the shared store; a cohort over the linked
// entities gives the same figures on A and B. Then a server killed while
// running a linkage job leaves it running until its heartbeat is stale;
// the other server then records it as failed with the reason, and nobody
// runs it again. Both servers list the first job on their linkage page,
// and a clerical decision the CLI (a third process) records on the run is
// in both servers' review.
func TestLinkageTwoProcessesPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a county on PostgreSQL and starts two servers; skipped with -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db := pgtest.Fresh(t)
	token := pgCrashCounty(t, dir, db, 6000)
	bases, pids := twoServerProcs(t, dir, db, "--no-second-factor")
	a, b := bases[0], bases[1]
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	id := startRun(t, a, token)
	j := waitJob(t, b, token, id)
	if j.State != "done" || j.Run == 0 {
		t.Fatalf("the linkage job started through A, asked of B: %+v, want done with a run", j)
	}
	// The queue records the end just after the server that ran the job
	// answers done from its memory.
	for deadline, state := time.Now().Add(10*time.Second), ""; state != queue.Done && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		conn.QueryRow(ctx, `SELECT state FROM jobs WHERE ref = $1`, id).Scan(&state)
	}
	var jobs, done, runs, linked int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE state = 'done' AND worker <> '' AND claimed_at IS NOT NULL) FROM jobs WHERE kind = 'web.linkage'`).Scan(&jobs, &done); err != nil {
		t.Fatal(err)
	}
	conn.QueryRow(ctx, `SELECT count(*) FROM linkage_runs`).Scan(&runs)
	conn.QueryRow(ctx, `SELECT count(*) FROM audit_leaves WHERE action = 'link' AND outcome = 'allowed'`).Scan(&linked)
	if jobs != 1 || done != 1 || runs != 1 || linked != 1 {
		t.Errorf("after one run: %d linkage jobs (%d done by one worker), %d run records, %d audit entries of a run; want 1 of each", jobs, done, runs, linked)
	}

	// Both servers list the run with its quality, and the cohort over its
	// entities publishes the same figures on both.
	var quality [2]string
	for i, base := range bases {
		status, body := apiGet(t, fmt.Sprintf("%s/api/linkage/runs/%d", base, j.Run), token)
		if status != http.StatusOK || !strings.Contains(body, `"records"`) {
			t.Errorf("%s /api/linkage/runs/%d: %d %.300s", base, j.Run, status, body)
		}
		quality[i] = body
		status, body = apiGet(t, base+"/api/linkage/current", token)
		if status != http.StatusOK || !strings.Contains(body, fmt.Sprintf(`"id": %d`, j.Run)) {
			t.Errorf("%s /api/linkage/current: %d %.300s, want run %d", base, status, body, j.Run)
		}
	}
	if quality[0] != quality[1] {
		t.Errorf("the run's quality differs between A and B:\n%.500s\n%.500s", quality[0], quality[1])
	}
	var figures [2]string
	for i, base := range bases {
		br := newBrowser(t, base)
		if status, _ := br.signIn(crashUser, servedPassword); status != http.StatusSeeOther {
			t.Fatalf("sign-in on %s: %d", base, status)
		}
		// The job is in the user's runs on both pages: the one that ran it
		// and the one that only queued (or only saw) it.
		if status, page := br.get("/linkage"); status != http.StatusOK || !strings.Contains(page, "/linkage/jobs/"+id) {
			t.Errorf("%s /linkage: %d, does not list the job %s", base, status, id)
		}
		status, page := br.get("/themes/school-readiness?cohorts=show")
		figures[i] = cohortFigures.FindString(page)
		if status != http.StatusOK || !strings.Contains(figures[i], "youth-offending") {
			t.Errorf("%s cohort figures: %d %.600s", base, status, figures[i])
		}
	}
	if figures[0] != figures[1] {
		t.Errorf("the cohort's figures differ between A and B:\n%s\n%s", figures[0], figures[1])
	}
	text := strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(figures[0], " ")), " ")
	// The cohort's row: its description, its unit and period, then the
	// count, which must be published here.
	if !regexp.MustCompile(`in either order\.(?: Rate per [^)]*\))? \d+ `).MatchString(text) {
		t.Errorf("the cohort's county figure is not published (the county is too small to compare figures): %s", text)
	}
	t.Logf("cohort figures on both servers: %s", text)

	// A third process (the CLI, its own engine) reads the run's review
	// list from the shared files, and a decision it records is the one
	// both servers show.
	cli := func(args ...string) string {
		out, err := pgCommand(t, dir, db, "cli.duckdb", append([]string{"--user", crashUser}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("civiclink %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	run := fmt.Sprint(j.Run)
	if out := cli("link", "review", "list", "--run", run, "--limit", "1"); !strings.Contains(out, "borderline pairs") {
		t.Errorf("the CLI's review list of run %s:\n%s", run, out)
	}
	cli("link", "review", "decide", "--run", run, "--pair", "1", "--non-match", "--note", "checked by the CLI")
	for _, base := range bases {
		if status, body := apiGet(t, base+"/api/linkage/runs/"+run+"/review", token); status != http.StatusOK || !strings.Contains(body, "non-match") {
			t.Errorf("%s review of run %s after the CLI's decision: %d %.400s", base, run, status, body)
		}
	}

	// A server killed mid-run: its job is failed as interrupted once its
	// heartbeat is stale (moved back here rather than waited for), by the
	// other server, and never run again.
	id = startRun(t, b, token)
	var worker, state string
	for deadline := time.Now().Add(time.Minute); state != queue.Running; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the second linkage job was never claimed: state %q", state)
		}
		conn.QueryRow(ctx, `SELECT state, worker FROM jobs WHERE ref = $1`, id).Scan(&state, &worker)
	}
	victim, survivor := pids[0], b
	if strings.Contains(worker, "/"+pids[1]+"/") {
		victim, survivor = pids[1], a
	}
	pid, _ := strconv.Atoi(victim)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE jobs SET heartbeat_at = heartbeat_at - interval '10 minutes' WHERE ref = $1 AND state = 'running'`, id); err != nil {
		t.Fatal(err)
	}
	j = waitJob(t, survivor, token, id)
	var failure, after string
	conn.QueryRow(ctx, `SELECT state, error, worker FROM jobs WHERE ref = $1`, id).Scan(&state, &failure, &after)
	conn.QueryRow(ctx, `SELECT count(*) FROM linkage_runs`).Scan(&runs)
	if j.State != "failed" || !strings.Contains(j.Error, "interrupted") || state != queue.Failed || failure != queue.StaleReason || after != worker || runs != 1 {
		t.Errorf("the job of the killed server: answered %+v; queue state %s (%q) by %s (claimed by %s); %d runs recorded; want failed as interrupted, by the same worker, one run",
			j, state, failure, after, worker, runs)
	}
}
