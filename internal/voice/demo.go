package voice

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/civiclink/civiclink/internal/govern"
)

// DemoProgrammeID is the synthetic programme the demo loads.
const DemoProgrammeID = "county-conversation"

// agreeScale is the five-point agreement scale of the demo's questions.
var agreeScale = []string{"Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"}

// DemoProgramme returns a synthetic conversation programme: belonging,
// trust and community questions, a session in every district in each of
// two waves (summer and autumn), and a codebook whose themes sit beside
// the platform's data themes. No real person, place of residence or
// words appear in it.
func DemoProgramme(d Districts) *Programme {
	p := &Programme{ID: DemoProgrammeID, Title: "In conversation: belonging, community and trust",
		Description: "A synthetic programme: senior leaders meet residents around the county to hear how they feel about where they live and about public services.",
		Host:        "county-council",
		Questions: []Question{
			{ID: "belong", Kind: Scale, Prompt: "I feel I belong to my local area", Options: agreeScale},
			{ID: "trust", Kind: Scale, Prompt: "I trust public services in the county to act in my interest", Options: agreeScale},
			{ID: "together", Kind: Choice, Prompt: "How well do people from different backgrounds get on together here?",
				Options: []string{"Very well", "Fairly well", "Not very well", "Not at all well", "Don't know"}},
			{ID: "say", Kind: FreeText, Prompt: "What one thing would make your community a better place to live?"},
		},
		Codebook: []Theme{
			{ID: "safety", Label: "Feeling safe", Rules: []string{"safe*", "unsafe", "crime", "antisocial", "anti-social", "police", "street light*", "knife"}, DataTheme: "violence-and-vulnerability"},
			{ID: "roads", Label: "Roads and traffic", Rules: []string{"road*", "pothole*", "traffic", "speeding", "crossing"}, DataTheme: "road-safety"},
			{ID: "activity", Label: "Places to be active", Rules: []string{"park*", "sport*", "leisure centre", "walk*", "cycle*", "swimming"}, DataTheme: "physical-inactivity"},
			{ID: "housing", Label: "Housing", Rules: []string{"housing", "homeless*", "rent*", "afford*"}, DataTheme: "homelessness"},
			{ID: "youth", Label: "Things for young people", Rules: []string{"young people", "youth", "teenager*", "kids"}},
			{ID: "trust", Label: "Being listened to", Rules: []string{"listen*", "council", "never answer*", "ignored", "consult*"}},
		},
	}
	places := []string{"Library meeting room", "Community centre", "Village hall", "Market square stall", "Leisure centre foyer"}
	for i, code := range d.Codes() {
		for wave := 1; wave <= 2; wave++ {
			month := time.June + time.Month(3*(wave-1))
			p.Sessions = append(p.Sessions, Session{ID: fmt.Sprintf("%s-w%d", strings.ToLower(code), wave), ProgrammeID: p.ID,
				Date:  time.Date(2026, month, 3+i*2, 0, 0, 0, 0, time.UTC),
				Place: places[(i+wave)%len(places)], District: code, Host: []string{"county-council", "district-council", "police", "nhs-trust", "voluntary-sector"}[(i+wave)%5], Wave: wave})
		}
	}
	return p
}

// demoSayings are free-text templates by theme; {id} is replaced by a
// planted identifier in some answers, so redaction is exercised.
var demoSayings = [][]string{
	{"I don't feel safe walking home after dark", "More police on the high street would help", "Antisocial behaviour near the station puts people off", "Fix the street lights on our estate, it feels unsafe"},
	{"Potholes on every road and nobody fixes them", "Traffic speeding past the school every morning", "We need a safe crossing by the shops"},
	{"Keep the park open and looked after", "A leisure centre we can walk to", "Better cycle paths so kids can cycle to school"},
	{"Housing people here can afford to rent", "Too many families homeless or in temporary rooms"},
	{"Nothing for young people to do in the evenings", "A youth club again, the teenagers have nowhere to go"},
	{"The council never answers when you ring", "Listen to us before deciding, we feel ignored", "Consult people properly, not just online"},
	{"Neighbours look out for each other here", "More community events so people meet", "It's a good place, I wouldn't change much"},
}

// demoIdentifiers plant one identifier in an answer: the demo's free text
// exercises every marker.
var demoIdentifiers = []func(r *rand.Rand) string{
	func(r *rand.Rand) string { return fmt.Sprintf("email me at resident%d@example.org", r.IntN(9000)+1000) },
	func(r *rand.Rand) string { return fmt.Sprintf("ring me on 07700 900%03d", r.IntN(1000)) },
	func(r *rand.Rand) string {
		return fmt.Sprintf("I live at CM%d %d%c%c", r.IntN(9)+1, r.IntN(9)+1, 'A'+rune(r.IntN(20)), 'B'+rune(r.IntN(20)))
	},
	func(r *rand.Rand) string { return "my NHS number is " + demoNHSNumber(r) },
	func(r *rand.Rand) string { return fmt.Sprintf("see www.example-group%d.org.uk", r.IntN(100)) },
}

