// Package examples embeds the example schemas, configurations, cohorts and
// agreements shipped with civiclink, so the demo and tests can use them
// wherever the binary runs. The files themselves are the documentation.
package examples

import "embed"

// FS holds every example file, by its path under examples/.
//
//go:embed *.json */*.json
var FS embed.FS
