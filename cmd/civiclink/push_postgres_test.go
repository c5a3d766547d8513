package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// alternator is a load balancer in front of several servers: it sends
// each request to the next live one in turn, with no affinity, and
// counts the chunks each received.
type alternator struct {
	mu       sync.Mutex
	backends []*url.URL
	dead     map[int]bool
	next     int
	chunks   []int
}

func newAlternator(t *testing.T, bases ...string) (*alternator, string) {
	t.Helper()
	al := &alternator{dead: map[int]bool{}, chunks: make([]int, len(bases))}
	for _, b := range bases {
		u, err := url.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		al.backends = append(al.backends, u)
	}
	srv := httptest.NewServer(al)
	t.Cleanup(srv.Close)
	return al, srv.URL
}

func (al *alternator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	al.mu.Lock()
	i := al.next % len(al.backends)
	for al.dead[i] {
		i = (i + 1) % len(al.backends)
	}
	al.next = i + 1
	if r.Method == "PUT" && strings.Contains(r.URL.Path, "/chunks/") {
		al.chunks[i]++
	}
	target := al.backends[i]
	al.mu.Unlock()
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		// a server that went away: a GET goes to the next one, as a
		// balancer's health check would have it
		al.kill(i)
		if r.Method != "GET" || len(al.dead) == len(al.backends) {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		al.ServeHTTP(w, r)
	}
	rp.ServeHTTP(w, r)
}

// kill takes backend i out of rotation.
func (al *alternator) kill(i int) {
	al.mu.Lock()
	defer al.mu.Unlock()
	al.dead[i] = true
}

// TestPushTwoProcessesPostgres pushes files with `civiclink push` through
// a load balancer that alternates every request between two real serve
// processes on one PostgreSQL database: the chunks of one push land on
// both, the load job runs once, in one of them, and both list the
// version. A replayed chunk changes nothing, other bytes at a held offset
// and a chunk after a gap are refused, completing with bytes missing is
// refused; a server killed while it assembles or loads a push leaves no
// version, its job is failed as interrupted once its heartbeat is stale,
// and the same push run again completes on the other server without
// sending the bytes again. No push's chunks are left in the shared spool.
func TestPushTwoProcessesPostgres(t *testing.T) {
	dir, db, token := pgIncidents(t)
	tokenPath := filepath.Join(dir, "pat.token")
	os.WriteFile(tokenPath, []byte(token+"\n"), 0o600)

	bases, pids := twoServerProcs(t, dir, db, "--no-second-factor")
	al, lb := newAlternator(t, bases...)
	push := func(file string, chunk int) *exec.Cmd {
		return command(t, dir, t.TempDir(), "push", "--server", lb, "--token-file", tokenPath, "--dataset", "incidents", "--chunk-size", fmt.Sprint(chunk), file)
	}
	small := filepath.Join(dir, "small.csv")
	writeIncidents(t, small, 3000)
	copyFile(t, incidentsSchema, filepath.Join(dir, "small.schema.json"))
	if out, err := push(small, 16384).CombinedOutput(); err != nil || !strings.Contains(string(out), "version 1 of incidents: 3000 rows") {
		t.Fatalf("push through the load balancer: %v\n%s", err, out)
	}
	if al.chunks[0] == 0 || al.chunks[1] == 0 {
		t.Errorf("chunks per server %v: the balancer did not alternate them", al.chunks)
	}
	for _, b := range bases {
		waitForVersion(t, b, token, 1)
	}
	conn, err := pgx.Connect(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	waitSettled(t, conn, "web.push")
	var jobs, done int
	conn.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE state = 'done') FROM jobs WHERE kind = 'web.push'`).Scan(&jobs, &done)
	if jobs != 1 || done != 1 {
		t.Errorf("%d push load jobs (%d done), want 1 done", jobs, done)
	}

	smallBytes, _ := os.ReadFile(small)
	checkPushRefusals(t, bases, token, smallBytes)

	// A server killed while it runs a push's load job.
	big := filepath.Join(dir, "big.csv")
	writeIncidents(t, big, 200000)
	copyFile(t, incidentsSchema, filepath.Join(dir, "big.schema.json"))
	cut := push(big, 256<<10)
	var cutOut bytes.Buffer
	cut.Stdout, cut.Stderr = &cutOut, &cutOut
	if err := cut.Start(); err != nil {
		t.Fatal(err)
	}
	ref, worker, stage := runningJob(t, conn, "web.push")
	killed := killWorker(t, pids, worker)
	al.kill(killed)
	t.Logf("killed server %d in the job's %q stage", killed, stage)
	staleJob(t, conn, ref)
	err = cut.Wait()
	if err == nil || !strings.Contains(cutOut.String(), "interrupted") || !strings.Contains(cutOut.String(), "start it again") {
		t.Fatalf("the push whose server was killed: %v\n%s", err, cutOut.String())
	}
	survivor := bases[1-killed]
	if status, body := apiGet(t, survivor+"/api/datasets/incidents/versions/2", token); status != http.StatusNotFound {
		t.Fatalf("a version 2 after the interrupted load: %d %.300s", status, body)
	}
	out, err := push(big, 256<<10).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "resuming push") || !strings.Contains(string(out), "version 2 of incidents: 200000 rows") {
		t.Fatalf("the same push run again: %v\n%s", err, out)
	}
	// the client saw the job's record say done; the worker then forgets
	// the push and records the job's end
	waitSettled(t, conn, "web.push")
	rows, _ := conn.Query(context.Background(), `SELECT state FROM jobs WHERE kind = 'web.push' ORDER BY id`)
	states, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	if strings.Join(states, ",") != "done,done,failed,done" {
		t.Errorf("push jobs %v, want done, done, failed (interrupted), done", states)
	}
	var versions, pushes int
	conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM catalog_versions WHERE dataset_id = 'incidents'), (SELECT count(*) FROM pushes)`).Scan(&versions, &pushes)
	if versions != 2 || pushes != 0 {
		t.Errorf("%d versions and %d pushes kept, want 2 and none", versions, pushes)
	}
	if left := filepathGlob(filepath.Join(dir, "civiclink-versions", "uploads"), "civiclink-push-*"); len(left) > 0 {
		t.Errorf("push spools left in the shared folder: %v", left)
	}
}

