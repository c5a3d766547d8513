package programme

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// The partnership self-assessment of data maturity: each partner scores
// itself on the questions below, from 1 to 5, once a round (a month such
// as "2026-12"), and sees its results beside the system's (every
// partner's mean) and its own earlier rounds.
//
// The scale follows the five levels of the UK government's Data Maturity
// Assessment for Government (Central Digital and Data Office, 2023):
// beginning, emerging, learning, developing, mastering. The questions
// group its topics into the three things the data project's deliverable
// names: assets, capabilities and capacity (docs/programme.md).

// Levels names the scale's five levels, 1 to 5.
var Levels = []string{"", "beginning", "emerging", "learning", "developing", "mastering"}

// Area is one of the three groups of questions.
type Area string

// The areas of the self-assessment.
const (
	Assets       Area = "assets"
	Capabilities Area = "capabilities"
	Capacity     Area = "capacity"
)

// Areas lists the areas in order.
var Areas = []Area{Assets, Capabilities, Capacity}

// Question is one self-assessment question.
type Question struct {
	ID   string `json:"id"`
	Area Area   `json:"area"`
	Text string `json:"text"`
}

// Questions are the self-assessment's questions.
var Questions = []Question{
	{"asset-register", Assets, "We know what data we hold: a register names each dataset, its owner and what it may be used for."},
	{"asset-quality", Assets, "We know how good our data are: completeness and validity are measured and reported."},
	{"asset-sharing", Assets, "Our data can be shared safely: agreements, lawful bases and pseudonymisation are in place."},
	{"capability-skills", Capabilities, "Our staff have the analytical and data skills the work needs."},
	{"capability-tools", Capabilities, "Our tools let staff find, link and analyse data without copying it around."},
	{"capability-governance", Capabilities, "Data governance is clear: roles, decisions and disclosure control are routine."},
	{"capacity-people", Capacity, "We have enough people with time for data work, not only for statutory returns."},
	{"capacity-leadership", Capacity, "Leaders ask for evidence and act on it; data work is planned and funded."},
	{"capacity-partnership", Capacity, "We give time to the partnership's shared data work and use its results."},
}

// Assessment is one partner's answers for one round.
type Assessment struct {
	ID      int64          `json:"id"`
	Partner string         `json:"partner"`
	Round   string         `json:"round"`
	Answers map[string]int `json:"answers"`
	By      string         `json:"by"`
	At      time.Time      `json:"at"`
}

var roundRE = regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])$`)

// Validate checks every field of a: a known partner, a round as a month,
// and every question answered on the scale; all problems at once.
func (a *Assessment) Validate(partners []string) error {
	var ps Problems
	if !slices.Contains(partners, a.Partner) {
		ps.add("partner", "no partner %q in the catalogue: use one of %s", a.Partner, strings.Join(partners, ", "))
	}
	if !roundRE.MatchString(a.Round) {
		ps.add("round", "give the round as the month it is for, YYYY-MM (got %q)", a.Round)
	}
	for _, q := range Questions {
		v, ok := a.Answers[q.ID]
		switch {
		case !ok:
			ps.add("answers."+q.ID, "answer every question: %s", q.Text)
		case v < 1 || v > 5:
			ps.add("answers."+q.ID, "answer on the scale 1 (beginning) to 5 (mastering), got %d", v)
		}
	}
	for id := range a.Answers {
		if !slices.ContainsFunc(Questions, func(q Question) bool { return q.ID == id }) {
			ps.add("answers."+id, "no question %q", id)
		}
	}
	return ps.err()
}

// Scores are the mean level per area.
type Scores map[Area]float64

// scores returns a's mean level per area.
func (a *Assessment) scores() Scores {
	sum, n := map[Area]float64{}, map[Area]float64{}
	for _, q := range Questions {
		if v, ok := a.Answers[q.ID]; ok {
			sum[q.Area] += float64(v)
			n[q.Area]++
		}
	}
	out := Scores{}
	for _, ar := range Areas {
		if n[ar] > 0 {
			out[ar] = sum[ar] / n[ar]
		}
	}
	return out
}

// RoundScores is one round's scores.
type RoundScores struct {
	Round  string `json:"round"`
	Scores Scores `json:"scores"`
	// Partners is how many partners the system's scores average.
	Partners int `json:"partners,omitempty"`
}

// Maturity is the self-assessment's results: per partner its rounds,
// and the system's per round (the mean of the partners' latest answers
// for that round).
type Maturity struct {
	Questions []Question               `json:"questions"`
	Levels    []string                 `json:"levels"`
	Partners  map[string][]RoundScores `json:"partners"`
	System    []RoundScores            `json:"system"`
}

// Results lays out assessments (oldest first; a later one for the same
// partner and round replaces an earlier one) as [Maturity].
func Results(as []*Assessment) *Maturity {
	latest := map[[2]string]*Assessment{}
	for _, a := range as {
		latest[[2]string{a.Partner, a.Round}] = a
	}
	m := &Maturity{Questions: Questions, Levels: Levels[1:], Partners: map[string][]RoundScores{}}
	byRound := map[string][]Scores{}
	for k, a := range latest {
		s := a.scores()
		m.Partners[k[0]] = append(m.Partners[k[0]], RoundScores{Round: k[1], Scores: s})
		byRound[k[1]] = append(byRound[k[1]], s)
	}
	for p := range m.Partners {
		sort.Slice(m.Partners[p], func(i, j int) bool { return m.Partners[p][i].Round < m.Partners[p][j].Round })
	}
	for _, r := range sortedKeys(byRound) {
		mean := Scores{}
		for _, s := range byRound[r] {
			for _, ar := range Areas {
				mean[ar] += s[ar] / float64(len(byRound[r]))
			}
		}
		m.System = append(m.System, RoundScores{Round: r, Scores: mean, Partners: len(byRound[r])})
	}
	return m
}

// Change says how a partner's area score moved since its previous round,
// e.g. "+0.7 since 2026-06", or "" for a first round.
func Change(rounds []RoundScores, i int, ar Area) string {
	if i == 0 || i >= len(rounds) {
		return ""
	}
	return fmt.Sprintf("%+.1f since %s", rounds[i].Scores[ar]-rounds[i-1].Scores[ar], rounds[i-1].Round)
}
