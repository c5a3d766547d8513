package web

import (
	"regexp"
	"strings"
)

// Web users do not have the command line: an error or a reason written
// for the CLI ("see `civiclink dataset list`") is put in the web's own
// words before a page or the API shows it.

// cliHints maps a CLI command (its words after "civiclink") to where a
// web user does the same, longest first so that "link adopt" wins over
// "link".
var cliHints = []struct{ command, web string }{
	{"link adopt", "a linkage steward's Adopt button on the run's page"},
	{"link run", "the Linkage page (/linkage)"},
	{"dataset list", "the Datasets page (/datasets)"},
	{"agreement list", "the Agreements page (/agreements)"},
	{"purpose list", "the purposes offered on the Agreements page (/agreements)"},
	{"output list", "the Outputs page (/outputs)"},
	{"audit verify", "Verify again on the Audit page (/audit)"},
	{"user token issue", "your partner's administrator, who issues API tokens"},
	{"user mfa reset", "your partner's administrator"},
	{"user passwd", "your partner's administrator"},
	{"user add", "your partner's administrator"},
	{"user list", "your partner's administrator"},
	{"partner list", "the partnership's administrator"},
	{"pseudonymise", "the partner's pseudonymisation tool"},
	{"ingest", "a bulk load by the platform team"},
	{"serve", "the platform team"},
	{"demo", "the platform team"},
}

// cliCommand matches a backquoted CLI command.
var cliCommand = regexp.MustCompile("`civiclink ([^`]*)`")

// seeCommand matches a hint such as "(see `civiclink dataset list` or /agreements)".
var seeCommand = regexp.MustCompile("\\(see `civiclink [^`]*`(?: or (/[a-z/]+))?\\)")

// cliPhrases are whole phrases around a command, said the web's way.
var cliPhrases = strings.NewReplacer(
	"run `civiclink link run`", "start a linkage run on the Linkage page (/linkage)",
	"with `civiclink link run`", "on the Linkage page (/linkage)",
	"with `civiclink link adopt RUN`", "with the Adopt button on the run's page",
	"run `civiclink audit verify`", "use Verify again on the Audit page (/audit)",
	"load it with `civiclink ingest`", "ask the platform team to load it",
)

// webWords rewrites the CLI commands in msg as the web's way to the same.
func webWords(msg string) string {
	if !strings.Contains(msg, "civiclink ") {
		return msg
	}
	msg = cliPhrases.Replace(msg)
	msg = seeCommand.ReplaceAllStringFunc(msg, func(m string) string {
		if sub := seeCommand.FindStringSubmatch(m); sub[1] != "" {
			return "(see " + sub[1] + ")"
		}
		return "(see " + webHint(cliCommand.FindStringSubmatch(m)[1]) + ")"
	})
	return cliCommand.ReplaceAllStringFunc(msg, func(m string) string {
		return webHint(cliCommand.FindStringSubmatch(m)[1])
	})
}

// webHint is the web's way to the CLI command cmd (its words after
// "civiclink").
func webHint(cmd string) string {
	for _, h := range cliHints {
		if cmd == h.command || strings.HasPrefix(cmd, h.command+" ") {
			return h.web
		}
	}
	return "the platform team"
}
