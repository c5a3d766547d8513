package disclose_test

import (
	"testing"

	"github.com/civiclink/civiclink/internal/disclose"
	"github.com/civiclink/civiclink/internal/disclose/ledgertest"
)

func TestMemLedgerContract(t *testing.T) {
	ledgertest.Run(t, func(*testing.T) disclose.Ledger { return disclose.NewMemLedger() })
}
