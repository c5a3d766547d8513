package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/insight"
	"github.com/civiclink/civiclink/internal/redteam"
)

// cliSource publishes tables through `civiclink query aggregate`, run in
// this process as a user would run it, its CSV read back: the attacker's
// view of the CLI. Each query runs as its own invocation over the store
// parent has open (a process opens a store once).
type cliSource struct {
	parent              *Main
	data, user, purpose string
	// pt is the perturbation table, which is public.
	pt *disclose.PTable
}

func (c cliSource) Table(ctx context.Context, q redteam.Query) (*redteam.Table, error) {
	purpose := c.purpose
	if q.Purpose != "" {
		purpose = q.Purpose
	}
	args := []string{"query", "aggregate", "--dataset", q.Dataset,
		"--by", strings.Join(q.By, ","), "--purpose", purpose, "--format", "csv"}
	if file, ok := strings.CutPrefix(q.Dataset, "cohort:"); ok {
		args = []string{"query", "cohort", file, "--by", strings.Join(q.By, ","), "--purpose", purpose, "--format", "csv"}
	}
	if q.Where != "" {
		args = append(args, "--where", q.Where)
	}
	if q.Version > 0 {
		args = append(args, "--version", strconv.Itoa(q.Version))
	}
	if q.Threshold > 0 {
		args = append(args, "--threshold", strconv.FormatInt(q.Threshold, 10))
	}
	if q.RoundTo > 0 {
		args = append(args, "--round", strconv.FormatInt(q.RoundTo, 10))
	}
	out, refused, err := c.run(ctx, c.user, args...)
	if refused != "" || err != nil {
		return &redteam.Table{Refused: refused}, err
	}
	return readPublishedCSV(strings.NewReader(out), len(q.By), q.RoundTo, c.pt)
}

// run runs one civiclink command as user over the store parent has open,
// as its own invocation (a process opens a store once), and returns what
// it printed, or the refusal when governance or disclosure control
// refused it.
func (c cliSource) run(ctx context.Context, user string, args ...string) (out, refused string, err error) {
	args = append([]string{"--data", c.data, "--user", user}, args...)
	if c.parent.PTablePath != "" {
		args = append(args, "--ptable", c.parent.PTablePath)
	}
	var buf bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &buf, Stderr: io.Discard, Clock: c.parent.Clock, closers: c.parent.closers}
	err = m.Run(ctx, args) // not closed: the store is parent's
	if fault.Code(err) == fault.Forbidden || fault.Code(err) == fault.Disclosure {
		return "", fault.Message(err), nil
	}
	return buf.String(), "", err
}

// indicatorPaths publishes a named indicator's table ("ind:NAME" as the
// query's dataset) through the CLI paths other than `query aggregate`:
// "indicator" (`query indicator NAME --by …`), and "export" (`output
// draft` as the analyst, `output check` as the county's output checker,
// `output release`, then `output export --format csv`, as a published
// output leaves the platform). "cli" translates it to the indicator's
// dataset and filter for `query aggregate`.
type indicatorPaths struct {
	cli     cliSource
	checker string
}

func (p indicatorPaths) sources() redteam.Paths {
	return redteam.Paths{"cli": redteam.SourceFunc(p.aggregate), "indicator": redteam.SourceFunc(p.indicator), "export": redteam.SourceFunc(p.export)}
}

func (p indicatorPaths) aggregate(ctx context.Context, q redteam.Query) (*redteam.Table, error) {
	ind, err := insight.FindIndicator(strings.TrimPrefix(q.Dataset, "ind:"))
	if err != nil {
		return nil, err
	}
	q.Dataset, q.Where = ind.Dataset, ind.Where
	return p.cli.Table(ctx, q)
}

func (p indicatorPaths) indicator(ctx context.Context, q redteam.Query) (*redteam.Table, error) {
	out, refused, err := p.cli.run(ctx, p.cli.user, "query", "indicator", strings.TrimPrefix(q.Dataset, "ind:"), "--by", strings.Join(q.By, ","), "--format", "csv")
	if refused != "" || err != nil {
		return &redteam.Table{Refused: refused}, err
	}
	return readPublishedCSV(strings.NewReader(out), len(q.By), 0, p.cli.pt)
}

var outputID = regexp.MustCompile(`^output (\d+):`)

func (p indicatorPaths) export(ctx context.Context, q redteam.Query) (*redteam.Table, error) {
	name := strings.TrimPrefix(q.Dataset, "ind:")
	out, refused, err := p.cli.run(ctx, p.cli.user, "output", "draft", name, "--by", strings.Join(q.By, ","))
	if refused != "" || err != nil {
		return &redteam.Table{Refused: refused}, err
	}
	m := outputID.FindStringSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("output draft printed no output id: %.200s", out)
	}
	for _, step := range []struct {
		user string
		args []string
	}{
		{p.checker, []string{"output", "check", m[1], "--note", "red team: checked to export"}},
		{p.cli.user, []string{"output", "release", m[1]}},
		{p.cli.user, []string{"output", "export", m[1], "--format", "csv"}},
	} {
		if out, refused, err = p.cli.run(ctx, step.user, step.args...); refused != "" || err != nil {
			return &redteam.Table{Refused: refused}, err
		}
	}
	return readPublishedCSV(strings.NewReader(out), len(q.By), 0, p.cli.pt)
}

