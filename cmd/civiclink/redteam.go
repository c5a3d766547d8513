package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/redteam"
)

// rtTarget is a dataset the red team attacks, with the purpose its
// queries serve.
type rtTarget struct {
	redteam.Target
	purpose string
}

// redTeamTargets are the datasets of the store worth attacking: the real
// police street crime and DfT casualties the demo loads, and the demo's
// synthetic police incidents, when present.
func redTeamTargets(ctx context.Context, e *insight.Engine) ([]rtTarget, error) {
	var out []rtTarget
	add := func(indicator string, t redteam.Target) error {
		d, err := e.Store.Dataset(ctx, t.Dataset)
		if fault.Code(err) == fault.NotFound {
			return nil
		}
		if err != nil {
			return err
		}
		ind, err := insight.FindIndicator(indicator)
		if err != nil {
			return err
		}
		if d.Schema.Accumulates && t.Dated {
			vs, err := e.Store.Versions(ctx, d.ID)
			if err != nil {
				return err
			}
			t.Versions = len(vs)
		}
		out = append(out, rtTarget{Target: t, purpose: ind.Purpose})
		return nil
	}
	parent := func(lsoa string) string {
		if e.Geo == nil {
			return ""
		}
		lad, _ := e.Geo.LADOfLSOA(lsoa)
		return lad
	}
	for _, x := range []struct {
		indicator string
		t         redteam.Target
	}{
		{"street-violence", redteam.Target{Dataset: "street-crime", Place: insight.DimDistrict, Small: insight.DimLSOA, Parent: parent,
			Category: "crime_type", Dated: true, Split: "crime_type = 'Violence and sexual offences'", RecordID: "crime_id", AnID: "0", OtherPurpose: "domestic-abuse"}},
		{"road-ksi-dft", redteam.Target{Dataset: "road-casualties", Place: "Casualty_Severity", Category: "Age_Band_of_Casualty",
			Split: "Casualty_Class = '3'", RecordID: "Accident_Index", AnID: "0", OtherPurpose: "violence-and-vulnerability"}},
		// The demo publishes domestic-abuse victims; the analyst works from
		// that filter, as the indicator does.
		{"domestic-abuse-victims", redteam.Target{Dataset: "police_incidents", Place: insight.DimDistrict, Category: "crime_type", Dated: true,
			Where: "domestic_abuse = true AND role = 'victim'", Split: "crime_type = 'violence_with_injury'", RecordID: "record_id", AnID: "0", OtherPurpose: "mental-health-crisis"}},
	} {
		if err := add(x.indicator, x.t); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// redTeamRun is one red-team run's setting: the store, who attacks, and
// the JSON API to attack too (apiBase "" to skip it).
type redTeamRun struct {
	m       *Main
	data    string
	e       *insight.Engine
	u       *govern.User
	apiBase string
	client  *http.Client
	pt      *disclose.PTable
	// checker is an output checker of the store ("" for none), who
	// checks the outputs the red team drafts to export them.
	checker string
}

// redTeam runs every attack on every target through the CLI (and the
// API, for indicator trends), and through the suppression-only baseline
// for comparison, writing one line per attack and path. It reports
// whether the platform passed: no withheld cell knowable, exact
// recoveries under a third.
func (r redTeamRun) redTeam(ctx context.Context, w io.Writer) (bool, error) {
	targets, err := redTeamTargets(ctx, r.e)
	if err != nil {
		return false, err
	}
	if len(targets) == 0 {
		return false, fault.Errorf(fault.NotFound, "the store has none of the datasets the red team attacks (street-crime, road-casualties, police_incidents): run `civiclink demo` first")
	}
	pass := true
	var after, before redteam.Score
	tally := func(dst *redteam.Score, s redteam.Score) {
		dst.Attacked += s.Attacked
		dst.Exact += s.Exact
		dst.Knowable += s.Knowable
		dst.Guessed += s.Guessed
		dst.Cells += s.Cells
		dst.Withheld += s.Withheld
		dst.AbsError += s.AbsError
		dst.Tables += s.Tables
		dst.WholeTables += s.WholeTables
		dst.Compared += s.Compared
		dst.Differ += s.Differ
	}
	// An attack fails when it makes any withheld cell knowable, or when
	// (with 12 or more cells attacked) its exact recoveries are
	// significantly above a quarter and beat a blind guess of the
	// commonest withheld value ([redteam.Score.Gains]): on a sparse table
	// whose withheld cells are nearly all one small count, the guess alone
	// is right that often, so the figures have taught nothing more.
	gains := redteam.Score.Gains
	judge := func(s redteam.Score) {
		switch {
		case s.Unsound > 0:
			// The attacker's reading of the figures was wrong, so its
			// knowable cells are no measure: the red team needs fixing.
			pass = false
			fmt.Fprintf(w, "  FAIL: %s (the attack's bounds are unsound: fix the red team)\n", s.Attack)
		case s.Knowable > 0 || s.Differ > 0 || (s.Attacked >= 12 && gains(s)):
			pass = false
			fmt.Fprintf(w, "  FAIL: %s\n", s.Attack)
		}
	}
	for _, t := range targets {
		fmt.Fprintf(w, "%s (purpose %s)\n", t.Dataset, t.purpose)
		truth := engineSource{e: r.e, u: r.u, purpose: t.purpose, b: insight.Truth}
		old := engineSource{e: r.e, u: r.u, purpose: t.purpose, b: insight.SuppressionOnly}
		cli := cliSource{parent: r.m, data: r.data, user: r.u.ID, purpose: t.purpose, pt: r.pt}
		for _, a := range redteam.Attacks(t.Target) {
			s, err := redteam.Run(ctx, a, "cli", cli, truth)
			if err != nil {
				return false, err
			}
			b, err := redteam.Run(ctx, a, "before", old, truth)
			if err != nil {
				return false, err
			}
			fmt.Fprintf(w, "  %s\n  %s\n", s, b)
			judge(s)
			tally(&after, s)
			tally(&before, b)
		}
		if t.Category != "" {
			level, err := redteam.RarestLevel(ctx, t.Target, truth)
			if err != nil {
				return false, err
			}
			qa, qb, without := redteam.RefusalQueries(t.Target, level)
			rf, err := redteam.RunRefusal(ctx, "cli", without, qa, qb, cli, truth)
			if err != nil {
				return false, err
			}
			fmt.Fprintf(w, "  %s\n", rf)
			if rf.Leaks() {
				pass = false
				fmt.Fprintf(w, "  FAIL: the auditor's refusal\n")
			}
		}
	}
	if err := r.cohorts(ctx, w, judge, func(s, b redteam.Score) { tally(&after, s); tally(&before, b) }); err != nil {
		return false, err
	}
	if r.apiBase != "" {
		for _, name := range []string{"street-violence", "domestic-abuse-victims"} {
			ind, err := insight.FindIndicator(name)
			if err != nil {
				return false, err
			}
			if _, err := r.e.Store.Dataset(ctx, ind.Dataset); fault.Code(err) == fault.NotFound {
				continue
			}
			q := func(p string) redteam.Query {
				return redteam.Query{Dataset: "ind:" + name, By: []string{insight.DimDistrict, p}}
			}
			a := redteam.TimeHierarchy(q("month"), q("quarter"), q("year"), false)
			a.Name = "trend " + name + ": " + a.Name
			truth := indicatorTruth{engineSource{e: r.e, u: r.u, purpose: ind.Purpose, b: insight.Truth}, ind}
			api := apiSource{base: r.apiBase, client: r.client, pt: r.pt}
			s, err := redteam.Run(ctx, a, "api", api, truth)
			if err != nil {
				return false, err
			}
			fmt.Fprintf(w, "  %s\n", s)
			judge(s)
			tally(&after, s)
			// The same table through every path at once: the CLI's
			// aggregate and indicator, the API and a released output's
			// export must publish one figure for the same records.
			paths := indicatorPaths{cli: cliSource{parent: r.m, data: r.data, user: r.u.ID, purpose: ind.Purpose, pt: r.pt}, checker: r.checker}.sources()
			paths["api"], paths["web"] = api, webSource{api: api}
			names := []string{"cli", "indicator", "api", "web"}
			if r.checker != "" {
				names = append(names, "export")
			}
			cp := redteam.CrossPath(q("quarter"), names...)
			cp.Name = "trend " + name + ": " + cp.Name
			if s, err = redteam.Run(ctx, cp, "all", paths, truth); err != nil {
				return false, err
			}
			fmt.Fprintf(w, "  %s\n", s)
			judge(s)
			tally(&after, s)
		}
	}
	fmt.Fprintf(w, "\nall attacks, published: %d cells attacked, %d exact (%.1f%%; a blind guess of each attack's commonest value %.1f%%), %d knowable; %.1f%% of cells withheld, %d of %d tables withheld whole, mean absolute error %.2f\n",
		after.Attacked, after.Exact, share(after.Exact, after.Attacked), share(after.Guessed, after.Attacked), after.Knowable, share(after.Withheld, after.Cells), after.WholeTables, after.Tables, after.MAE())
	fmt.Fprintf(w, "the same records in several tables (output paths, cohort definitions): %d cells compared, %d published differently\n", after.Compared, after.Differ)
	if after.Differ > 0 {
		pass = false
	}
	fmt.Fprintf(w, "all attacks, before (suppression alone): %d cells attacked, %d exact (%.1f%%), %d knowable; %.1f%% of cells withheld, mean absolute error %.2f\n",
		before.Attacked, before.Exact, share(before.Exact, before.Attacked), before.Knowable, share(before.Withheld, before.Cells), before.MAE())
	if after.Attacked > 0 && gains(after) {
		pass = false
	}
	verdict := "PASS: no withheld cell can be worked out with certainty; exact recoveries not significantly above a quarter, or no better than a blind guess"
	if !pass {
		verdict = "FAIL"
	}
	fmt.Fprintln(w, verdict)
	return pass, nil
}

// cohortFiles are the cohort definitions the red team asks for: the demo's
// domestic-abuse victims among the linked people, by two rules that take
// in the same people.
var cohortFiles = map[string]string{
	"rt-da-at-least": `{"name":"rt-da-at-least","title":"Red team: domestic-abuse victims","purpose":"domestic-abuse",
		"events":{"da":{"dataset":"police_incidents","where":"domestic_abuse = true AND role = 'victim'"}},"rule":{"at_least":1,"of":["da"]}}`,
	"rt-da-all": `{"name":"rt-da-all","title":"Red team: domestic-abuse victims (another rule)","purpose":"domestic-abuse",
		"events":{"da":{"dataset":"police_incidents","where":"domestic_abuse = true AND role = 'victim'"}},"rule":{"all":["da"]}}`,
}

// cohorts runs the cohort attacks (redteam.CohortAttacks) through `query
// cohort` on a store with the demo's police incidents and a linkage run,
// scoring each with judge and handing both scores to tally.
func (r redTeamRun) cohorts(ctx context.Context, w io.Writer, judge func(redteam.Score), tally func(s, before redteam.Score)) error {
	if _, err := r.e.Store.Dataset(ctx, "police_incidents"); fault.Code(err) == fault.NotFound {
		return nil
	}
	dir, err := os.MkdirTemp("", "civiclink-redteam-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var files []string
	for _, name := range []string{"rt-da-at-least", "rt-da-all"} {
		f := filepath.Join(dir, name+".json")
		if err := os.WriteFile(f, []byte(cohortFiles[name]), 0o600); err != nil {
			return err
		}
		files = append(files, "cohort:"+f)
	}
	const purpose = "domestic-abuse"
	fmt.Fprintf(w, "cohort of police_incidents' domestic-abuse victims, linked people (purpose %s)\n", purpose)
	truth := engineSource{e: r.e, u: r.u, purpose: purpose, b: insight.Truth}
	old := engineSource{e: r.e, u: r.u, purpose: purpose, b: insight.SuppressionOnly}
	cli := cliSource{parent: r.m, data: r.data, user: r.u.ID, purpose: purpose, pt: r.pt}
	if _, err := truth.Table(ctx, redteam.Query{Dataset: files[0], By: []string{insight.DimDistrict}}); fault.Code(err) == fault.NotFound {
		fmt.Fprintf(w, "  skipped: %s\n", fault.Message(err)) // no linkage run to count people by
		return nil
	}
	for _, a := range redteam.CohortAttacks(files[0], files[1]) {
		s, err := redteam.Run(ctx, a, "cli", cli, truth)
		if err != nil {
			return err
		}
		b, err := redteam.Run(ctx, a, "before", old, truth)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "  %s\n  %s\n", s, b)
		judge(s)
		tally(s, b)
	}
	return nil
}

// share is a as a percentage of b.
func share(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
