package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/store"
)

func TestBudgetSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "civiclink.duckdb")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetBudget(ctx, "crime", disclose.Budget{Epsilon: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Spend(ctx, disclose.Spend{Dataset: "crime", Query: "district × month", By: "analyst", Cost: disclose.Budget{Epsilon: 0.25}}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bal, err := st.Balance(ctx, "crime")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := bal.Left().Epsilon, 0.75; got != want {
		t.Errorf("left after reopen = %v, want %v", got, want)
	}
	spends, err := st.Spends(ctx, "crime")
	if err != nil {
		t.Fatal(err)
	}
	if len(spends) != 1 || spends[0].Query != "district × month" || spends[0].By != "analyst" || spends[0].At.IsZero() {
		t.Errorf("spends = %+v, want the one spend with its query, user and time", spends)
	}
}
