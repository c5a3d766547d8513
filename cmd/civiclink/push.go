package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/fault"
)

func (m *Main) pushCmd() *cobra.Command {
	var p pusher
	cmd := &cobra.Command{
		Use:   "push --server URL --token-file F --dataset ID FILE",
		Short: "Send a pseudonymised file from a partner's machine to the hub",
		Long: `Send an encoded (pseudonymised) CSV file to the hub over HTTPS, as a new
version of a dataset: the hub checks and records it exactly as a web upload
(the same access check, quality checks and audit entries).

Before anything is sent, the file's catalog schema (--schema, by default the
FILE.schema.json that 'pseudonymise' wrote beside it) must declare no raw
identifiers and match the dataset's schema on the hub, and the file's header
must match the schema. The file goes in chunks, each with its SHA-256, and
the whole file's SHA-256 is checked by the hub before it is loaded. A push
cut off midway (network, Ctrl-C) continues where it stopped when run again
with the same file. Plain http:// is accepted only for a loopback address.
The token file holds an API token ('civiclink user token issue').`,
		Args: exactArgs(1, "the file to push"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p.out = m.Stdout
			return p.run(cmd, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&p.server, "server", "", "the hub's address, e.g. https://civiclink.example.org")
	f.StringVar(&p.tokenFile, "token-file", "", "file holding an API token that may load into the dataset")
	f.StringVar(&p.dataset, "dataset", "", "the dataset on the hub to add a version to")
	f.StringVar(&p.schema, "schema", "", "the file's catalog schema (default: FILE.schema.json beside it)")
	f.Int64Var(&p.chunk, "chunk-size", 4<<20, "bytes sent per request")
	f.DurationVar(&p.wait, "wait", 10*time.Minute, "how long to wait for the hub to load the file")
	return cmd
}

// pusher sends one file to the hub.
type pusher struct {
	server, tokenFile, dataset, schema string
	chunk                              int64
	wait                               time.Duration
	out                                io.Writer

	base  *url.URL
	token string
	hc    *http.Client
}

func (p *pusher) run(cmd *cobra.Command, file string) error {
	if err := p.setUp(); err != nil {
		return err
	}
	if err := p.checkSchema(file); err != nil {
		return err
	}
	sum, size, err := sha256File(file)
	if err != nil {
		return err
	}
	var st pushState
	if err := p.call("POST", "/api/datasets/"+url.PathEscape(p.dataset)+"/pushes", "application/json", "",
		jsonBody(map[string]any{"name": filepath.Base(file), "size": size, "sha256": sum}), &st); err != nil {
		return err
	}
	if st.Received > 0 {
		fmt.Fprintf(p.out, "resuming push %s at byte %d of %d\n", st.ID, st.Received, st.Size)
	}
	if err := p.send(cmd, file, &st); err != nil {
		return err
	}
	var j pushJob
	if err := p.call("POST", "/api/pushes/"+st.ID+"/complete", "", "", nil, &j); err != nil {
		return err
	}
	return p.follow(cmd, j)
}

// setUp checks the server address and reads the token.
func (p *pusher) setUp() error {
	if p.server == "" || p.tokenFile == "" || p.dataset == "" {
		return fault.Errorf(fault.Invalid, "push needs --server, --token-file and --dataset (see --help)")
	}
	u, err := url.Parse(strings.TrimRight(p.server, "/"))
	if err != nil || u.Host == "" {
		return fault.Errorf(fault.Invalid, "--server %q is not an address such as https://civiclink.example.org", p.server)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopbackHost(u.Hostname()) {
			return fault.Errorf(fault.Invalid, "--server %s: plain http sends the file and the token unencrypted; use https (http is allowed only to a loopback address)", p.server)
		}
	default:
		return fault.Errorf(fault.Invalid, "--server must start with https://")
	}
	b, err := os.ReadFile(p.tokenFile)
	if err != nil {
		return fault.Errorf(fault.Invalid, "cannot read the token file %s: %v", p.tokenFile, err)
	}
	if p.token = strings.TrimSpace(string(b)); p.token == "" {
		return fault.Errorf(fault.Invalid, "the token file %s is empty: put an API token in it ('civiclink user token issue')", p.tokenFile)
	}
	if p.chunk < 1<<10 || p.chunk > 16<<20 {
		return fault.Errorf(fault.Invalid, "--chunk-size must be between 1 KiB and 16 MiB")
	}
	p.base, p.hc = u, &http.Client{Timeout: 5 * time.Minute}
	return nil
}

// loopbackHost reports whether host names this machine.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkSchema refuses a file whose schema declares raw identifiers, does
// not match the dataset's schema on the hub, or does not describe the
// file's header.
func (p *pusher) checkSchema(file string) error {
	path := p.schema
	if path == "" {
		path = strings.TrimSuffix(file, filepath.Ext(file)) + ".schema.json"
	}
	own, err := catalog.ReadSchemaFile(path)
	if err != nil {
		return fault.Errorf(fault.Invalid, "the file's schema %s: %s (nothing was sent; give the schema 'pseudonymise' wrote with --schema)", path, fault.Message(err))
	}
	var d struct {
		Schema catalog.Schema `json:"schema"`
	}
	if err := p.call("GET", "/api/datasets/"+url.PathEscape(p.dataset), "", "", nil, &d); err != nil {
		return err
	}
	if err := sameColumns(own, &d.Schema); err != nil {
		return fault.Errorf(fault.Invalid, "the file does not match dataset %s on the hub: %s; nothing was sent", p.dataset, err)
	}
	f, err := os.Open(file)
	if err != nil {
		return fault.Errorf(fault.Invalid, "cannot read %s: %v", file, err)
	}
	defer f.Close()
	head, err := csv.NewReader(f).Read()
	if err != nil {
		return fault.Errorf(fault.Invalid, "%s has no CSV header: %v", file, err)
	}
	for i, c := range own.Columns {
		if i >= len(head) || strings.TrimPrefix(strings.TrimSpace(head[i]), "\ufeff") != c.Name {
			return fault.Errorf(fault.Invalid, "the header of %s is %v, but its schema names the columns %v; nothing was sent", file, head, columnNamesOf(own))
		}
	}
	if len(head) != len(own.Columns) {
		return fault.Errorf(fault.Invalid, "%s has %d columns, its schema %d; nothing was sent", file, len(head), len(own.Columns))
	}
	return nil
}

// sameColumns says how a file's schema differs from the dataset's.
func sameColumns(own, hub *catalog.Schema) error {
	if a, b := columnNamesOf(own), columnNamesOf(hub); strings.Join(a, ",") != strings.Join(b, ",") {
		return fmt.Errorf("its columns are %v, the dataset's %v", a, b)
	}
	for i, c := range own.Columns {
		if h := hub.Columns[i]; c.Type != h.Type {
			return fmt.Errorf("column %s is %s in the file's schema but %s in the dataset's", c.Name, c.Type, h.Type)
		}
	}
	return nil
}

func columnNamesOf(s *catalog.Schema) []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

// send sends the file from the byte the hub holds to the end, a chunk at
// a time, each with its SHA-256.
func (p *pusher) send(cmd *cobra.Command, file string, st *pushState) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := make([]byte, p.chunk)
	for st.Received < st.Size {
		if err := cmd.Context().Err(); err != nil {
			return err
		}
		n, err := f.ReadAt(buf[:min(p.chunk, st.Size-st.Received)], st.Received)
		if err != nil && err != io.EOF {
			return err
		}
		sum := sha256.Sum256(buf[:n])
		path := fmt.Sprintf("/api/pushes/%s/chunks/%d", st.ID, st.Received)
		if err := p.call("PUT", path, "application/octet-stream", hex.EncodeToString(sum[:]), bytes.NewReader(buf[:n]), st); err != nil {
			return err
		}
	}
	fmt.Fprintf(p.out, "sent %d bytes (SHA-256 verified by the hub chunk by chunk)\n", st.Size)
	return nil
}

// follow waits for the hub's load job and reports it.
func (p *pusher) follow(cmd *cobra.Command, j pushJob) error {
	deadline := time.Now().Add(p.wait)
	for j.State != "done" && j.State != "failed" {
		if time.Now().After(deadline) {
			return fault.Errorf(fault.Internal, "the hub is still loading the file (job %s); check it later at /api/jobs/%s", j.ID, j.ID)
		}
		select {
		case <-cmd.Context().Done():
			return cmd.Context().Err()
		case <-time.After(200 * time.Millisecond):
		}
		if err := p.call("GET", "/api/jobs/"+j.ID, "", "", nil, &j); err != nil {
			return err
		}
	}
	if j.State == "failed" {
		return fault.Errorf(fault.Invalid, "the hub refused the file: %s", j.Error)
	}
	if j.Duplicate {
		fmt.Fprintf(p.out, "the file is byte-identical to version %d of %s: no new version\n", j.Version, p.dataset)
		return nil
	}
	fmt.Fprintf(p.out, "version %d of %s: %d rows\n", j.Version, p.dataset, j.Rows)
	return nil
}

// pushState is the hub's view of a push.
type pushState struct {
	ID       string `json:"id"`
	Size     int64  `json:"size"`
	Received int64  `json:"received"`
}

// pushJob is the hub's load job for a completed push.
type pushJob struct {
	ID        string `json:"id"`
	State     string `json:"state"`
	Version   int    `json:"version"`
	Rows      int64  `json:"rows"`
	Duplicate bool   `json:"duplicate"`
	Error     string `json:"error"`
}

// call sends one API request with the token and decodes a JSON answer
// into out; an error answer becomes an error with the hub's message.
func (p *pusher) call(method, path, ctype, chunkSum string, body io.Reader, out any) error {
	req, err := http.NewRequest(method, p.base.String()+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if chunkSum != "" {
		req.Header.Set("X-Chunk-SHA256", chunkSum)
	}
	res, err := p.hc.Do(req)
	if err != nil {
		return fault.Wrap(err, fault.Internal, "cannot reach the hub at %s; run the same push again to continue where it stopped", p.base)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode >= 300 {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(b, &e)
		msg := e.Error.Message
		if msg == "" {
			msg = res.Status
		}
		return fault.Errorf(hubCode(res.StatusCode), "the hub refused %s %s: %s", method, path, msg)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fault.Errorf(fault.Internal, "the hub's answer to %s %s is not the JSON expected: %v", method, path, err)
		}
	}
	return nil
}

// get sends an authenticated GET and returns the body of a 2xx answer
// (an error answer becomes an error with the hub's message).
func (p *pusher) get(path string) (io.ReadCloser, error) {
	req, err := http.NewRequest("GET", p.base.String()+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	res, err := (&http.Client{}).Do(req)
	if err != nil {
		return nil, fault.Wrap(err, fault.Internal, "cannot reach the hub at %s", p.base)
	}
	if res.StatusCode >= 300 {
		defer res.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		json.Unmarshal(b, &e)
		return nil, fault.Errorf(hubCode(res.StatusCode), "the hub refused GET %s: %s", path, e.Error.Message)
	}
	return res.Body, nil
}

// hubCode maps the hub's HTTP status onto a domain error code.
func hubCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return fault.Unauthorized
	case http.StatusForbidden:
		return fault.Forbidden
	case http.StatusNotFound:
		return fault.NotFound
	case http.StatusConflict:
		return fault.Conflict
	case http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge:
		return fault.Invalid
	case http.StatusInsufficientStorage, http.StatusServiceUnavailable, http.StatusTooManyRequests:
		// the hub's disk is full, it is shutting down or busy: the message
		// says what to do, and nothing is wrong on this side
		return fault.Busy
	}
	return fault.Internal
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

// sha256File returns a file's hex SHA-256 and size.
func sha256File(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fault.Errorf(fault.Invalid, "cannot read %s: %v", path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
