package web

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/ingest"
	"github.com/civiclink/civiclink/internal/linkrun"
)

// The linkable fixture datasets, both the police's: custody records of
// every synthetic person and referrals of most of them again (some with a
// mistyped surname or no NHS number) and of a few others. A coarse area
// token blocks many non-matching pairs together, as a postcode district
// would.
const (
	custodyID   = "custody"
	referralsID = "referrals"
)

// linkSchema is the linkable datasets' schema: a record id, keyed tokens
// and per-field Bloom filters, as pseudonymise writes them.
func linkSchema() *catalog.Schema {
	cols := []catalog.Column{{Name: "record_id", Type: catalog.TypeString, Role: catalog.RoleRecordID, Required: true}}
	for _, n := range []string{"tok_nhs", "tok_dob", "tok_area"} {
		cols = append(cols, catalog.Column{Name: n, Type: catalog.TypeToken, Role: catalog.RoleIdentifier})
	}
	for _, n := range []string{"bf_forename", "bf_surname", "bf_dob"} {
		cols = append(cols, catalog.Column{Name: n, Type: catalog.TypeEncoding, Role: catalog.RoleIdentifier})
	}
	return &catalog.Schema{Columns: cols}
}

// person is a synthetic person's identifiers before encoding.
type person struct{ nhs, forename, surname, dob, area string }

var (
	forenames = []string{"amelia", "oliver", "isla", "george", "ava", "noah", "mia", "arthur", "ivy", "leo", "freya", "oscar", "grace", "harry", "lily", "jack"}
	surnames  = []string{"smith", "jones", "taylor", "brown", "williams", "wilson", "johnson", "davies", "patel", "wright", "walker", "thompson", "robinson", "white", "hughes", "edwards"}
)

// people makes n synthetic people from a seed.
func people(n int, seed uint64) []person {
	rng := rand.New(rand.NewPCG(seed, seed))
	out := make([]person, n)
	for i := range out {
		out[i] = person{
			nhs:      fmt.Sprintf("%016x", rng.Uint64()),
			forename: forenames[rng.IntN(len(forenames))],
			surname:  surnames[rng.IntN(len(surnames))],
			dob:      fmt.Sprintf("19%02d-%02d-%02d", 40+rng.IntN(60), 1+rng.IntN(12), 1+rng.IntN(28)),
			area:     fmt.Sprintf("area-%d", rng.IntN(6)),
		}
	}
	return out
}

// bloom encodes s as a 256-bit filter of its padded bigrams, eight hash
// positions each (the shape of a clkhash field encoding; no key needed in
// a test).
func bloom(s string) string {
	var bits [32]byte
	p := "_" + s + "_"
	for i := 0; i+1 < len(p); i++ {
		for k := range 8 {
			h := fnv.New32a()
			h.Write([]byte{byte(k)})
			h.Write([]byte(p[i : i+2]))
			b := h.Sum32() % 256
			bits[b/8] |= 1 << (b % 8)
		}
	}
	return base64.StdEncoding.EncodeToString(bits[:])
}

// token is a stand-in for a keyed HMAC token.
func token(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return fmt.Sprintf("%016x%016x", h.Sum64(), h.Sum64()^0x9e3779b97f4a7c15)
}

// writeLinkCSV writes people as an encoded CSV.
func writeLinkCSV(tb testing.TB, path, prefix string, ps []person) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "record_id,tok_nhs,tok_dob,tok_area,bf_forename,bf_surname,bf_dob")
	for i, p := range ps {
		nhs := ""
		if p.nhs != "" {
			nhs = token(p.nhs)
		}
		fmt.Fprintf(w, "%s-%03d,%s,%s,%s,%s,%s,%s\n", prefix, i, nhs, token(p.dob), token(p.area), bloom(p.forename), bloom(p.surname), bloom(p.dob))
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
}

