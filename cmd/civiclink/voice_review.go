package main

import (
	"fmt"
	"math"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/civiclink/civiclink/internal/fault"
	"github.com/civiclink/civiclink/internal/voice"
)

func (m *Main) voiceThemesCmd() *cobra.Command {
	var programme, format string
	c := &cobra.Command{
		Use: "themes --programme ID [--format table|json]", Short: "How often residents raised each codebook theme, by district (small groups suppressed)",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := voiceFormat(format, "table", "json"); err != nil {
				return err
			}
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			ths, err := svc.Themes(cmd.Context(), u, programme)
			if err != nil || format == "json" {
				if err == nil {
					err = m.writeJSON(ths)
				}
				return err
			}
			for _, th := range ths {
				fmt.Fprintf(m.Stdout, "%s (%s)\n", th.Label, th.Theme)
				tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
				fmt.Fprintln(tw, "DISTRICT\tRAISED\tOF\tPERCENT")
				for _, r := range th.Rows {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Mentions.Display, r.Answered.Display, figureShare(r.Mentions))
				}
				tw.Flush()
				fmt.Fprintln(m.Stdout)
			}
			return nil
		},
	}
	c.Flags().StringVar(&programme, "programme", "", "the programme")
	c.Flags().StringVar(&format, "format", "table", "table or json")
	return c
}

func (m *Main) voiceCodeCmd() *cobra.Command {
	var c voice.Coding
	var themes string
	cmd := &cobra.Command{
		Use: "code --programme ID --response R --question Q --themes a,b", Short: "Code one free-text answer against the codebook (analysts; --themes \"\" for none)",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			c.Themes = splitList(themes)
			if err := svc.Code(cmd.Context(), u, c); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "coded %s/%s as %v\n", c.ResponseID, c.QuestionID, c.Themes)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&c.ProgrammeID, "programme", "", "the programme")
	f.StringVar(&c.ResponseID, "response", "", "the response")
	f.StringVar(&c.QuestionID, "question", "", "the free-text question")
	f.StringVar(&themes, "themes", "", "theme ids, comma-separated")
	return cmd
}

func (m *Main) voiceAgreementCmd() *cobra.Command {
	var programme, coders string
	c := &cobra.Command{
		Use: "agreement --programme ID --coders A,B", Short: "Cohen's kappa between two coders (\"rules\" is the codebook's rules) on the answers both coded",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cs := splitList(coders)
			if len(cs) != 2 {
				return fault.FieldErrorf(fault.Invalid, "coders", "--coders takes two coders, e.g. --coders ana,rules")
			}
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			ag, err := svc.Agreement(cmd.Context(), u, programme, cs[0], cs[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "%s and %s coded %d answers in common: kappa %s, observed agreement %.1f%%\n", ag.CoderA, ag.CoderB, ag.Items, kappaText(ag.Kappa), 100*ag.Observed)
			tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "THEME\tBOTH\tONLY "+ag.CoderA+"\tONLY "+ag.CoderB+"\tNEITHER\tKAPPA")
			for _, t := range ag.Themes {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", t.Theme, t.Both, t.OnlyA, t.OnlyB, t.Neither, kappaText(t.Kappa))
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&programme, "programme", "", "the programme")
	c.Flags().StringVar(&coders, "coders", "", "two coders, comma-separated")
	return c
}

func kappaText(k float64) string {
	if math.IsNaN(k) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", k)
}

func (m *Main) voiceQuoteCmd() *cobra.Command {
	c := &cobra.Command{Use: "quote", Short: "Quotes: proposed by analysts, checked and released by output checkers"}
	var response, question, excerpt, theme, note string
	propose := &cobra.Command{
		Use: "propose --response R --question Q [--excerpt TEXT] [--theme T]", Short: "Propose (part of) a free-text answer as a quote", Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			q, err := svc.ProposeQuote(cmd.Context(), u, response, question, excerpt, theme)
			if err == nil {
				fmt.Fprintf(m.Stdout, "proposed quote %s: %q\n", q.ID, q.Text.String())
			}
			return err
		},
	}
	propose.Flags().StringVar(&response, "response", "", "the response")
	propose.Flags().StringVar(&question, "question", "", "the free-text question")
	propose.Flags().StringVar(&excerpt, "excerpt", "", "the part to quote, copied from the redacted answer (default: all of it)")
	propose.Flags().StringVar(&theme, "theme", "", "the codebook theme it illustrates")
	step := func(use, short string, do func(*cobra.Command, string) (*voice.Quote, error)) *cobra.Command {
		return &cobra.Command{Use: use + " QUOTE", Short: short, Args: exactArgs(1, "a quote id"),
			RunE: func(cmd *cobra.Command, args []string) error {
				q, err := do(cmd, args[0])
				if err == nil {
					fmt.Fprintf(m.Stdout, "quote %s is %s\n", q.ID, q.State)
				}
				return err
			}}
	}
	check := func(approve bool) func(*cobra.Command, string) (*voice.Quote, error) {
		return func(cmd *cobra.Command, id string) (*voice.Quote, error) {
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return nil, err
			}
			return svc.CheckQuote(cmd.Context(), u, id, approve, note)
		}
	}
	approve, reject := step("approve", "Approve a proposed quote (output checkers)", check(true)), step("reject", "Reject a proposed quote (output checkers)", check(false))
	approve.Flags().StringVar(&note, "note", "", "the checker's note")
	reject.Flags().StringVar(&note, "note", "", "why it is rejected")
	release := step("release", "Release an approved quote: it never changes again (output checkers)", func(cmd *cobra.Command, id string) (*voice.Quote, error) {
		svc, u, err := m.voiceService(cmd)
		if err != nil {
			return nil, err
		}
		return svc.ReleaseQuote(cmd.Context(), u, id)
	})
	var programme string
	list := &cobra.Command{
		Use: "list --programme ID", Short: "List quotes (released ones only, unless you are an analyst or output checker)", Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			qs, err := svc.Quotes(cmd.Context(), u, programme)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(m.Stdout, 0, 2, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATE\tDISTRICT\tTHEME\tTEXT")
			for _, q := range qs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", q.ID, q.State, q.District, q.Theme, q.Text.String())
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&programme, "programme", "", "the programme")
	c.AddCommand(propose, approve, reject, release, list)
	return c
}

func (m *Main) voiceActionCmd() *cobra.Command {
	c := &cobra.Command{Use: "action", Short: "\"You said, we did\": what was done about a theme residents raised"}
	var a voice.Action
	add := &cobra.Command{
		Use: "add --programme ID --theme T --title TEXT [--project P] [--link /programme/P]", Short: "Record an action against a codebook theme (partner admins, analysts)",
		Args: exactArgs(0, "no arguments"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, u, err := m.voiceService(cmd)
			if err != nil {
				return err
			}
			if err := svc.AddAction(cmd.Context(), u, &a); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "recorded action %s on theme %s\n", a.ID, a.ThemeID)
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&a.ProgrammeID, "programme", "", "the programme")
	f.StringVar(&a.ThemeID, "theme", "", "the codebook theme residents raised")
	f.StringVar(&a.Title, "title", "", "what was done, in a line")
	f.StringVar(&a.Project, "project", "", "the programme room's project that did it")
	f.StringVar(&a.Link, "link", "", "a page of this platform to read more, e.g. /programme/safer-communities")
	c.AddCommand(add)
	return c
}
