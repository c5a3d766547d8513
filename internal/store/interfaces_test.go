package store_test

import (
	"github.com/civiclink/civiclink/internal/publish"
	"github.com/civiclink/civiclink/internal/store"
	"github.com/civiclink/civiclink/internal/web"
)

// The web app and publish declare what they read of the store, but the
// store cannot import them (their own tests open a store), so the checks
// that it still satisfies them live here.
var (
	_ web.AuditLog     = (*store.Audit)(nil)
	_ publish.Catalog  = (*store.Store)(nil)
	_ web.FailureStore = (*store.Store)(nil)
)
