package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/audit"
)

// usesAnswer is what the tests read of an /api/audit/uses answer.
type usesAnswer struct {
	Partner string
	Count   int
	Uses    []struct{ Index uint64 }
	Next    uint64
	Prev    *uint64
}

// logUses appends, interleaved, entries that touch no data, police uses
// (returned, oldest first) and council uses.
func logUses(t *testing.T, g *governFixture, police, council, none int) []uint64 {
	t.Helper()
	var out []uint64
	for i := range max(police, council, none) {
		for _, c := range []struct {
			n     int
			owner string
		}{{none, ""}, {police, "police"}, {council, "council"}} {
			if i >= c.n {
				continue
			}
			e := audit.Event{User: fmt.Sprintf("user%d", i), Partner: "county", Action: "query", Outcome: audit.Allowed}
			if c.owner != "" {
				e.Datasets = []audit.Dataset{{ID: c.owner + "-data@1", Owner: c.owner}}
			}
			en, err := g.log.Append(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			if c.owner == "police" {
				out = append(out, en.Index)
			}
		}
	}
	return out
}

// usesOf gets and decodes an /api/audit/uses answer.
func usesOf(t *testing.T, c *client, path string) usesAnswer {
	t.Helper()
	status, body := c.get(path)
	if status != http.StatusOK {
		t.Fatalf("%s: %d %s", path, status, body)
	}
	var u usesAnswer
	if err := json.Unmarshal([]byte(body), &u); err != nil {
		t.Fatal(err)
	}
	if u.Count != len(u.Uses) {
		t.Errorf("%s: count %d, %d uses listed", path, u.Count, len(u.Uses))
	}
	return u
}

func useIndexes(u usesAnswer) []uint64 {
	var out []uint64
	for _, x := range u.Uses {
		out = append(out, x.Index)
	}
	return out
}

func TestAuditUsesPages(t *testing.T) {
	g := newGovernFixture(t)
	police := logUses(t, g, 120, 30, 40)
	slices.Reverse(police) // newest first
	owner, auditor, analyst := g.as(t, ownerID), g.as(t, auditorID), g.as(t, analystID)

	// Older pages by the next cursor: 50, 50, 20, each once, newest first.
	var got []uint64
	var pages []usesAnswer
	path := "/api/audit/uses?dataset=police-data"
	for range 10 {
		u := usesOf(t, owner, path)
		pages = append(pages, u)
		got = append(got, useIndexes(u)...)
		if u.Next == 0 {
			break
		}
		path = fmt.Sprintf("/api/audit/uses?dataset=police-data&before=%d", u.Next)
	}
	if fmt.Sprint(got) != fmt.Sprint(police) {
		t.Fatalf("the pages hold %v,\nwant %v", got, police)
	}
	for i, want := range []int{50, 50, 20} {
		if i >= len(pages) || pages[i].Count != want {
			t.Fatalf("page %d of %d holds %v uses, want %d", i+1, len(pages), pages[i].Count, want)
		}
	}
	if pages[0].Prev != nil || pages[1].Prev == nil || pages[2].Next != 0 {
		t.Errorf("cursors: page 1 prev %v, page 2 prev %v, page 3 next %d; want none, some, none", pages[0].Prev, pages[1].Prev, pages[2].Next)
	}

	// The newer cursor of page 2 gives page 1 again.
	back := usesOf(t, owner, fmt.Sprintf("/api/audit/uses?dataset=police-data&after=%d", *pages[1].Prev))
	if fmt.Sprint(useIndexes(back)) != fmt.Sprint(useIndexes(pages[0])) || back.Next != pages[0].Next || back.Prev != nil {
		t.Errorf("newer than page 2: %v (next %d, prev %v), want page 1: %v", useIndexes(back), back.Next, back.Prev, useIndexes(pages[0]))
	}

	// Filters hold on every page; an auditor sees every partner's uses.
	for _, c := range []struct {
		name  string
		c     *client
		path  string
		count int
		next  bool
	}{
		{"auditor, every partner", auditor, "/api/audit/uses", 50, true},
		{"auditor, council", auditor, "/api/audit/uses?partner=council", 30, false},
		{"owner, another dataset", owner, "/api/audit/uses?dataset=council-data", 0, false},
		{"owner, beyond the oldest", owner, fmt.Sprintf("/api/audit/uses?before=%d", police[len(police)-1]), 0, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if u := usesOf(t, c.c, c.path); u.Count != c.count || (u.Next != 0) != c.next {
				t.Errorf("%d uses, next %d; want %d, next %v", u.Count, u.Next, c.count, c.next)
			}
		})
	}

	// The page links to older and newer pages, keeping the filter (here
	// paging by the API's 50 entries; the server's pages read 500).
	g.srv.usesGrouped = usesPage
	link := regexp.MustCompile(`id="uses-(older|newer)"|href="([^"]*)" rel="(prev|next)"`)
	_, body := owner.get("/audit?dataset=police-data")
	if strings.Contains(body, `id="uses-newer"`) || !strings.Contains(body, `id="uses-older"`) || !strings.Contains(body, `aria-label="Pages of uses"`) {
		t.Fatal("the first page does not link to older uses only, in a labelled nav")
	}
	var older string
	for _, m := range link.FindAllStringSubmatch(body, -1) {
		if m[3] == "next" {
			older = html.UnescapeString(m[2])
		}
	}
	if want := fmt.Sprintf("/audit?before=%d&dataset=police-data", pages[0].Next); older != want {
		t.Fatalf("the older link is %q, want %q", older, want)
	}
	status, body := owner.get(older)
	if status != http.StatusOK || !strings.Contains(body, `id="uses-newer"`) || !strings.Contains(body, fmt.Sprintf(`data-index="%d"`, pages[1].Uses[0].Index)) {
		t.Errorf("the second page (%d) does not list page 2 with a link to newer uses", status)
	}

	// Who may ask is unchanged, and a bad cursor is refused with a reason.
	for _, c := range []struct {
		name   string
		c      *client
		path   string
		status int
	}{
		{"signed out", g.client(t), "/api/audit/uses?before=10", http.StatusUnauthorized},
		{"analyst", analyst, "/api/audit/uses?before=10", http.StatusForbidden},
		{"another partner's uses", owner, "/api/audit/uses?partner=council&after=3", http.StatusForbidden},
		{"cursor not a number", owner, "/api/audit/uses?before=soon", http.StatusBadRequest},
		{"before 0", owner, "/api/audit/uses?before=0", http.StatusBadRequest},
		{"both cursors", owner, "/api/audit/uses?before=10&after=3", http.StatusBadRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			if status, body := c.c.get(c.path); status != c.status || !strings.Contains(body, "error") {
				t.Errorf("%d %s, want %d with an error", status, body, c.status)
			}
		})
	}
}
