package main

import (
	"context"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/store/postgres"
)

// TestProgrammeCommandsPostgres runs the programme's commands in server
// mode: a partner admin answers two rounds of the self-assessment (its
// partner checked against the catalogue in PostgreSQL), is refused
// another partner's, and the rounds are PostgreSQL's — a fresh engine
// reads them back.
func TestProgrammeCommandsPostgres(t *testing.T) {
	_, db := cliPostgres(t)
	for _, s := range []struct {
		user     string
		args     []string
		wantCode int
		want     string
	}{
		{"", []string{"partner", "add", "--id", "fire", "--name", "Fire and rescue"}, 0, "added"},
		{"", []string{"user", "bootstrap", "--id", "f.admin", "--partner", "fire", "--name", "F Admin", "--roles", "partner-admin", "--no-password"}, 0, "created"},
		{"f.admin", []string{"programme", "list"}, 0, "no projects yet"},
		{"f.admin", []string{"programme", "update", "homelessness", "--text", "x"}, 4, "no project"},
		{"f.admin", []string{"programme", "assessment", "--round", "2026-06", "--answers", allAnswers("2")}, 0, "fire"},
		{"f.admin", []string{"programme", "assessment", "--round", "2026-11", "--answers", allAnswers("4")}, 0, "fire"},
		{"f.admin", []string{"programme", "assessment", "--partner", "police", "--answers", allAnswers("3")}, 3, "partner admins"},
		{"f.admin", []string{"programme", "assessment"}, 0, "system (1 partners)  2026-11"},
	} {
		checkGovern(t, db, s.user, "", s.args, s.wantCode, s.want)
	}
	st, err := postgres.Open(context.Background(), db, "") // a fresh engine: what it reads is PostgreSQL's
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	as, err := st.Assessments(context.Background())
	if err != nil || len(as) != 2 || as[0].Partner != "fire" || as[1].Answers["capacity-people"] != 4 || as[1].By != "f.admin" {
		t.Errorf("the self-assessments in PostgreSQL: %+v (%v), want fire's two rounds", as, err)
	}
}

// allAnswers answers every self-assessment question at level, as
// --answers takes them.
func allAnswers(level string) string {
	qs := []string{"asset-register", "asset-quality", "asset-sharing", "capability-skills", "capability-tools",
		"capability-governance", "capacity-people", "capacity-leadership", "capacity-partnership"}
	for i, q := range qs {
		qs[i] = q + "=" + level
	}
	return strings.Join(qs, ",")
}
