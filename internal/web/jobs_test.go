package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/fault"
)

// TestUnknownJob asks for a finished upload job on the server that ran
// it, on a restarted server (which never knew it) and as another user:
// the page and the API say the job is not known to this server and why
// (kept in memory, lost on restart), without telling another user's job
// from none.
func TestUnknownJob(t *testing.T) {
	f := newFixture(t)
	owner := f.client(t)
	owner.signIn(ownerID, password)
	j := waitJob(t, owner, startUpload(t, owner, "incidents.csv", csrfHeader, owner.csrf).ID)
	_, second := f.restart(t)
	restarted := &client{tb: t, base: second, hc: owner.hc, csrf: owner.csrf} // the same browser: its session holds
	other := f.client(t)
	other.signIn(analystID, password)
	tests := []struct {
		name string
		c    *client
		path string
		want int
	}{
		{"the job's page where it ran", owner, "/jobs/" + j.ID, http.StatusOK},
		{"the job's API where it ran", owner, "/api/jobs/" + j.ID, http.StatusOK},
		{"page after a restart", restarted, "/jobs/" + j.ID, http.StatusNotFound},
		{"API after a restart", restarted, "/api/jobs/" + j.ID, http.StatusNotFound},
		{"events after a restart", restarted, "/api/jobs/" + j.ID + "/events", http.StatusNotFound},
		{"linkage job page after a restart", restarted, "/linkage/jobs/" + j.ID, http.StatusNotFound},
		{"an id never made", owner, "/jobs/no-such-job", http.StatusNotFound},
		{"another user's job", other, "/jobs/" + j.ID, http.StatusNotFound},
		{"another user's job, API", other, "/api/jobs/" + j.ID, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.c.do("GET", tt.path, nil, "")
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
			if tt.want == http.StatusOK {
				return
			}
			var msg string
			if strings.HasPrefix(tt.path, "/api/") {
				var code string
				code, msg = errorCode(t, res)
				if code != fault.NotFound {
					t.Errorf("error code %q, want %q", code, fault.NotFound)
				}
			} else {
				msg = readBody(t, res)
			}
			for _, want := range []string{"is not known to this server", "last restarted", "/datasets", "start it again"} {
				if !strings.Contains(msg, want) {
					t.Errorf("the answer lacks %q: %.600s", want, msg)
				}
			}
		})
	}
}