func demoNHSNumber(r *rand.Rand) string {
	for {
		d := make([]byte, 9)
		sum := 0
		for i := range d {
			d[i] = byte('0' + r.IntN(10))
			sum += int(d[i]-'0') * (10 - i)
		}
		c := 11 - sum%11
		if c == 11 {
			c = 0
		}
		if c != 10 {
			s := string(d) + strconv.Itoa(c)
			return s[:3] + " " + s[3:6] + " " + s[6:]
		}
	}
}

// DemoInputs returns n synthetic responses to the demo programme,
// deterministic for a seed: answers lean by district and wave (trust
// rises a little in the second wave), free text comes from templates and
// about one in eight answers has a planted identifier.
func DemoInputs(p *Programme, n int, seed uint64) []Input {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]Input, 0, n)
	for i := 0; i < n; i++ {
		s := p.Sessions[r.IntN(len(p.Sessions))]
		lean := float64(len(s.District)%3)*0.3 + float64(s.District[len(s.District)-1]%5)*0.15
		in := Input{ID: fmt.Sprintf("demo-%05d", i), SessionID: s.ID, ConsentStore: true, ConsentQuote: r.IntN(3) > 0,
			CapturedAt: s.Date.Add(time.Duration(10+r.IntN(8))*time.Hour + time.Duration(r.IntN(60))*time.Minute),
			Answers:    map[string]string{}}
		if r.IntN(5) > 0 {
			in.AgeBand = AgeBands[min(len(AgeBands)-1, r.IntN(len(AgeBands))+r.IntN(2))]
		}
		in.Answers["belong"] = demoScale(r, 3.2+lean)
		in.Answers["trust"] = demoScale(r, 2.6+lean/2+0.35*float64(s.Wave-1))
		in.Answers["together"] = p.Questions[2].Options[min(4, int(r.ExpFloat64()*1.1))]
		if r.IntN(10) < 7 {
			g := demoSayings[r.IntN(len(demoSayings))]
			text := g[r.IntN(len(g))]
			if r.IntN(8) == 0 {
				text += "; " + demoIdentifiers[r.IntN(len(demoIdentifiers))](r)
			}
			in.Answers["say"] = text
		}
		out = append(out, in)
	}
	return out
}

// demoScale draws a point of the 5-point scale around mean.
func demoScale(r *rand.Rand, mean float64) string {
	v := int(mean + r.NormFloat64()*1.25 + 0.5)
	return agreeScale[max(0, min(4, v-1))]
}

// DemoResponses builds n demo responses (see [DemoInputs]), checked and
// redacted as any capture is, ready for the store.
func (s *Service) DemoResponses(p *Programme, n int, seed uint64) ([]*Response, error) {
	ins := DemoInputs(p, n, seed)
	out := make([]*Response, 0, len(ins))
	for _, in := range ins {
		r, err := p.build(in, s.Districts, "demo", s.now())
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// LoadDemo stores n demo responses to programme p as u, in one
// transaction, recorded as an import.
func (s *Service) LoadDemo(ctx context.Context, u *govern.User, p *Programme, n int, seed uint64) (int, error) {
	err := need(u, "load demo responses", govern.PartnerAdmin)
	var rs []*Response
	if err == nil {
		rs, err = s.DemoResponses(p, n, seed)
	}
	if err == nil {
		for _, r := range rs {
			r.CapturedBy = u.ID
		}
		err = s.Store.AddVoiceResponses(ctx, rs)
	}
	return len(rs), s.record(ctx, u, "import", "voice:"+p.ID, err, map[string]any{"file": "demo", "responses": len(rs)})
}

// DemoActions are the demo's "you said, we did" entries: each theme
// residents raised, linked to the programme room's project that answers
// it (the shipped Vision projects).
func DemoActions() []Action {
	return []Action{
		{ThemeID: "safety", Project: "safer-communities", Link: "/programme/safer-communities", Title: "Street lighting repaired on the estates residents named, and joint patrols near stations in the evening"},
		{ThemeID: "activity", Project: "physical-activity", Link: "/programme/physical-activity", Title: "Park paths and lighting improved so more people can walk and cycle after work"},
		{ThemeID: "housing", Project: "homelessness", Link: "/programme/homelessness", Title: "Earlier help for families at risk of losing their home"},
		{ThemeID: "trust", Project: "civic-pride", Link: "/programme/civic-pride", Title: "Conversations return to each district every season, and what was heard is reported back"},
	}
}
