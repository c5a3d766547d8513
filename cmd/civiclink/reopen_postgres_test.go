package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/store/storetest"
)

// TestCommandsReopenEnginePostgres runs, round after round in this one
// process, the server-mode commands that hung a CI run — `partner add`
// (whose catalogue notice starts a mirror that Close stops), a `user`
// command, an import refused for the role and one refused for its feed —
// each opening the same engine file again. Every command must close
// cleanly and none may wait on the last one's engine: a watchdog fails
// the test within a minute, with every goroutine's stack, instead of the
// 10 minutes go test waited when the open spun in DuckDB's instance cache.
func TestCommandsReopenEnginePostgres(t *testing.T) {
	dir, db := cliPostgres(t)
	good, err := os.ReadFile(testFeed)
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, bytes.Replace(good, []byte(`"location_id": "loc-elm-room"}`), []byte(`"location_id": "loc-gone"}`), 1), 0o600)
	step := func(user string, args []string, wantCode int, want string) {
		t.Helper()
		stop := storetest.Watchdog(t, fmt.Sprintf("%s %v", user, args), time.Minute)
		checkGovern(t, db, user, "", args, wantCode, want)
		stop()
	}
	step("", []string{"partner", "add", "--id", "cvs", "--name", "Voluntary sector"}, 0, "added")
	step("", []string{"user", "bootstrap", "--id", "v.admin", "--partner", "cvs", "--name", "V Admin", "--no-password"}, 0, "created")
	step("v.admin", []string{"user", "add", "--id", "v.editor", "--partner", "cvs", "--name", "Editor", "--roles", "community-editor", "--no-password"}, 0, "added")
	for i := range 6 {
		step("", []string{"partner", "add", "--id", fmt.Sprintf("p%d", i), "--name", "Partner"}, 0, "added")
		step("v.admin", []string{"user", "add", "--id", fmt.Sprintf("v.user%d", i), "--partner", "cvs", "--name", "User", "--roles", "analyst", "--no-password"}, 0, "added")
		step("v.admin", []string{"community", "import", testFeed}, 3, "only a community editor")
		step("v.editor", []string{"community", "import", bad}, 2, `location "loc-gone" is not in the feed's locations`)
	}
	step("", []string{"audit", "verify"}, 0, "intact")
}
