package store_test

import (
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/web"
)

// The web app declares what it reads of the store, but the store cannot
// import the web app (the web's own tests open a store), so the checks
// that it still satisfies them live here.
var (
	_ web.AuditLog     = (*store.Audit)(nil)
	_ web.Aggregator   = (*store.Store)(nil)
	_ web.FailureStore = (*store.Store)(nil)
)
