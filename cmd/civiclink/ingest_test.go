package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/clock"
)

const incidentsDir = "../../internal/ingest/testdata/incidents/"

// TestIngestOneWayIn loads the same file into the same dataset through
// `civiclink ingest` and through the web upload, as a data owner of the
// owning partner and as an analyst: both ways in make the same access
// decision, fail with the same message, and leave the same audit entry.
func TestIngestOneWayIn(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("CIVICLINK_TOKEN", "")
	t.Setenv("CIVICLINK_TOKEN_FILE", "")
	data := filepath.Join(dir, "s.duckdb")
	for _, s := range []struct {
		user string
		args []string
	}{
		{"", []string{"partner", "add", "--id", "police", "--name", "Police"}},
		{"", []string{"dataset", "add", "--partner", "police", "--id", "incidents", "--schema", incidentsDir + "schema.json"}},
		{"", []string{"user", "bootstrap", "--id", "pat", "--partner", "police", "--name", "Pat", "--roles", "data-owner", "--no-password"}},
		{"pat", []string{"user", "add", "--id", "ana", "--partner", "police", "--name", "Ana", "--roles", "analyst", "--no-password"}},
	} {
		if out, errs, code := governRun(t, data, s.user, "", s.args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", s.args, code, out, errs)
		}
	}

	// The CLI: refused for the analyst, loaded for the owner.
	_, cliRefusal, code := governRun(t, data, "ana", "", "ingest", "--dataset", "incidents", incidentsDir+"good.csv")
	if code != 3 {
		t.Fatalf("ingest as an analyst: exit %d, want 3 (forbidden): %s", code, cliRefusal)
	}
	if out, errs, code := governRun(t, data, "pat", "", "ingest", "--dataset", "incidents", incidentsDir+"good.csv"); code != 0 {
		t.Fatalf("ingest as the owner: exit %d\n%s%s", code, out, errs)
	}

	// The web: the same two users upload the same file.
	base, tokens, stop := servedTokens(t, data, "ana", "pat")
	status, webRefusal := uploadFile(t, base, tokens["ana"], incidentsDir+"good.csv")
	if status != http.StatusForbidden {
		t.Fatalf("upload as an analyst: status %d, want 403: %s", status, webRefusal)
	}
	var refusal struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(webRefusal), &refusal); err != nil {
		t.Fatalf("upload refusal %q: %v", webRefusal, err)
	}
	if refusal.Error.Message != cliRefusal {
		t.Errorf("the web refuses with %q, the CLI with %q: want the same message", refusal.Error.Message, cliRefusal)
	}
	if status, body := uploadFile(t, base, tokens["pat"], incidentsDir+"good.csv"); status != http.StatusAccepted {
		t.Fatalf("upload as the owner: status %d: %s", status, body)
	}
	stop()

	// Four loads, four ingest entries: CLI then web, refusal then load.
	es := ingestEntries(t, data)
	if len(es) != 4 {
		t.Fatalf("%d ingest entries on the audit log, want 4: %+v", len(es), es)
	}
	for i, want := range []struct{ user, outcome, target string }{
		{"ana", audit.Denied, "dataset:incidents"},
		{"pat", audit.Allowed, "dataset:incidents@1"},
	} {
		cli, web := es[i], es[i+2]
		for _, e := range []audit.Event{cli, web} {
			if e.User != want.user || e.Outcome != want.outcome || e.Target != want.target || e.Partner != "police" {
				t.Errorf("entry %+v, want user %s, outcome %s, target %s, partner police", e, want.user, want.outcome, want.target)
			}
			if len(e.Datasets) != 1 || e.Datasets[0] != (audit.Dataset{ID: "incidents", Owner: "police"}) {
				t.Errorf("entry datasets = %+v, want incidents owned by police", e.Datasets)
			}
		}
		if cli.Reason != web.Reason {
			t.Errorf("reasons differ: CLI %q, web %q", cli.Reason, web.Reason)
		}
	}
	if !strings.Contains(es[0].Reason, "only a data owner of \"police\" can") {
		t.Errorf("refusal reason = %q, want it to say who may load", es[0].Reason)
	}
	// The web's load of the same bytes is a duplicate of the CLI's version.
	var cliLoad, webLoad map[string]any
	json.Unmarshal(es[1].Details, &cliLoad)
	json.Unmarshal(es[3].Details, &webLoad)
	if cliLoad["duplicate"] != false || webLoad["duplicate"] != true || cliLoad["sha256"] != webLoad["sha256"] {
		t.Errorf("load details: CLI %v, web %v; want the same file, a duplicate the second time", cliLoad, webLoad)
	}
}

// servedTokens serves the store at data as `civiclink serve` wires it and
// issues an API token to each user. stop closes the server and the store.
func servedTokens(t *testing.T, data string, users ...string) (base string, tokens map[string]string, stop func()) {
	t.Helper()
	ctx := context.Background()
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Clock: clock.System{}, DataPath: data, User: "nobody"}
	st, err := m.openStore(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gov, _, err := m.governService(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tokens = map[string]string{}
	for _, id := range users {
		u, err := gov.Actor(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, tokens[id], err = gov.IssueToken(ctx, u, "test", time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := m.webServer(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	stop = func() { ts.Close(); srv.Close(); m.Close() }
	t.Cleanup(stop)
	return ts.URL, tokens, stop
}

// uploadFile uploads path to the incidents dataset with token and, when the
// upload is accepted, waits for its job to finish. It returns the upload's
// status and body.
func uploadFile(t *testing.T, base, token, path string) (int, string) {
	t.Helper()
	status, body := startUploadFile(t, base, token, path)
	if status != http.StatusAccepted {
		return status, body
	}
	var job struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	json.Unmarshal([]byte(body), &job)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, jb := apiGet(t, base+"/api/jobs/"+job.ID, token)
		json.Unmarshal([]byte(jb), &job)
		if job.State == "done" || job.State == "failed" {
			return status, body
		}
	}
	t.Fatalf("upload job %s did not finish", job.ID)
	return 0, ""
}

// startUploadFile uploads the file at path to the incidents dataset at
// base with token, and returns the answer, without waiting for its job.
func startUploadFile(t *testing.T, base, token, path string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", filepath.Base(path))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(b)
	w.Close()
	req, _ := http.NewRequest("POST", base+"/api/datasets/incidents/uploads", &buf)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(out)
}

// ingestEntries returns the ingest events on the store's audit log, in order.
func ingestEntries(t *testing.T, data string) []audit.Event {
	t.Helper()
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Clock: clock.System{}, DataPath: data}
	defer m.Close()
	return loggedEvents(t, m, audit.ActionIngest)
}

// loggedEvents returns the events with action on m's store's audit log, in
// order.
func loggedEvents(t *testing.T, m *Main, action string) []audit.Event {
	t.Helper()
	ctx := context.Background()
	log, err := m.auditLog(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []audit.Event
	for leaf, err := range log.Leaves(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		_, e, err := audit.Decode(leaf.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}
