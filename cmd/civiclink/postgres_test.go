package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
)

// pgCommand runs the built binary on the PostgreSQL database at url, with
// its own analytics engine file and the shared audit and second-factor
// keys.
func pgCommand(t *testing.T, dir, url, engine string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := command(t, dir, t.TempDir(), append([]string{"--data", url}, args...)...)
	cmd.Env = append(cmd.Env, EngineEnv+"="+filepath.Join(dir, engine), "CIVICLINK_AUDIT_KEY_FILE="+filepath.Join(dir, "audit-key"),
		"CIVICLINK_MFA_KEY_FILE="+filepath.Join(dir, "mfa-key"))
	return cmd
}

// pgRun runs one CLI command on the database and returns its output,
// failing the test when it fails.
func pgRun(t *testing.T, dir, url string, args ...string) string {
	t.Helper()
	out, err := pgCommand(t, dir, url, "cli.duckdb", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("civiclink %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// pgCounty makes partner county on the database at db with users ada
// (its first user, a partner admin) and bo (an analyst), both with
// servedPassword.
func pgCounty(t *testing.T, dir, db string) {
	t.Helper()
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(servedPassword+"\n"), 0o600)
	pgRun(t, dir, db, "partner", "add", "--id", "county", "--name", "County Council")
	pgRun(t, dir, db, "--user", "ada", "user", "bootstrap", "--id", "ada", "--partner", "county", "--name", "Ada", "--password-file", pw)
	pgRun(t, dir, db, "--user", "ada", "user", "add", "--id", "bo", "--partner", "county", "--name", "Bo", "--roles", "analyst", "--password-file", pw)
}

// TestServeTwoProcessesPostgres runs two real `civiclink serve` processes
// on one PostgreSQL database and a client alternating between them: a
// session made on one works on the other; a sign-out on one ends it on
// both; a user disabled by the CLI while both serve is refused by both;
// a self-assessment round the CLI answers is in both servers' programme;
// and the audit entries both servers and the CLI appended verify as one
// log.
func TestServeTwoProcessesPostgres(t *testing.T) {
	dir, db, token := pgIncidents(t)
	a, b := twoServers(t, dir, db)

	// Sign in on A; the cookie works on B (same host, another port), and
	// the client alternates.
	br := newBrowser(t, a)
	if status, _ := br.signIn("ada", servedPassword); status != http.StatusSeeOther {
		t.Fatalf("sign-in on A: %d, want 303", status)
	}
	for i, base := range []string{a, b, a, b} {
		br.base = base
		if status, body := br.get("/api/me"); status != http.StatusOK || !strings.Contains(body, `"ada"`) {
			t.Fatalf("request %d on %s: /api/me = %d %.200s, want 200 as ada", i, base, status, body)
		}
	}

	// Sign out on B: the session is gone on A too (B's sign-out reaches
	// A's session cache by NOTIFY).
	cookie := sessionCookieOf(t, br, a)
	br.base = b
	_, page := br.get("/")
	if status, _ := br.post("/signout", page, url.Values{}); status != http.StatusSeeOther {
		t.Fatalf("sign-out on B: %d, want 303", status)
	}
	// The notice reaches A a moment after B answers (PostgreSQL delivers
	// it to A's listening connection): A refuses the session as soon as
	// it arrives — asked until then, for up to 10 s, and the wait logged.
	signedOut := time.Now()
	for status := getWithCookie(t, a+"/api/me", cookie); status != http.StatusUnauthorized; status = getWithCookie(t, a+"/api/me", cookie) {
		if time.Since(signedOut) > 10*time.Second {
			t.Fatalf("A after the sign-out on B: /api/me = %d for 10 s, want 401", status)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("A refused the session signed out on B %v after B answered", time.Since(signedOut).Round(time.Millisecond))

	// Bo signs in on B; the CLI disables Bo while both serve; both refuse.
	bo := newBrowser(t, b)
	if status, _ := bo.signIn("bo", servedPassword); status != http.StatusSeeOther {
		t.Fatalf("bo's sign-in on B: %d, want 303", status)
	}
	pgRun(t, dir, db, "--user", "ada", "user", "disable", "bo")
	for _, base := range []string{a, b} {
		bo.base = base
		if status, _ := bo.get("/api/me"); status == http.StatusOK {
			t.Errorf("%s still serves bo after the CLI disabled bo", base)
		}
	}

	// A version uploaded through A is read through B, and the next one,
	// uploaded through B, through A: each engine reads the other's rows
	// from the version's Parquet file in the shared folder.
	// Uploads go on the shared queue and run in whichever server claims
	// them: each job is claimed and run once, and either server answers
	// for it.
	var jobIDs []string
	for i, up := range []struct{ on, other, file string }{{a, b, "good.csv"}, {b, a, "good.jsonl"}, {a, b, "good.jsonl"}} {
		status, body := uploadFile(t, up.on, token, incidentsDir+up.file)
		if status != http.StatusAccepted {
			t.Fatalf("upload of %s to %s: %d %s", up.file, up.on, status, body)
		}
		var job struct{ ID string }
		json.Unmarshal([]byte(body), &job)
		jobIDs = append(jobIDs, job.ID)
		if i < 2 {
			waitForVersion(t, up.other, token, i+1)
		}
		// The server that ran it says done a moment before its record on
		// the queue does.
		var st int
		var jb string
		var got struct{ State string }
		for deadline := time.Now().Add(10 * time.Second); got.State != "done" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			st, jb = apiGet(t, up.other+"/api/jobs/"+job.ID, token)
			json.Unmarshal([]byte(jb), &got)
		}
		if st != http.StatusOK || got.State != "done" {
			t.Errorf("job %s of the upload to %s, asked of the other server: %d %.300s", job.ID, up.on, st, jb)
		}
	}
	conn, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var jobs, done, distinct int
	if err := conn.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE state = 'done' AND worker <> '' AND claimed_at IS NOT NULL), count(DISTINCT ref)
		FROM jobs WHERE kind = 'web.upload' AND ref = ANY($1)`, jobIDs).Scan(&jobs, &done, &distinct); err != nil {
		t.Fatal(err)
	}
	if jobs != 3 || done != 3 || distinct != 3 {
		t.Errorf("the queue holds %d upload jobs (%d done by one worker, %d distinct), want 3 of each", jobs, done, distinct)
	}
	if _, err := os.Stat(filepath.Join(dir, "civiclink-versions")); err != nil {
		t.Errorf("the shared folder beside the engines: %v", err)
	}

	// The administration commands work beside the servers (no --server):
	// a purpose added by the CLI is in both servers' register, and pat's
	// token revoked by the CLI is refused by both at once.
	pgRun(t, dir, db, "--user", "ada", "purpose", "add", "--id", "loneliness", "--name", "Loneliness")
	id := strings.Split(token, "_")[1]
	pgRun(t, dir, db, "--user", "ada", "user", "token", "revoke", id)
	for _, base := range []string{a, b} {
		if status, body := apiGet(t, base+"/api/purposes", token); status != http.StatusUnauthorized || !strings.Contains(body, "was revoked") {
			t.Errorf("%s after the CLI revoked pat's token: %d %.200s, want 401 saying it was revoked", base, status, body)
		}
	}
	br.base = a
	if status, _ := br.signIn("ada", servedPassword); status != http.StatusSeeOther {
		t.Fatalf("ada signs in again on A: %d", status)
	}
	for _, base := range []string{a, b} {
		br.base = base
		if status, body := br.get("/api/purposes"); status != http.StatusOK || !strings.Contains(body, `"loneliness"`) {
			t.Errorf("%s /api/purposes after the CLI added one: %d %.200s", base, status, body)
		}
	}
	// The programme is PostgreSQL's too: a self-assessment the CLI answers
	// is in both servers' results.
	pgRun(t, dir, db, "--user", "ada", "programme", "assessment", "--round", "2026-06", "--answers", allAnswers("3"))
	for _, base := range []string{a, b} {
		br.base = base
		if status, body := br.get("/api/programme/assessments"); status != http.StatusOK || !strings.Contains(body, `"round": "2026-06"`) {
			t.Errorf("%s /api/programme/assessments after the CLI answered a round: %d %.300s", base, status, body)
		}
	}

	// Citizen voice is shared state too: a programme defined and responses
	// imported by the CLI are counted by both servers.
	voiceData, _ := filepath.Abs(filepath.Join("..", "..", "internal", "voice", "testdata"))
	pgRun(t, dir, db, "--user", "ada", "voice", "define", filepath.Join(voiceData, "programme.json"))
	pgRun(t, dir, db, "--user", "ada", "voice", "import", "--programme", "county-conversation", filepath.Join(voiceData, "import", "good.csv"))
	for _, base := range []string{a, b} {
		br.base = base
		if status, body := br.get("/api/voice/programmes"); status != http.StatusOK || !strings.Contains(strings.Join(strings.Fields(body), ""), `"responses":4`) {
			t.Errorf("%s /api/voice/programmes after the CLI imported 4 responses: %d %.300s", base, status, body)
		}
	}

	// One log: both servers' sign-ins and sign-out and the CLI's changes.
	out := pgRun(t, dir, db, "audit", "verify")
	if !strings.Contains(out, "audit log intact") {
		t.Errorf("audit verify on the database while both serve:\n%s", out)
	}
	list := pgRun(t, dir, db, "--user", "ada", "audit", "list")
	for _, want := range []string{"login", "logout", "user.disable", "purpose.add", "token.revoke"} {
		if !strings.Contains(list, want) {
			t.Errorf("the audit list lacks %q:\n%s", want, list)
		}
	}
}

// pgIncidents makes [pgCounty] on a fresh database in a temporary folder,
// with dataset incidents and its data owner pat, and returns the folder,
// the database and an API token of pat's.
func pgIncidents(t *testing.T) (dir, db, token string) {
	t.Helper()
	dir, db = t.TempDir(), pgtest.Fresh(t)
	pgCounty(t, dir, db)
	pw := filepath.Join(dir, "pw")
	schema, _ := filepath.Abs(incidentsDir + "schema.json")
	pgRun(t, dir, db, "dataset", "add", "--partner", "county", "--id", "incidents", "--schema", schema)
	pgRun(t, dir, db, "--user", "ada", "user", "add", "--id", "pat", "--partner", "county", "--name", "Pat", "--roles", "data-owner", "--password-file", pw)
	tok, err := pgCommand(t, dir, db, "cli.duckdb", "--user", "pat", "user", "token", "issue", "--name", "uploads").Output()
	if err != nil {
		t.Fatalf("token issue: %v", err)
	}
	return dir, db, strings.TrimSpace(string(tok))
}

// twoServers starts two `civiclink serve` processes on the database at
// db, each with its own engine file and the flags given, without the
// second factor, and returns their base URLs; they are killed when the
// test ends.
func twoServers(t *testing.T, dir, db string, flags ...string) (a, b string) {
	t.Helper()
	bases, _ := twoServerProcs(t, dir, db, append([]string{"--no-second-factor"}, flags...)...)
	return bases[0], bases[1]
}

// twoServerProcs starts two servers as [twoServers] does, with only the
// flags given (the second factor on unless they turn it off), and gives
// their base URLs and process ids.
func twoServerProcs(t *testing.T, dir, db string, flags ...string) (bases, pids []string) {
	t.Helper()
	for _, engine := range []string{"a.duckdb", "b.duckdb"} {
		base, pid := serverProc(t, dir, db, engine, flags...)
		bases, pids = append(bases, base), append(pids, pid)
	}
	return bases, pids
}

// serverProc starts one `civiclink serve` on the database at db with its
// engine file and the flags given, and gives its base URL and process
// id; it is killed when the test ends.
func serverProc(t *testing.T, dir, db, engine string, flags ...string) (base, pid string) {
	t.Helper()
	srv := pgCommand(t, dir, db, engine, append([]string{"serve", "--addr", "127.0.0.1:0"}, flags...)...)
	stdout, _ := srv.StdoutPipe()
	srv.Stderr = io.Discard
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	return servedAt(t, stdout), strconv.Itoa(srv.Process.Pid)
}

// waitForVersion waits up to 10 s for the server at base to list version
// number of incidents with its rows, as the API gives it to token's user.
func waitForVersion(t *testing.T, base, token string, number int) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		status, b := apiGet(t, fmt.Sprintf("%s/api/datasets/incidents/versions/%d", base, number), token)
		var v struct {
			Number int   `json:"number"`
			Rows   int64 `json:"rows"`
		}
		if status == http.StatusOK && json.Unmarshal([]byte(b), &v) == nil && v.Number == number && v.Rows > 0 {
			return
		}
		last = fmt.Sprintf("%d %.300s", status, b)
	}
	t.Fatalf("%s never listed incidents version %d: last answer %s", base, number, last)
}

// sessionCookieOf returns the session cookie br holds for base.
func sessionCookieOf(t *testing.T, br *browser, base string) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(base)
	for _, c := range br.hc.Jar.Cookies(u) {
		if regexp.MustCompile(`session`).MatchString(c.Name) {
			return c
		}
	}
	t.Fatalf("no session cookie for %s", base)
	return nil
}

// getWithCookie GETs u sending only cookie, and returns the status.
func getWithCookie(t *testing.T, u string, cookie *http.Cookie) int {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.AddCookie(cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestMigrateToPostgres moves an embedded store to PostgreSQL with
// `civiclink migrate`: the copy's users, tokens, catalogue and audit log
// work on the database (the audit log verified before and after, the
// signing key going on), a second migration into the now non-empty
// database is refused, and so is an engine file that exists.
func TestMigrateToPostgres(t *testing.T) {
	dir := t.TempDir()
	data, _, analyst := policeHub(t, dir)
	db := pgtest.Fresh(t)
	engine := filepath.Join(dir, "engine.duckdb")
	run := func(args ...string) (string, int) {
		cmd := command(t, dir, t.TempDir(), args...)
		cmd.Env = append(cmd.Env, EngineEnv+"="+engine, "CIVICLINK_AUDIT_KEY_FILE="+data+".audit-key")
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	out, code := run("migrate", "--from", data, "--to", db, "--engine", engine)
	if code != 0 || !strings.Contains(out, "users 2") || !strings.Contains(out, "verified in the source and in the copy (signatures checked against") {
		t.Fatalf("migrate: exit %d\n%s", code, out)
	}
	tok, _ := os.ReadFile(analyst)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--data", db, "--user", "p.admin", "user", "list"}, "p.ana"},
		{[]string{"--data", db, "dataset", "list"}, "incidents"},
		{[]string{"--data", db, "--user", "p.admin", "user", "whoami"}, "p.admin"},
		{[]string{"--data", db, "audit", "verify"}, "audit log intact"},
		{[]string{"--data", db, "--user", "p.admin", "programme", "list"}, "no projects yet"},
	} {
		if out, code := run(c.args...); code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("civiclink %v after the migration: exit %d, want %q\n%s", c.args, code, c.want, out)
		}
	}
	cmd := command(t, dir, t.TempDir(), "--data", db, "user", "whoami")
	cmd.Env = append(cmd.Env, EngineEnv+"="+engine, "CIVICLINK_AUDIT_KEY_FILE="+data+".audit-key", "CIVICLINK_TOKEN="+strings.TrimSpace(string(tok)))
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "p.ana") {
		t.Errorf("the analyst's API token after the migration: %v\n%s", err, out)
	}
	if out, code := run("migrate", "--from", data, "--to", db, "--engine", filepath.Join(dir, "other.duckdb")); code == 0 || !strings.Contains(out, "already holds civiclink state") {
		t.Errorf("a second migration into the same database: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.duckdb")); err == nil {
		t.Error("the refused migration left an engine file behind")
	}
	if out, code := run("migrate", "--from", data, "--to", pgtest.Fresh(t), "--engine", engine); code == 0 || !strings.Contains(out, "already exists") {
		t.Errorf("a migration onto an existing engine file: exit %d\n%s", code, out)
	}
}

// apiGet sends a GET with an API token and returns the status and body.
func apiGet(t *testing.T, u, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
