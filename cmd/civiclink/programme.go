package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/govern"
	"github.com/civiclink/civiclink/internal/programme"
)

// programmeService is the programme room and the user it acts for.
func (m *Main) programmeService(cmd *cobra.Command) (*programme.Service, *govern.User, error) {
	s, u, err := m.acting(cmd)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.Programme(cmd.Context())
	return p, u, err
}

// checkFormat refuses an output format other than text or json.
func checkFormat(f string) error {
	if f != "text" && f != "json" {
		return fault.FieldErrorf(fault.Invalid, "format", "unknown format %q: use text or json", f)
	}
	return nil
}

func (m *Main) programmeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "programme",
		Short: "The partnership's programme: Vision projects, deliverables, outcome measures and updates",
	}
	cmd.AddCommand(m.programmeListCmd(), m.programmeShowCmd(), m.programmeUpdateCmd(), m.programmeAssessmentCmd())
	return cmd
}

func (m *Main) programmeListCmd() *cobra.Command {
	format := "text"
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the projects with their sponsors, status and deliverables' progress",
		Args:  exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			svc, u, err := m.programmeService(cmd)
			if err != nil {
				return err
			}
			ps, err := svc.Projects(cmd.Context(), u)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(m.Stdout, ps)
			}
			if len(ps) == 0 {
				fmt.Fprintln(m.Stdout, "no projects yet: the demo loads the partnership's eight")
				return nil
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "PROJECT\tSTATUS\tSPONSORS\tDELIVERABLES\tTITLE")
			for _, p := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Status, strings.Join(p.Sponsors, ","), progress(p), p.Title)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", format, "text or json")
	return cmd
}

