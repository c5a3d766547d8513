package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/civiclink/civiclink/internal/voice"
)

// TestVoiceReleasedQuoteTrigger: the database itself refuses to change or
// delete a released quote (a trigger), whoever connects; a proposed one
// changes.
func TestVoiceReleasedQuoteTrigger(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	at := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	for _, q := range []*voice.Quote{
		{ID: "q-released", ProgrammeID: "p", ResponseID: "r1", QuestionID: "say", Text: voice.Redact("Nobody listens"), State: voice.QuoteReleased,
			ProposedBy: "ana", ProposedAt: at, CheckedBy: "oli", CheckedAt: at, ReleasedAt: at, Digest: "d"},
		{ID: "q-proposed", ProgrammeID: "p", ResponseID: "r2", QuestionID: "say", Text: voice.Redact("More buses"), State: voice.QuoteProposed,
			ProposedBy: "ana", ProposedAt: at},
	} {
		if err := st.AddVoiceQuote(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	for _, sql := range []string{`UPDATE voice_quotes SET text = 'something else' WHERE id = $1`, `DELETE FROM voice_quotes WHERE id = $1`} {
		if _, err := st.Pool().Exec(ctx, sql, "q-released"); err == nil || !strings.Contains(err.Error(), "a released quote never changes") {
			t.Errorf("%s on a released quote: %v, want the trigger's refusal", sql, err)
		}
	}
	if _, err := st.Pool().Exec(ctx, `UPDATE voice_quotes SET note = 'ok' WHERE id = $1`, "q-proposed"); err != nil {
		t.Errorf("a proposed quote's note: %v", err)
	}
}