// readPublishedCSV reads a published table: n level columns, the count,
// then the protection columns.
func readPublishedCSV(r io.Reader, n int, roundTo int64, pt *disclose.PTable) (*redteam.Table, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, fault.Errorf(fault.Internal, "red team: unreadable CSV: %v", err)
	}
	t := &redteam.Table{Dims: rows[0][:n], Figures: map[string]redteam.Figure{}, RoundTo: roundTo, ZerosShown: true}
	prot := len(rows[0]) - len(disclose.ProtectionHeader)
	for _, row := range rows[1:] {
		t.Figures[strings.Join(row[:n], "|")] = figure(row[n])
		t.Threshold, _ = strconv.ParseInt(row[prot+1], 10, 64)
		if strings.Contains(row[prot], disclose.MethodPerturbation) {
			t.MaxShift, t.Preimage, t.Likely = pt.MaxPerturbation(), pt.Preimage, pt.Likely(likelyP).Preimage
		}
	}
	return t, nil
}

// likelyP is how often a perturbation must be drawn for the attacker's
// estimate to reckon with it (the shipped table's tail is drawn 0.002 of
// the time per value: left out of estimates, kept in certainties).
const likelyP = 0.01

func figure(s string) redteam.Figure {
	if s == disclose.Confidential {
		return redteam.Figure{Withheld: true}
	}
	v, _ := strconv.ParseInt(s, 10, 64)
	return redteam.Figure{Value: v}
}

// engineSource counts through the insight engine without its protection:
// the truth, or suppression alone as the engine published before the
// cell-key method.
type engineSource struct {
	e       *insight.Engine
	u       *govern.User
	purpose string
	b       insight.Baseline
}

func (s engineSource) Table(ctx context.Context, q redteam.Query) (*redteam.Table, error) {
	purpose := s.purpose
	if q.Purpose != "" {
		purpose = q.Purpose
	}
	var res *disclose.Result
	var err error
	if file, ok := strings.CutPrefix(q.Dataset, "cohort:"); ok {
		c, cerr := insight.FindCohort(file)
		if cerr != nil {
			return nil, cerr
		}
		res, err = s.e.UnprotectedCohort(ctx, s.u, insight.CohortQuery{Cohort: c, By: q.By, Purpose: purpose, Threshold: q.Threshold, RoundTo: q.RoundTo}, s.b)
	} else {
		res, err = s.e.Unprotected(ctx, s.u, insight.AggregateQuery{Dataset: q.Dataset, By: q.By, Where: q.Where, Version: q.Version,
			Threshold: q.Threshold, RoundTo: q.RoundTo, Purpose: purpose}, s.b)
	}
	if fault.Code(err) == fault.Forbidden {
		return &redteam.Table{Refused: fault.Message(err)}, nil
	}
	if err != nil {
		return nil, err
	}
	t := &redteam.Table{Figures: map[string]redteam.Figure{}, Threshold: res.Protection.Threshold, RoundTo: q.RoundTo}
	for _, d := range res.Dims {
		t.Dims = append(t.Dims, d.Name)
	}
	for _, c := range res.Cells {
		t.Figures[strings.Join(c.Levels, "|")] = redteam.Figure{Value: c.Count, Withheld: c.Status.Suppressed()}
	}
	return t, nil
}

// apiSource publishes an indicator's trend through the JSON API of a
// running server (GET /api/indicators/ind:NAME/trend?period=…&by=district):
// queries name the indicator as their dataset, "ind:NAME", and group by
// district and one period.
type apiSource struct {
	base   string
	client *http.Client
	pt     *disclose.PTable
}

func (a apiSource) Table(ctx context.Context, q redteam.Query) (*redteam.Table, error) {
	period := q.By[len(q.By)-1]
	tr, refused, err := a.trend(ctx, q.Dataset, period)
	if err != nil || refused != "" {
		return &redteam.Table{Refused: refused}, err
	}
	t := &redteam.Table{Dims: []string{insight.DimDistrict, period}, Figures: map[string]redteam.Figure{}, Threshold: tr.Protection.Threshold, MaxShift: tr.Protection.MaxShift}
	if t.MaxShift > 0 {
		t.Preimage, t.Likely = a.pt.Preimage, a.pt.Likely(likelyP).Preimage
	}
	t.ZerosShown = true
	for _, s := range tr.Series {
		for _, p := range s.Points {
			t.Figures[s.Code+"|"+p.Period] = figure(p.Count)
		}
	}
	return t, nil
}

