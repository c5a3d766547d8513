package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPushToServer pushes files to a real `civiclink serve` process: a
// push killed midway and resumed, a tampered chunk, a token that may not
// write, and files refused before anything is sent.
func TestPushToServer(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	data, writer, reader := policeHub(t, dir)

	big := filepath.Join(dir, "big.csv")
	writeIncidents(t, big, 60000)
	copyFile(t, incidentsSchema, filepath.Join(dir, "big.schema.json"))

	srv := command(t, dir, tmp, "--data", data, "serve", "--addr", "127.0.0.1:0")
	stdout, _ := srv.StdoutPipe()
	var srvLog bytes.Buffer
	srv.Stderr = &srvLog
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	base := servedAt(t, stdout)

	push := func(token string, args ...string) (string, int) {
		cmd := command(t, dir, tmp, append([]string{"push", "--server", base, "--token-file", token, "--dataset", "incidents"}, args...)...)
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	refusals := []struct {
		name  string
		token string
		args  []string
		code  int
		want  string
	}{
		{"a token that may not write", reader, []string{big}, 3, "cannot load data"},
		{"plain http to another machine", writer, []string{"--server", "http://192.0.2.1:8080", big}, 2, "https"},
		{"raw identifiers in the schema", writer, []string{"--schema", rawSchema(t, dir), big}, 2, "raw identifiers"},
		{"a schema unlike the dataset's", writer, []string{"--schema", otherSchema(t, dir), big}, 2, "does not match"},
	}
	for _, r := range refusals {
		out, code := push(r.token, r.args...)
		if code != r.code || !strings.Contains(out, r.want) {
			t.Errorf("%s: exit %d, want %d with %q:\n%s", r.name, code, r.code, r.want, out)
		}
	}

	// A push killed midway, then run again: it resumes and loads once.
	cut := command(t, dir, tmp, "push", "--server", base, "--token-file", writer, "--dataset", "incidents", "--chunk-size", "16384", big)
	if err := cut.Start(); err != nil {
		t.Fatal(err)
	}
	size := fileSize(big)
	spooled := waitSpool(t, data+".spool", func(n int64) bool { return n > 0 })
	cut.Process.Signal(syscall.SIGKILL)
	cut.Wait()
	held := waitSpool(t, data+".spool", func(int64) bool { return true })
	if held <= 0 || held >= size {
		t.Fatalf("the killed push left %d of %d bytes on the hub (first seen %d): not cut midway", held, size, spooled)
	}
	out, code := push(writer, "--chunk-size", "65536", big)
	if code != 0 || !strings.Contains(out, "resuming push") || !strings.Contains(out, "version 1 of incidents: 60000 rows") {
		t.Fatalf("resumed push: exit %d:\n%s", code, out)
	}

	// A chunk whose bytes do not match its SHA-256 is refused by the hub.
	tok, _ := os.ReadFile(writer)
	if status, msg := tamperedChunk(t, base, strings.TrimSpace(string(tok))); status != http.StatusBadRequest || !strings.Contains(msg, "altered") {
		t.Errorf("tampered chunk: status %d: %s", status, msg)
	}

	srv.Process.Signal(syscall.SIGTERM)
	if err := srv.Wait(); err != nil {
		t.Fatalf("serve: %v\n%s", err, srvLog.String())
	}
	checkGovern(t, data, "", "", []string{"audit", "verify"}, 0, "intact")
	checkGovern(t, data, "", "", []string{"audit", "list", "--action", "ingest", "--outcome", "denied"}, 0, "p.ana")
	checkGovern(t, data, "", "", []string{"dataset", "show", "incidents"}, 0, "60000")
	if left := filepathGlob(tmp, "civiclink-push-*"); len(left) > 0 {
		t.Errorf("the hub left push spools behind: %v", left)
	}
}

// tokenFile issues an API token for user and writes it to a file.
func tokenFile(t *testing.T, dir, data, user string) string {
	t.Helper()
	text := strings.TrimSpace(checkGovern(t, data, user, "", []string{"user", "token", "issue", "--name", "push"}, 0, "cvl_"))
	path := filepath.Join(dir, user+".token")
	if err := os.WriteFile(path, []byte(text+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeIncidents writes n valid rows of the incidents test schema.
func writeIncidents(t *testing.T, path string, n int) {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("incident_id,occurred_on,crime_type,domestic_abuse,postcode,lsoa,victims,cost,reported_at\n")
	types := []string{"violence", "theft", "burglary"}
	for i := range n {
		fmt.Fprintf(&b, "i%d,2024-%02d-%02d,%s,%s,CM1 1AA,E01021203,%d,%d.5,2024-01-03T10:00:00Z\n",
			i, i%12+1, i%28+1, types[i%3], []string{"yes", "no"}[i%2], i%4, i%100)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// rawSchema writes a schema declaring a raw identifier.
func rawSchema(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "raw.schema.json")
	s := `{"name":"raw","columns":[{"name":"incident_id","type":"string","role":"record-id"},{"name":"nhs_number","type":"string","role":"identifier"}]}`
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// otherSchema writes a valid schema with other columns than the dataset's.
func otherSchema(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "other.schema.json")
	s := `{"name":"other","columns":[{"name":"incident_id","type":"string","role":"record-id"},{"name":"occurred_on","type":"date","role":"event-date"}]}`
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitSpool polls the hub's push spool until ok holds for the bytes its
// chunks hold.
func waitSpool(t *testing.T, spool string, ok func(int64) bool) int64 {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var held int64
		chunks := filepathGlob(spool, "civiclink-push-*/*.chunk")
		for _, f := range chunks {
			if st, err := os.Stat(f); err == nil {
				held += st.Size()
			}
		}
		if len(chunks) > 0 && ok(held) {
			return held
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("no push spool appeared on the hub")
	return 0
}

// tamperedChunk declares a small push and sends its chunk with a SHA-256
// that does not match the bytes.
func tamperedChunk(t *testing.T, base, token string) (int, string) {
	t.Helper()
	body := []byte("incident_id,occurred_on\n")
	sum := sha256.Sum256(body)
	decl, _ := json.Marshal(map[string]any{"name": "small.csv", "size": len(body), "sha256": hex.EncodeToString(sum[:])})
	var p struct {
		ID string `json:"id"`
	}
	res := httpDo(t, "POST", base+"/api/datasets/incidents/pushes", token, "", bytes.NewReader(decl))
	json.Unmarshal(res, &p)
	altered := append([]byte("X"), body[1:]...)
	return sendChunk(t, base, token, p.ID, 0, altered, hex.EncodeToString(sum[:]))
}

// sendChunk sends b as the chunk at off of push id, declaring sum as its
// SHA-256, and returns the answer's status and body.
func sendChunk(t *testing.T, base, token, id string, off int, b []byte, sum string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", fmt.Sprintf("%s/api/pushes/%s/chunks/%d", base, id, off), bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Chunk-SHA256", sum)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	got, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(got)
}

func httpDo(t *testing.T, method, url, token, ctype string, body io.Reader) []byte {
	t.Helper()
	req, _ := http.NewRequest(method, url, body)
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %s", method, url, r.StatusCode, b)
	}
	return b
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func filepathGlob(dir, pattern string) []string {
	m, _ := filepath.Glob(filepath.Join(dir, pattern))
	return m
}

// incidentsSchema is the schema of the ingest tests' incidents dataset.
var incidentsSchema = filepath.Join("..", "..", "internal", "ingest", "testdata", "incidents", "schema.json")

// policeHub makes a hub store in dir with the police partner, its
// incidents dataset, a data owner (p.admin) and an analyst (p.ana), and
// returns the store's path and the two users' token files.
func policeHub(t *testing.T, dir string) (data, owner, analyst string) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("CIVICLINK_TOKEN", "")
	t.Setenv("CIVICLINK_TOKEN_FILE", "")
	data = filepath.Join(dir, "hub.duckdb")
	checkGovern(t, data, "", "", []string{"partner", "add", "--id", "police", "--name", "Police"}, 0, "added")
	checkGovern(t, data, "", "", []string{"dataset", "add", "--partner", "police", "--id", "incidents", "--schema", incidentsSchema}, 0, "9 columns")
	checkGovern(t, data, "", "", []string{"user", "bootstrap", "--id", "p.admin", "--partner", "police", "--name", "P", "--roles", "data-owner", "--no-password"}, 0, "created")
	checkGovern(t, data, "p.admin", "", []string{"user", "add", "--id", "p.ana", "--partner", "police", "--name", "Ana", "--roles", "analyst", "--no-password"}, 0, "added")
	return data, tokenFile(t, dir, data, "p.admin"), tokenFile(t, dir, data, "p.ana")
}
