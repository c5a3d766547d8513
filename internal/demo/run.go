package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/audit"
	"github.com/civiclink/civiclink/internal/catalog"
	"github.com/civiclink/civiclink/internal/clock"
	"github.com/civiclink/civiclink/internal/community"
	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/link"
	"github.com/civiclink/civiclink/internal/link/eval"
	"github.com/civiclink/civiclink/internal/linkrun"
	"github.com/civiclink/civiclink/internal/programme"
	"github.com/civiclink/civiclink/internal/synth"
	"github.com/civiclink/civiclink/internal/voice"
)

// PopulationScaleKey is the store fact that scales rate denominators to a
// synthetic county smaller than Essex (people / Essex population).
const PopulationScaleKey = "population_scale"

// Flow configures the whole demonstration.
type Flow struct {
	People int    // synthetic county size
	Seed   uint64 // synthetic county seed
	// Datasets overrides synthetic datasets' settings by id (tests raise
	// a rare dataset's rate to see its cohorts in a small county).
	Datasets map[string]synth.DatasetSettings
	// Work is where the county's files go (made if empty).
	Work  string
	User  string
	Clock clock.Clock
	Log   io.Writer
	// Audit is the store's audit log (signed with a key kept beside it).
	Audit audit.Log
	// Gov is governance over the store, recording to Audit, and Insight the
	// engine asking it (package app wires both); the flow sets Insight's
	// PopulationScale to the synthetic county's.
	Gov     *govern.Service
	Insight *insight.Engine
	// Programme, when set, is the programme room the flow loads the
	// shipped projects and claims into, then checks the claims.
	Programme *programme.Service
	// Community, when set, is the community-support directory the flow
	// fills with a synthetic directory (community.go).
	Community *community.Directory
	// Voice, when set, is the citizen-voice room the flow loads the
	// synthetic conversation programme into (voice.go).
	Voice *voice.Service
}

// Summary is what a demo run produced, for tests and the closing lines.
type Summary struct {
	Records, Entities int
	Linkage           *linkrun.Evaluation
	Cohorts           map[string]*disclose.Result
	KSI               map[string]int64
	// Trends are the shown indicators' monthly trends, by name.
	Trends map[string]*insight.Trend
	Staff  Staff
	// Claims are the shipped claims checked against the data.
	Claims []programme.Result
	// Services is the size of the published community directory.
	Services int
	// Voice is what the citizen-voice step loaded.
	Voice *VoiceSummary
}

