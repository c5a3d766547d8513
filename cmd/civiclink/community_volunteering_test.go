package main

import "testing"

// TestCommunityVolunteerCommands designates a community action zone and
// posts, lists and closes volunteering opportunities from the command
// line: a user without the role, an unknown LSOA, a bad opportunity and
// another partner's editor are refused with the reason, and every step is
// on the verified audit log.
func TestCommunityVolunteerCommands(t *testing.T) {
	_, data := cliStore(t)
	post := []string{"community", "volunteer", "post", "--org", "org-harbour-trust", "--title", "Sort donated tins", "--themes", "food", "--minutes", "45",
		"--respond", "Sign up on the trust's page", "--respond-url", "https://harbour.example.org/volunteer", "--lsoa", "E01021637"}
	with := func(extra ...string) []string { return append(append([]string{}, post...), extra...) }
	steps := []struct {
		user     string
		args     []string
		wantCode int
		want     string
	}{
		{"", []string{"partner", "add", "--id", "cvs", "--name", "Voluntary sector"}, 0, "added"},
		{"", []string{"partner", "add", "--id", "faith", "--name", "Faith network"}, 0, "added"},
		{"", []string{"user", "bootstrap", "--id", "v.admin", "--partner", "cvs", "--name", "V Admin", "--no-password"}, 0, "created"},
		{"v.admin", []string{"user", "add", "--id", "v.editor", "--partner", "cvs", "--name", "Editor", "--roles", "community-editor", "--no-password"}, 0, "added"},
		{"v.admin", []string{"user", "add", "--id", "f.admin", "--partner", "faith", "--name", "Faith Admin", "--roles", "partner-admin", "--no-password"}, 0, "added"},
		{"f.admin", []string{"user", "add", "--id", "f.editor", "--partner", "faith", "--name", "Faith Editor", "--roles", "community-editor", "--no-password"}, 0, "added"},
		{"v.editor", []string{"community", "import", "--publish", testFeed}, 0, "3 new"},
		{"v.admin", []string{"community", "zone", "designate", "--id", "monkwick", "--name", "Monkwick", "--lsoas", "E01021637"}, 3, "only a community editor may designate"},
		{"v.editor", []string{"community", "zone", "designate", "--id", "monkwick", "--name", "Monkwick", "--lsoas", "E01021637,E01999999"}, 2, `"E01999999" is not one of the county's 2021 LSOAs`},
		{"v.editor", []string{"community", "zone", "designate", "--id", "monkwick", "--name", "Monkwick", "--lsoas", "e01021637"}, 0, "designated zone monkwick (Monkwick): 1 LSOAs in E07000071"},
		{"v.editor", []string{"community", "zone", "list"}, 0, "monkwick"},
		{"v.editor", with("--minutes", "900"), 2, "the time needed is 5 to 480 minutes"},
		{"v.editor", with("--org", "org-nobody"), 2, `organisation "org-nobody" has no published service`},
		{"v.editor", post, 0, "posted opportunity 1 for Harbour Lane Support Trust (45 minutes, zone monkwick)"},
		{"v.editor", []string{"community", "volunteer", "list", "--zone", "monkwick"}, 0, "Sort donated tins"},
		{"f.editor", []string{"community", "volunteer", "close", "1"}, 3, "only a community editor of partner cvs"},
		{"v.editor", []string{"community", "volunteer", "close", "1"}, 0, "closed opportunity 1"},
		{"v.editor", []string{"community", "volunteer", "close", "1"}, 5, "already closed"},
		{"", []string{"audit", "list", "--action", "community.volunteer.close", "--outcome", "denied"}, 0, "opportunity:1"},
		{"", []string{"audit", "list", "--action", "community.zone.designate"}, 0, "zone:monkwick"},
		{"", []string{"audit", "verify"}, 0, "intact"},
	}
	for _, s := range steps {
		checkGovern(t, data, s.user, "", s.args, s.wantCode, s.want)
	}
}
