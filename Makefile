# civiclink: the two commands a newcomer needs are `make demo` and `make test`.
GO ?= go
BIN := bin/civiclink

.PHONY: build demo test bench ui

# The web app's browser bundle: npm installs the packages web/ names and Vite
# builds them into internal/web/dist, which the binary embeds. Skipped when
# the bundle is newer than every source.
UI_BUNDLE := internal/web/dist/.vite/manifest.json
UI_SOURCES := $(shell find web/src -type f 2>/dev/null) web/package.json web/package-lock.json web/vite.config.js web/compress.mjs

build: ui
	$(GO) build -o $(BIN) ./cmd/civiclink

ui: $(UI_BUNDLE)

$(UI_BUNDLE): $(UI_SOURCES)
	cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build

# Build and run the whole flow on a synthetic county, then serve the dashboard.
demo: build
	./$(BIN) demo

# Every test, from a fresh clone. Test setup installs what tests need.
# The browser tests need Chromium (scripts/ensure-chromium.sh installs it)
# and must not skip here: CIVICLINK_REQUIRE_BROWSER makes a missing browser
# a failure. `go mod tidy -diff` fails the run when go.mod or go.sum is not
# tidy (a direct dependency marked // indirect, an unused one, a stale sum).
test: ui
	$(GO) mod tidy -diff
	./scripts/ensure-chromium.sh
	./scripts/ensure-postgres.sh
	$(GO) vet ./...
	CIVICLINK_REQUIRE_BROWSER=1 $(GO) test -count=1 -timeout 30m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...
