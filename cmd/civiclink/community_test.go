package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/store/postgres"
	"github.com/civiclink/civiclink/internal/store/postgres/pgtest"
)

// TestCommunityCommands imports a feed, exports it in every format,
// re-imports each export (nothing changes), refuses a bad feed with its
// line and leaves the directory as it was, and moderates a submission.
func TestCommunityCommands(t *testing.T) {
	dir, data := cliStore(t)
	communityCommands(t, dir, data)
}

// TestCommunityCommandsPostgres runs the same commands in server mode: the
// directory kept in PostgreSQL.
func TestCommunityCommandsPostgres(t *testing.T) {
	dir, db := cliPostgres(t)
	communityCommands(t, dir, db)
	st, err := postgres.Open(context.Background(), db, "") // a fresh engine: what it reads is PostgreSQL's
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if cur, err := st.CommunityCurrent(context.Background()); err != nil || len(cur) != 3 || cur[0].Owner != "cvs" {
		t.Errorf("the directory in PostgreSQL: %d services (%v), want 3 owned by cvs", len(cur), err)
	}
}

func communityCommands(t *testing.T, dir, data string) {
	good, err := os.ReadFile(testFeed)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, bytes.Replace(good, []byte(`"location_id": "loc-elm-room"}`), []byte(`"location_id": "loc-gone"}`), 1), 0o600)
	changed := filepath.Join(dir, "changed.json")
	os.WriteFile(changed, bytes.Replace(good, []byte(`"name": "Food share"`), []byte(`"name": "Community food share"`), 1), 0o600)
	exported := func(format string) string { return filepath.Join(dir, "export."+format) }
	steps := []struct {
		user     string
		args     []string
		wantCode int
		want     string
	}{
		{"", []string{"partner", "add", "--id", "cvs", "--name", "Voluntary sector"}, 0, "added"},
		{"", []string{"user", "bootstrap", "--id", "v.admin", "--partner", "cvs", "--name", "V Admin", "--no-password"}, 0, "created"},
		{"v.admin", []string{"community", "import", testFeed}, 3, "only a community editor"},
		{"v.admin", []string{"user", "add", "--id", "v.editor", "--partner", "cvs", "--name", "Editor", "--roles", "community-editor", "--no-password"}, 0, "added"},
		{"v.editor", []string{"community", "import", testFeed}, 0, "3 new, 0 changed, 0 unchanged; 3 waiting for moderation"},
		{"v.editor", []string{"community", "list"}, 0, "ID  VERSION"},
		{"v.editor", []string{"community", "list", "--queue"}, 0, "svc-lunch-club"},
		{"v.editor", []string{"community", "publish", "1"}, 0, "service svc-drop-in version 1"},
		{"v.editor", []string{"community", "publish", "1"}, 5, "already published"},
		{"v.editor", []string{"community", "reject", "2"}, 2, "reason: this is required"},
		{"v.editor", []string{"community", "reject", "2", "--reason", "duplicate of an existing entry"}, 0, "rejected submission 2"},
		{"v.editor", []string{"community", "import", "--publish", testFeed}, 0, "2 new, 0 changed, 1 unchanged; published"},
		{"v.editor", []string{"community", "list", "--theme", "food"}, 0, "svc-lunch-club"},
		{"v.editor", []string{"community", "import", bad}, 2, "line 18: service_at_locations.location_id: location \"loc-gone\" is not in the feed's locations"},
		{"v.editor", []string{"community", "export", "--format", "oruk-json", "--out", exported("json")}, 0, "exported 3 services"},
		{"v.editor", []string{"community", "export", "--format", "csv", "--out", exported("csv")}, 0, "exported 3 services"},
		{"v.editor", []string{"community", "export", "--format", "geojson", "--out", exported("geojson")}, 0, "exported 3 services"},
		{"v.editor", []string{"community", "export", "--format", "xml"}, 2, "use oruk-json, csv or geojson"},
		{"v.editor", []string{"community", "import", "--publish", exported("json")}, 0, "0 new, 0 changed, 3 unchanged"},
		{"v.editor", []string{"community", "import", "--publish", exported("csv")}, 0, "0 new, 0 changed, 3 unchanged"},
		{"v.editor", []string{"community", "import", "--publish", changed}, 0, "0 new, 1 changed, 2 unchanged; published"},
		{"v.editor", []string{"community", "list", "--text", "community food"}, 0, "svc-food-share  2"},
		{"", []string{"audit", "list", "--action", "community.import", "--outcome", "denied"}, 0, "loc-gone"},
		{"", []string{"audit", "verify"}, 0, "intact"},
	}
	for _, s := range steps {
		checkGovern(t, data, s.user, "", s.args, s.wantCode, s.want)
	}
	b, err := os.ReadFile(exported("json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "organiser@example.org") {
		t.Error("the export holds a contact without consent")
	}
	if !strings.Contains(string(b), "01206 000000") {
		t.Error("the export lacks the contact with consent")
	}
	g, _ := os.ReadFile(exported("geojson"))
	if !strings.Contains(string(g), `"type":"FeatureCollection"`) || strings.Count(string(g), `"Feature"`) != 4 {
		t.Errorf("geojson export = %.300s, want 4 features (one per service at a location)", g)
	}
}

// testFeed is the community room's test feed.
const testFeed = "../../internal/community/testdata/feed.json"

// cliPostgres is [cliStore] in server mode: a fresh PostgreSQL database
// (its URL is data) with the engine file and audit key in the folder.
func cliPostgres(t *testing.T) (dir, data string) {
	t.Helper()
	dir, _ = cliStore(t)
	t.Setenv(EngineEnv, filepath.Join(dir, "engine.duckdb"))
	t.Setenv("CIVICLINK_AUDIT_KEY_FILE", filepath.Join(dir, "audit-key"))
	return dir, pgtest.Fresh(t)
}

// cliStore gives a test its own folder and store file, with no saved
// token in the way.
func cliStore(t *testing.T) (dir, data string) {
	t.Helper()
	dir = t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("CIVICLINK_TOKEN", "")
	t.Setenv("CIVICLINK_TOKEN_FILE", "")
	return dir, filepath.Join(dir, "s.duckdb")
}