// apiTrend is the part of the trend API's answer the red team reads.
type apiTrend struct {
	Series []struct {
		Code, Name string
		Points     []struct{ Period, Count string }
	}
	Protection disclose.Protection
}

// trend asks the trend API for an indicator ("ind:NAME") by district and
// period; refused is the answer when it was refused.
func (a apiSource) trend(ctx context.Context, indicator, period string) (*apiTrend, string, error) {
	u := a.base + "/api/indicators/" + url.PathEscape(indicator) + "/trend?period=" + url.QueryEscape(period) + "&by=district"
	body, status, err := a.get(ctx, u)
	if err != nil {
		return nil, "", err
	}
	if status == http.StatusForbidden {
		return nil, string(body), nil
	}
	if status != http.StatusOK {
		return nil, "", fmt.Errorf("GET %s: %d %.200s", u, status, body)
	}
	var tr apiTrend
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, "", err
	}
	return &tr, "", nil
}

// names maps the trend's district names to their codes.
func (a apiSource) names(ctx context.Context, indicator, period string) (map[string]string, error) {
	tr, refused, err := a.trend(ctx, indicator, period)
	if err != nil || refused != "" {
		return nil, fmt.Errorf("the trend API refused %s: %s (%v)", indicator, refused, err)
	}
	out := map[string]string{}
	for _, s := range tr.Series {
		out[s.Name] = s.Code
	}
	return out, nil
}

// get fetches u as the signed-in attacker.
func (a apiSource) get(ctx context.Context, u string) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, 0, err
	}
	res, err := a.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return body, res.StatusCode, err
}

// indicatorTruth is the truth of an indicator's trend queries: its
// dataset and filter counted through engineSource, zeros for periods
// with no records.
type indicatorTruth struct {
	engineSource
	ind *insight.Indicator
}

func (s indicatorTruth) Table(ctx context.Context, q redteam.Query) (*redteam.Table, error) {
	q.Dataset, q.Where = s.ind.Dataset, s.ind.Where
	return s.engineSource.Table(ctx, q) // a period with no records is missing: a true 0
}

// webSource publishes an indicator's trend as its theme page shows it
// (GET /themes/{theme}?indicator=NAME&grain=…): the table of counts per
// period by district under the chart, read from the page's HTML, its
// columns named by district as the page names them. The district codes
// behind the names, the threshold and the perturbation's reach are read
// from the trend API, which the page's footnote states in words.
type webSource struct{ api apiSource }

var (
	trendDistricts = regexp.MustCompile(`(?s)<table class="data" id="trend-districts">(.*?)</table>`)
	htmlColumn     = regexp.MustCompile(`<th scope="col" class="num">([^<]*)</th>`)
	htmlRow        = regexp.MustCompile(`<tr><th scope="row">([^<]*)</th>(.*?)</tr>`)
	htmlCell       = regexp.MustCompile(`<td[^>]*>([^<]*)</td>`)
)

func (s webSource) Table(ctx context.Context, q redteam.Query) (*redteam.Table, error) {
	ind, err := insight.FindIndicator(strings.TrimPrefix(q.Dataset, "ind:"))
	if err != nil {
		return nil, err
	}
	period := q.By[len(q.By)-1]
	api, err := s.api.Table(ctx, q)
	if err != nil || api.Refused != "" {
		return api, err
	}
	codes, err := s.api.names(ctx, q.Dataset, period)
	if err != nil {
		return nil, err
	}
	u := s.api.base + "/themes/" + url.PathEscape(ind.Theme) + "?indicator=" + url.QueryEscape(ind.Name) + "&grain=" + url.QueryEscape(period)
	body, status, err := s.api.get(ctx, u)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %d %.200s", u, status, body)
	}
	m := trendDistricts.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("GET %s: the page has no table of counts by district", u)
	}
	var cols []string
	for _, c := range htmlColumn.FindAllSubmatch(m[1], -1) {
		code, ok := codes[html.UnescapeString(string(c[1]))]
		if !ok {
			return nil, fmt.Errorf("GET %s: the page names a district %q the API does not", u, c[1])
		}
		cols = append(cols, code)
	}
	t := &redteam.Table{Dims: api.Dims, Figures: map[string]redteam.Figure{}, Threshold: api.Threshold, MaxShift: api.MaxShift,
		Preimage: api.Preimage, Likely: api.Likely, ZerosShown: true}
	for _, r := range htmlRow.FindAllSubmatch(m[1], -1) {
		for i, c := range htmlCell.FindAllSubmatch(r[2], -1) {
			if i < len(cols) && len(c[1]) > 0 {
				t.Figures[cols[i]+"|"+html.UnescapeString(string(r[1]))] = figure(html.UnescapeString(string(c[1])))
			}
		}
	}
	return t, nil
}