// Run builds the demo county in st and runs the flow end to end.
func (f Flow) Run(ctx context.Context, st Store) (*Summary, error) {
	sum := &Summary{Cohorts: map[string]*disclose.Result{}, KSI: map[string]int64{}, Trends: map[string]*insight.Trend{}}
	f.step("1. partners and real public datasets")
	if err := LoadRealData(ctx, st, Options{User: f.User, Log: f.Log}); err != nil {
		return nil, err
	}
	dir, cleanup, err := f.county(ctx)
	defer cleanup()
	if err != nil {
		return nil, err
	}
	f.step(fmt.Sprintf("\n2. a synthetic county of %d people, pseudonymised at each partner, then shared", f.People))
	m, err := LoadCounty(ctx, st, dir, CountyOptions{User: f.User, Log: f.Log})
	if err != nil {
		return nil, err
	}
	residents, err := CountResidents(m)
	if err != nil {
		return nil, err
	}
	if err := f.programmeData(ctx, st, dir); err != nil {
		return nil, err
	}
	if err := f.record(ctx, st, audit.ActionIngest, "demo-county", ""); err != nil {
		return nil, err
	}
	if f.Gov == nil || f.Insight == nil {
		return nil, fmt.Errorf("demo: the flow needs the governance service and the insight engine (see package app)")
	}
	svc := f.Gov
	f.step("\n3. governance: staff for every partner and an agreement per purpose, approved by every data owner")
	if sum.Staff, err = f.governance(ctx, st, svc); err != nil {
		return nil, err
	}
	f.step("\n4. linkage across agencies on tokens and Bloom filters (never names)")
	if err := f.link(ctx, st, svc, dir, sum); err != nil {
		return nil, err
	}
	e := f.Insight
	scale := float64(f.People) / float64(e.Geo.Population())
	if err := st.SetMeta(ctx, PopulationScaleKey, strconv.FormatFloat(scale, 'g', -1, 64)); err != nil {
		return nil, err
	}
	e.PopulationScale = scale
	if err := SaveResidents(ctx, st, residents); err != nil {
		return nil, err
	}
	e.Residents = residents                             // the synthetic county's own, for its rates
	if e.UnitKeys, err = st.UnitKeys(ctx); err != nil { // the keys of the people just linked
		return nil, err
	}
	f.step("\n5. multi-agency cohorts by district (disclosure-controlled: [c] is suppressed)")
	if err := f.cohorts(ctx, e, sum); err != nil {
		return nil, err
	}
	f.step("\n6. road casualties killed or seriously injured, from DfT's STATS19 for Essex")
	if err := f.ksi(ctx, e, sum); err != nil {
		return nil, err
	}
	f.step("\n7. indicators: rates per 1,000 residents by district, and their trend (disclosure-controlled)")
	if err := f.indicators(ctx, e, sum); err != nil {
		return nil, err
	}
	if f.Programme != nil {
		f.step("\n8. the partnership's programme: Vision projects, and the public claims checked against the data")
		if err := f.programme(ctx, sum); err != nil {
			return nil, err
		}
	}
	if f.Community != nil {
		f.step("\n9. the community support map: a synthetic directory in Open Referral UK shape, and suggestions waiting for moderation")
		if err := f.community(ctx, sum); err != nil {
			return nil, err
		}
	}
	if f.Voice != nil {
		f.step("\n9b. citizen voice: a synthetic conversation programme in the 14 districts (free text redacted at capture)")
		if err := f.voice(ctx, sum); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

func (f Flow) step(s string) { fmt.Fprintln(f.Log, s) }

// record appends one of the demo's own actions to the audit log, naming
// every dataset in the store with its owner.
func (f Flow) record(ctx context.Context, st Store, action, target, purpose string) error {
	ds, err := st.Datasets(ctx)
	if err != nil {
		return err
	}
	e := audit.Event{User: f.User, Action: action, Target: target, Purpose: purpose, Outcome: audit.Allowed}
	for _, d := range ds {
		e.Datasets = append(e.Datasets, audit.Dataset{ID: d.ID, Owner: d.PartnerID})
	}
	_, err = f.Audit.Append(ctx, e)
	return err
}

// county generates the synthetic county into f.Work, or into a temporary
// folder that cleanup removes: it holds the county's identities
// (people.csv), the linkage truth and the partners' pseudonymisation key,
// so it must not outlive the run. cleanup is never nil.
func (f Flow) county(ctx context.Context) (dir string, cleanup func(), err error) {
	dir, cleanup = f.Work, func() {}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "civiclink-demo-county-"); err != nil {
			return "", cleanup, err
		}
		made := dir // not the named result, which an error return empties
		cleanup = func() { os.RemoveAll(made) }
	}
	cfg := synth.DemoConfig(f.People, f.Seed)
	for id, s := range f.Datasets {
		cfg.Datasets[id] = s
	}
	if _, _, err := synth.Generate(ctx, cfg, dir, synth.Options{}); err != nil {
		return "", cleanup, err
	}
	return dir, cleanup, nil
}