// addLinkable creates and loads the custody and referrals datasets, with
// the police's agreement to link them, and gives the server a linkage
// service over the fixture's store.
func (f *fixture) addLinkable(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	ps := people(60, 7)
	var refs []person
	for i, p := range ps[:45] {
		switch {
		case i%5 == 0: // a mistyped surname
			p.surname = p.surname[:len(p.surname)-1] + "x"
		case i%4 == 1: // no NHS number
			p.nhs = ""
		case i%7 == 3: // forename recorded differently
			p.forename = p.forename[:3]
		}
		refs = append(refs, p)
	}
	refs = append(refs, people(15, 8)...)
	dir := tb.TempDir()
	for _, d := range []struct {
		id, name string
		ps       []person
	}{{custodyID, "Custody records", ps}, {referralsID, "Safeguarding referrals", refs}} {
		if err := f.st.CreateDataset(ctx, &catalog.Dataset{ID: d.id, PartnerID: "police", Name: d.name, Schema: linkSchema()}); err != nil {
			tb.Fatal(err)
		}
		path := filepath.Join(dir, d.id+".csv")
		writeLinkCSV(tb, path, d.id[:3], d.ps)
		if _, err := ingest.Run(ctx, f.st, ingest.Request{DatasetID: d.id, Path: path, User: ownerID}); err != nil {
			tb.Fatal(err)
		}
	}
	f.linkAgreement(tb, "vv-police", []string{"police"}, custodyID, referralsID)
	f.srv.cfg.Linkage = &linkrun.Service{Store: f.st, Gov: f.gov, Audit: f.rec}
}

// follow reads a job's server-sent events to the end and returns the last
// job state.
func (c *client) follow(jobID string) Job {
	c.tb.Helper()
	res := c.do("GET", "/api/jobs/"+jobID+"/events", nil, "")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		c.tb.Fatalf("events: status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var last Job
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: ") && event == "progress":
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &last); err != nil {
				c.tb.Fatal(err)
			}
		case line == "" && event == "end":
			return last
		}
	}
	c.tb.Fatalf("event stream ended without an end event (last %+v)", last)
	return last
}

// The county's linkable dataset and its data owner (addCountyLinkable).
const (
	countyRefsID = "county_referrals"
	countyOwner  = "dora" // county: data owner
)

// linkAgreement adds an agreement for linking: partners (each an owner
// and recipient) share every column of datasets for
// violence-and-vulnerability, active on the fixture's clock.
func (f *fixture) linkAgreement(tb testing.TB, id string, partners []string, datasets ...string) {
	tb.Helper()
	var shares []govern.Share
	for _, d := range datasets {
		var cols []string
		for _, c := range linkSchema().Columns {
			cols = append(cols, c.Name)
		}
		shares = append(shares, govern.Share{Dataset: d, Columns: cols})
	}
	var parties []govern.Party
	for _, p := range partners {
		parties = append(parties, govern.Party{Partner: p, Owner: true, Recipient: true, LawfulBasis: []string{"6(1)(e)"}})
	}
	a := &govern.Agreement{ID: id, Title: "Linking for violence and vulnerability", Purpose: "violence-and-vulnerability",
		Parties: parties, Datasets: shares, Outputs: []govern.OutputKind{govern.Aggregate}, Threshold: govern.DefaultThreshold, RetentionDays: 365,
		Start: govern.DateOf(f.clock.Now().AddDate(0, -1, 0)), End: govern.DateOf(f.clock.Now().AddDate(1, 0, 0)), Review: govern.DateOf(f.clock.Now().AddDate(0, 6, 0)),
		Status: govern.Active, CreatedBy: ownerID, CreatedAt: f.clock.Now()}
	if err := f.st.CreateAgreement(context.Background(), a); err != nil {
		tb.Fatal(err)
	}
}

// addCountyLinkable adds, after addLinkable, the county's referrals of
// most of the custody people, the county's data owner, and the agreement
// that lets each partner link the other's datasets.
func (f *fixture) addCountyLinkable(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	if err := f.st.CreateDataset(ctx, &catalog.Dataset{ID: countyRefsID, PartnerID: "county", Name: "County referrals", Schema: linkSchema()}); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), countyRefsID+".csv")
	writeLinkCSV(tb, path, "cty", people(60, 7)[10:])
	h, err := govern.HashPasswordWith(password, cheapArgon)
	if err != nil {
		tb.Fatal(err)
	}
	owner := &govern.User{ID: countyOwner, PartnerID: "county", Name: "Dora Owner", Roles: []govern.Role{govern.DataOwner, govern.Analyst},
		PasswordHash: h, CreatedAt: f.clock.Now(), CreatedBy: "test"}
	if err := f.st.CreateUser(ctx, owner); err != nil {
		tb.Fatal(err)
	}
	if _, err := ingest.Run(ctx, f.st, ingest.Request{DatasetID: countyRefsID, Path: path, User: countyOwner}); err != nil {
		tb.Fatal(err)
	}
	f.linkAgreement(tb, "vv-linkage", []string{"police", "county"}, custodyID, referralsID, countyRefsID)
}