// progress counts a project's deliverables by status, e.g. "1 done, 1 on-track".
func progress(p *programme.Project) string {
	n := map[programme.Status]int{}
	for _, d := range p.Deliverables {
		n[d.Status]++
	}
	var s []string
	for _, st := range programme.Statuses {
		if n[st] > 0 {
			s = append(s, fmt.Sprintf("%d %s", n[st], st))
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func (m *Main) programmeShowCmd() *cobra.Command {
	format := "text"
	cmd := &cobra.Command{
		Use:   "show PROJECT",
		Short: "Show a project: summary, sponsors, deliverables, outcome measures and updates",
		Args:  exactArgs(1, "the project id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			svc, u, err := m.programmeService(cmd)
			if err != nil {
				return err
			}
			p, ups, err := svc.Project(cmd.Context(), u, args[0])
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(m.Stdout, map[string]any{"project": p, "updates": ups})
			}
			printProject(m.Stdout, p, ups)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", format, "text or json")
	return cmd
}

func printProject(w io.Writer, p *programme.Project, ups []*programme.Update) {
	fmt.Fprintf(w, "%s: %s (%s)\nsponsors: %s\n", p.ID, p.Title, p.Status, strings.Join(p.Sponsors, ", "))
	for _, s := range p.Summary {
		fmt.Fprintf(w, "  - %s\n", s)
	}
	fmt.Fprintln(w, "\ndeliverables:")
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "  ID\tDUE\tSTATUS\tWHAT WILL HAVE CHANGED")
	for _, d := range p.Deliverables {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", d.ID, d.Due, d.Status, d.Title)
	}
	tw.Flush()
	fmt.Fprintln(w, "\noutcome measures:")
	if len(p.Measures) == 0 {
		fmt.Fprintln(w, "  none: no indicator measures this project yet")
	}
	for _, ms := range p.Measures {
		fmt.Fprintf(w, "  %s: indicator %s, baseline %s, target %+g%% (%s is better)\n", ms.Title, ms.Indicator, ms.Baseline, ms.Target, ms.Direction)
	}
	fmt.Fprintln(w, "\nupdates:")
	if len(ups) == 0 {
		fmt.Fprintln(w, "  none yet")
	}
	for _, up := range ups {
		change := ""
		if up.Deliverable != "" {
			change = fmt.Sprintf(" [%s: %s → %s]", up.Deliverable, up.From, up.To)
		}
		fmt.Fprintf(w, "  %s %s%s: %s\n", up.At.Format("2006-01-02 15:04"), up.Author, change, up.Text)
	}
}

func (m *Main) programmeUpdateCmd() *cobra.Command {
	var up programme.Update
	var status string
	cmd := &cobra.Command{
		Use:   "update PROJECT --text TEXT [--deliverable ID --status STATUS]",
		Short: "Post a dated update to a project, optionally changing a deliverable's status",
		Long: `Post a dated update to a project. A programme manager may post to any
project; a partner admin to the projects their partner sponsors. With
--deliverable and --status the deliverable's status changes too (not-started,
on-track, at-risk, done). Every update is in the audit log.`,
		Args: exactArgs(1, "the project id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, u, err := m.programmeService(cmd)
			if err != nil {
				return err
			}
			up.Project, up.To = args[0], programme.Status(status)
			if err := svc.PostUpdate(cmd.Context(), u, &up); err != nil {
				return withFlags(err, map[string]string{"text": "--text", "deliverable": "--deliverable", "status": "--status"})
			}
			fmt.Fprintf(m.Stdout, "update %d posted to %s", up.ID, up.Project)
			if up.Deliverable != "" {
				fmt.Fprintf(m.Stdout, "; %s is now %s (was %s)", up.Deliverable, up.To, up.From)
			}
			fmt.Fprintln(m.Stdout)
			return nil
		},
	}
	cmd.Flags().StringVar(&up.Text, "text", "", "what has happened")
	cmd.Flags().StringVar(&up.Deliverable, "deliverable", "", "the deliverable whose status changes")
	cmd.Flags().StringVar(&status, "status", "", "its new status: not-started, on-track, at-risk or done")
	return cmd
}

// withFlags names the flag of each field a domain error is about.
func withFlags(err error, flags map[string]string) error {
	msg := fault.Message(err)
	for field, flag := range flags {
		msg = strings.ReplaceAll(msg, field+": ", flag+": ")
	}
	if msg == fault.Message(err) {
		return err
	}
	return fault.Errorf(fault.Code(err), "%s", msg)
}

func (m *Main) claimsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "claims",
		Short: "Outcome claims quoted in public, checked against the data",
	}
	format := "text"
	check := &cobra.Command{
		Use:   "check",
		Short: "Check every claim against the data: confirmed, differs or cannot check",
		Long: `Check every outcome claim against the data, as you: each figure is computed by
the insight engine under your agreements and through disclosure control, so a
figure you may not read is "cannot check" with the reason. A claim is
confirmed when the data agree within its stated rounding (and the published
figures' protection), differs when they do not (both values and the gap are
shown), and cannot check when the data is missing or withheld.`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			svc, u, err := m.programmeService(cmd)
			if err != nil {
				return err
			}
			rs, err := svc.CheckClaims(cmd.Context(), u)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(m.Stdout, rs)
			}
			printClaims(m.Stdout, rs)
			return nil
		},
	}
	check.Flags().StringVar(&format, "format", format, "text or json")
	cmd.AddCommand(check)
	return cmd
}

func printClaims(w io.Writer, rs []programme.Result) {
	if len(rs) == 0 {
		fmt.Fprintln(w, "no claims yet: the demo loads the six the partnership has quoted")
		return
	}
	for _, r := range rs {
		fmt.Fprintf(w, "%s: %s\n  %q\n", strings.ToUpper(string(r.Status)), r.ID, r.Statement)
		for _, f := range r.Figures {
			fmt.Fprintf(w, "  %s — %s\n", f.Label, f.Status)
			if f.Gap != "" {
				fmt.Fprintf(w, "    %s\n", f.Gap)
			}
			if f.Reason != "" {
				fmt.Fprintf(w, "    cannot check: %s\n", f.Reason)
			}
			if len(f.Series) > 0 {
				var s []string
				for _, v := range f.Series {
					s = append(s, v.Period+" "+v.Shown)
				}
				fmt.Fprintf(w, "    all periods: %s\n", strings.Join(s, ", "))
			}
			fmt.Fprintf(w, "    source: %s\n", f.Source)
		}
		fmt.Fprintln(w)
	}
}