// checkPushRefusals declares a push and sends its chunks by hand to the
// servers in turn: a replayed chunk, other bytes at a held offset, a
// chunk after a gap and a completion with bytes missing.
func checkPushRefusals(t *testing.T, bases []string, token string, body []byte) {
	t.Helper()
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	decl, _ := json.Marshal(map[string]any{"name": "hand.csv", "size": len(body), "sha256": sum(body)})
	var p struct {
		ID       string `json:"id"`
		Received int64  `json:"received"`
	}
	json.Unmarshal(httpDo(t, "POST", bases[0]+"/api/datasets/incidents/pushes", token, "", bytes.NewReader(decl)), &p)
	chunk := func(base string, off int, b []byte) (int, string) {
		return sendChunk(t, base, token, p.ID, off, b, sum(b))
	}
	cases := []struct {
		name   string
		on     int
		off    int
		b      []byte
		status int
		want   string
	}{
		{"the first chunk, on A", 0, 0, body[:20], 200, `"received": 20`},
		{"the same chunk replayed, on B", 1, 0, body[:20], 200, `"received": 20`},
		{"other bytes at a held offset, on A", 0, 0, body[1:21], 409, "already holds bytes 0 onwards"},
		{"a chunk after a gap, on B", 1, 40, body[40:], 409, "send bytes 20 to 39 first"},
	}
	for _, c := range cases {
		if status, got := chunk(bases[c.on], c.off, c.b); status != c.status || !strings.Contains(got, c.want) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, status, got, c.status, c.want)
		}
	}
	req, _ := http.NewRequest("POST", bases[1]+"/api/pushes/"+p.ID+"/complete", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(got), "holds 20 of the file's") {
		t.Errorf("completing with bytes missing: %d %s", res.StatusCode, got)
	}
	// the rest, on B, and the push completes on A: the same bytes as
	// version 1, so no new version
	if status, got := chunk(bases[1], 20, body[20:]); status != 200 {
		t.Fatalf("the rest: %d %s", status, got)
	}
	var j struct{ ID, State string }
	json.Unmarshal(httpDo(t, "POST", bases[0]+"/api/pushes/"+p.ID+"/complete", token, "", nil), &j)
	for deadline := time.Now().Add(time.Minute); j.State != "done" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		json.Unmarshal(httpDo(t, "GET", bases[1]+"/api/jobs/"+j.ID, token, "", nil), &j)
	}
	var dup struct{ Duplicate bool }
	if json.Unmarshal(httpDo(t, "GET", bases[0]+"/api/jobs/"+j.ID, token, "", nil), &dup); j.State != "done" || !dup.Duplicate {
		t.Errorf("the pushed copy of version 1: job %+v, duplicate %v; want done as a duplicate", j, dup.Duplicate)
	}
}

// runningJob waits for a job of kind to be running — its record says so:
// a push's is then in its assemble stage — and returns its ref, its
// worker and the stage its record names.
func runningJob(t *testing.T, conn *pgx.Conn, kind string) (ref, worker, stage string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var rec []byte
		err := conn.QueryRow(context.Background(), `SELECT ref, worker, record FROM jobs WHERE kind = $1 AND state = 'running' ORDER BY id DESC LIMIT 1`, kind).Scan(&ref, &worker, &rec)
		var j struct{ State, Stage string }
		if err == nil && json.Unmarshal(rec, &j) == nil && j.State == "running" {
			return ref, worker, j.Stage
		}
	}
	rows, _ := conn.Query(context.Background(), `SELECT ref || ' ' || state || ' ' || worker || ' ' || error || ' ' || convert_from(record, 'UTF8') FROM jobs ORDER BY id`)
	all, _ := pgx.CollectRows(rows, pgx.RowTo[string])
	t.Fatalf("no %s job ran within two minutes; jobs:\n%s", kind, strings.Join(all, "\n"))
	return
}

// killWorker kills the server among pids running worker's jobs (its name
// is host/pid/…) and gives its index.
func killWorker(t *testing.T, pids []string, worker string) int {
	t.Helper()
	for i, pid := range pids {
		if strings.Contains(worker, "/"+pid+"/") {
			syscall.Kill(atoi(t, pid), syscall.SIGKILL)
			return i
		}
	}
	t.Fatalf("worker %q is none of the servers %v", worker, pids)
	return -1
}

// staleJob makes job ref's last beat ten minutes old, as a killed
// server's job's would be two minutes after it died.
func staleJob(t *testing.T, conn *pgx.Conn, ref string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), `UPDATE jobs SET heartbeat_at = now() - interval '10 minutes' WHERE ref = $1 AND state = 'running'`, ref); err != nil {
		t.Fatal(err)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