func (f Flow) governance(ctx context.Context, st Store, svc *govern.Service) (Staff, error) {
	ps, err := st.Partners(ctx)
	if err != nil {
		return nil, err
	}
	var partners []catalog.Partner
	for _, p := range ps {
		partners = append(partners, *p)
	}
	ds, err := st.Datasets(ctx)
	if err != nil {
		return nil, err
	}
	staff, err := SetUpGovernance(ctx, svc, partners, ds, f.Clock.Now())
	if err != nil {
		return nil, err
	}
	var ids []string
	for id := range staff {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fmt.Fprintf(f.Log, "  %d accounts (password: %q), e.g. %s\n", len(ids), Password, strings.Join(ids[:min(4, len(ids))], ", "))
	fmt.Fprintf(f.Log, "  %d agreements active: %s\n", len(AgreementPurposes), strings.Join(AgreementPurposes, ", "))
	return staff, nil
}

// linked are the synthetic datasets linked in the demo.
var linked = []string{"police_incidents", "ae_attendances", "homelessness", "s136_detentions", "school_census", "youth_offending", "adult_social_care", "safe_and_well"}

func (f Flow) link(ctx context.Context, st Store, svc *govern.Service, dir string, sum *Summary) error {
	tf, err := os.Open(filepath.Join(dir, "truth.csv"))
	if err != nil {
		return err
	}
	truth, err := eval.ReadTruth(tf)
	tf.Close()
	if err != nil {
		return err
	}
	var ds []string
	for _, id := range linked {
		if v, err := st.Version(ctx, id, 0); err == nil && v.Rows > 0 {
			ds = append(ds, id)
		}
	}
	res, err := linkrun.Run(ctx, st, svc, sum.Staff["county.analyst"], linkrun.Request{Datasets: ds, Purpose: "violence-and-vulnerability", Truth: truth}, link.Options{})
	if err != nil {
		return err
	}
	sum.Records, sum.Entities, sum.Linkage = res.Records, res.Entities, res.Evaluation
	if err := f.record(ctx, st, audit.ActionLink, fmt.Sprintf("linkage-run:%d", res.Run.ID), "violence-and-vulnerability"); err != nil {
		return err
	}
	ev := res.Evaluation
	fmt.Fprintf(f.Log, "  run %d: %d records of %d datasets into %d people\n", res.Run.ID, res.Records, len(ds), res.Entities)
	fmt.Fprintf(f.Log, "  against the synthetic truth: precision %.4f, recall %.4f, F1 %.4f (B-cubed F1 %.4f)\n", ev.Pairs.Precision, ev.Pairs.Recall, ev.Pairs.F1, ev.Clusters.BCubedF1)
	return nil
}

func (f Flow) cohorts(ctx context.Context, e *insight.Engine, sum *Summary) error {
	named, err := insight.NamedCohorts()
	if err != nil {
		return err
	}
	var names []string
	for n := range named {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := named[n]
		res, err := e.CohortTable(ctx, sum.Staff["county.analyst"], insight.CohortQuery{Cohort: c, By: []string{insight.DimDistrict}})
		if err != nil {
			return fmt.Errorf("cohort %s: %w", n, err)
		}
		sum.Cohorts[n] = res
		total, _ := res.Cell(disclose.TotalLevel)
		shown, hidden := 0, 0
		for _, cell := range res.Cells {
			if cell.Margin {
				continue
			}
			if cell.Status.Suppressed() {
				hidden++
			} else {
				shown++
			}
		}
		fmt.Fprintf(f.Log, "  %-28s %6s people; %d districts shown, %d suppressed  (%s)\n", n, total.Display(), shown, hidden, c.Title)
	}
	return nil
}

func (f Flow) ksi(ctx context.Context, e *insight.Engine, sum *Summary) error {
	vs, err := e.Store.Versions(ctx, "road-casualties")
	if err != nil {
		return err
	}
	for _, v := range vs {
		res, err := e.Aggregate(ctx, sum.Staff["police.analyst"], insight.AggregateQuery{Dataset: "road-casualties", Version: v.Number, Purpose: "road-safety",
			By: []string{"Casualty_Severity"}, Where: "Casualty_Severity IN ('1', '2')"})
		if err != nil {
			return err
		}
		killed, _ := res.Cell("1")
		serious, _ := res.Cell("2")
		total, _ := res.Cell(disclose.TotalLevel)
		year := strings.TrimSuffix(strings.TrimPrefix(v.Source, "essex_pf42_casualties_"), ".csv")
		sum.KSI[year] = total.Count
		fmt.Fprintf(f.Log, "  %s: %s killed, %s seriously injured, %s KSI\n", year, killed.Display(), serious.Display(), total.Display())
	}
	return nil
}