func (m *Main) programmeAssessmentCmd() *cobra.Command {
	format := "text"
	var partner, round, answers string
	cmd := &cobra.Command{
		Use:   "assessment [--partner P --round YYYY-MM --answers q=level,…]",
		Short: "The data-maturity self-assessment: results against the system, or answer a round",
		Long: `Without --answers, show each partner's data-maturity scores (assets,
capabilities, capacity; 1 beginning … 5 mastering) by round beside the system's.
With --answers, answer the self-assessment for --partner (default yours) and
--round: every question, e.g. --answers asset-register=3,asset-quality=2,…
(partner admins for their own partner; programme managers for any).`,
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			svc, u, err := m.programmeService(cmd)
			if err != nil {
				return err
			}
			if answers != "" {
				return m.answerAssessment(cmd, svc, u, partner, round, answers)
			}
			res, err := svc.Maturity(cmd.Context(), u)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(m.Stdout, res)
			}
			printMaturity(m.Stdout, res)
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", format, "text or json")
	cmd.Flags().StringVar(&partner, "partner", "", "the partner answering (default yours)")
	cmd.Flags().StringVar(&round, "round", "", "the round, YYYY-MM (default this month)")
	cmd.Flags().StringVar(&answers, "answers", "", "question=level pairs, comma-separated, for every question")
	return cmd
}

func (m *Main) answerAssessment(cmd *cobra.Command, svc *programme.Service, u *govern.User, partner, round, answers string) error {
	a := &programme.Assessment{Partner: partner, Round: round, Answers: map[string]int{}}
	if a.Partner == "" {
		a.Partner = u.PartnerID
	}
	if a.Round == "" {
		a.Round = m.Clock.Now().Format("2006-01")
	}
	for _, kv := range strings.Split(answers, ",") {
		q, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			return fault.FieldErrorf(fault.Invalid, "answers", "--answers: %q is not question=level (a level is 1 to 5)", kv)
		}
		a.Answers[q] = n
	}
	if err := svc.SubmitAssessment(cmd.Context(), u, a); err != nil {
		if fault.Code(err) != fault.Invalid {
			return err
		}
		return fault.Errorf(fault.Invalid, "%s", strings.NewReplacer("partner: ", "--partner: ", "round: ", "--round: ", "answers.", "--answers ").Replace(fault.Message(err)))
	}
	fmt.Fprintf(m.Stdout, "self-assessment %d recorded for %s, round %s\n", a.ID, a.Partner, a.Round)
	return nil
}

func printMaturity(w io.Writer, res *programme.Maturity) {
	if len(res.Partners) == 0 {
		fmt.Fprintln(w, "no self-assessments yet")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "WHO\tROUND\tASSETS\tCAPABILITIES\tCAPACITY")
	var ids []string
	for p := range res.Partners {
		ids = append(ids, p)
	}
	sort.Strings(ids)
	for _, p := range ids {
		for _, r := range res.Partners[p] {
			fmt.Fprintf(tw, "%s\t%s\t%.1f\t%.1f\t%.1f\n", p, r.Round, r.Scores[programme.Assets], r.Scores[programme.Capabilities], r.Scores[programme.Capacity])
		}
	}
	for _, r := range res.System {
		fmt.Fprintf(tw, "system (%d partners)\t%s\t%.1f\t%.1f\t%.1f\n", r.Partners, r.Round, r.Scores[programme.Assets], r.Scores[programme.Capabilities], r.Scores[programme.Capacity])
	}
	tw.Flush()
	fmt.Fprintln(w, "\nlevels: 1 beginning, 2 emerging, 3 learning, 4 developing, 5 mastering")
}
