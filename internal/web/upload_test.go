package web

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/fault"
)

// waitJob polls a job until it stops.
func waitJob(t *testing.T, c *client, id string, hdr ...string) Job {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var j Job
		res := c.do("GET", "/api/jobs/"+id, nil, "", hdr...)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("job status = %d", res.StatusCode)
		}
		if err := json.Unmarshal([]byte(readBody(t, res)), &j); err != nil {
			t.Fatal(err)
		}
		if j.finished() {
			return j
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("job did not finish")
	return Job{}
}

func startUpload(t *testing.T, c *client, file string, hdr ...string) Job {
	t.Helper()
	body, ctype := multipartFile(t, file)
	res := c.do("POST", "/api/datasets/incidents/uploads", body, ctype, hdr...)
	if got, want := res.StatusCode, http.StatusAccepted; got != want {
		t.Fatalf("upload status = %d, want %d: %s", got, want, readBody(t, res))
	}
	var j Job
	if err := json.Unmarshal([]byte(readBody(t, res)), &j); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestUploadWithToken(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	auth := []string{"Authorization", "Bearer " + f.token}
	j := waitJob(t, c, startUpload(t, c, "incidents.csv", auth...).ID, auth...)
	if j.State != jobDone || j.Version != 1 || j.Rows != 220 {
		t.Fatalf("job = %+v, want done, version 1, 220 rows", j)
	}
	v, err := f.st.Version(t.Context(), "incidents", 1)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := v.Source, "incidents.csv"; got != want {
		t.Errorf("version source = %q, want %q", got, want)
	}
	if got, want := v.LoadedBy, ownerID; got != want {
		t.Errorf("loaded by %q, want %q", got, want)
	}
	// The same file again is a duplicate, not a new version.
	j = waitJob(t, c, startUpload(t, c, "incidents.csv", auth...).ID, auth...)
	if !j.Duplicate || j.Version != 1 {
		t.Errorf("second upload = %+v, want a duplicate of version 1", j)
	}
	if got := len(f.rec.find("ingest")); got != 2 {
		t.Errorf("%d ingest events, want 2 (one per load)", got)
	}
}

func TestUploadRejectsBadFile(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	auth := []string{"Authorization", "Bearer " + f.token}
	j := waitJob(t, c, startUpload(t, c, "incidents_bad.csv", auth...).ID, auth...)
	if j.State != jobFailed || j.Error == "" {
		t.Fatalf("job = %+v, want failed with a reason", j)
	}
	if len(j.RowErrors) == 0 || j.RowErrors[0].Line != 5 {
		t.Errorf("row errors = %+v, want line 5 named", j.RowErrors)
	}
	if _, err := f.st.Version(t.Context(), "incidents", 0); fault.Code(err) != fault.NotFound {
		t.Errorf("a version exists after a rejected file (err %v)", err)
	}
}

func TestUploadAccess(t *testing.T) {
	f := newFixture(t)
	owner := f.client(t)
	owner.signIn(ownerID, password)
	other := f.client(t)
	other.signIn(analystID, password)
	tests := []struct {
		name  string
		c     *client
		extra []string // leading form fields
		hdr   []string
		want  int
	}{
		{"session without CSRF", owner, nil, nil, http.StatusForbidden},
		{"session with wrong header", owner, nil, []string{"X-CSRF-Token", "nope"}, http.StatusForbidden},
		{"session with header", owner, nil, []string{"X-CSRF-Token", "<csrf>"}, http.StatusAccepted},
		{"session with form field first", owner, []string{"csrf", "<csrf>"}, nil, http.StatusAccepted},
		{"other partner", other, nil, []string{"X-CSRF-Token", "<csrf>"}, http.StatusForbidden},
		{"missing dataset", owner, nil, []string{"X-CSRF-Token", "<csrf>"}, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fill := func(xs []string) []string {
				out := append([]string(nil), xs...)
				for i := range out {
					out[i] = strings.ReplaceAll(out[i], "<csrf>", tt.c.csrf)
				}
				return out
			}
			body, ctype := multipartFile(t, "incidents.csv", fill(tt.extra)...)
			path := "/api/datasets/incidents/uploads"
			if tt.name == "missing dataset" {
				path = "/api/datasets/nope/uploads"
			}
			res := tt.c.do("POST", path, body, ctype, fill(tt.hdr)...)
			if got := res.StatusCode; got != tt.want {
				t.Fatalf("status = %d, want %d: %s", got, tt.want, readBody(t, res))
			}
			if tt.want == http.StatusAccepted {
				var j Job
				json.Unmarshal([]byte(readBody(t, res)), &j)
				waitJob(t, tt.c, j.ID)
			}
		})
	}
	denied := 0
	for _, e := range f.rec.find("ingest") {
		if e.Outcome == "denied" && e.User == analystID {
			denied++
		}
	}
	if denied != 1 {
		t.Errorf("%d denied uploads audited for %s, want 1", denied, analystID)
	}
}

func TestUploadNoFile(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	res := c.do("POST", "/api/datasets/incidents/uploads", strings.NewReader("x=1"), "application/x-www-form-urlencoded", "Authorization", "Bearer "+f.token)
	if got, want := res.StatusCode, http.StatusBadRequest; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
}

func TestJobEvents(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	auth := []string{"Authorization", "Bearer " + f.token}
	j := startUpload(t, c, "incidents.csv", auth...)
	res := c.do("GET", "/api/jobs/"+j.ID+"/events", nil, "", auth...)
	if got, want := res.Header.Get("Content-Type"), "text/event-stream"; got != want {
		t.Fatalf("content type = %q, want %q", got, want)
	}
	var last Job
	ended := false
	sc := bufio.NewScanner(res.Body)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "progress":
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &last); err != nil {
				t.Fatal(err)
			}
		case strings.HasPrefix(line, "data: ") && event == "end":
			ended = true
		}
	}
	if !ended || last.State != jobDone {
		t.Fatalf("stream ended=%v with last state %+v, want an end event after done", ended, last)
	}
	// Another user cannot follow (or even see) the job.
	other := f.client(t)
	other.signIn(analystID, password)
	if got, want := other.do("GET", "/api/jobs/"+j.ID, nil, "").StatusCode, http.StatusNotFound; got != want {
		t.Errorf("other user's job status = %d, want %d", got, want)
	}
	if got, want := other.do("GET", "/jobs/"+j.ID, nil, "").StatusCode, http.StatusNotFound; got != want {
		t.Errorf("other user's job page status = %d, want %d", got, want)
	}
}

func TestUploadFormWithoutScript(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	c.signIn(ownerID, password)
	body, ctype := multipartFile(t, "incidents.csv", "csrf", c.csrf)
	res := c.do("POST", "/datasets/incidents/upload", body, ctype)
	if got, want := res.StatusCode, http.StatusSeeOther; got != want {
		t.Fatalf("status = %d, want %d", got, want)
	}
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, "/jobs/") {
		t.Fatalf("Location = %q, want a job page", loc)
	}
	waitJob(t, c, strings.TrimPrefix(loc, "/jobs/"))
	page := readBody(t, c.do("GET", loc, nil, ""))
	if !strings.Contains(page, "Done: version 1 with 220 rows") {
		t.Errorf("job page does not say the load is done")
	}
}
