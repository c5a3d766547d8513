# civiclink: the two commands a newcomer needs are `make demo` and `make test`.
GO ?= go
BIN := bin/civiclink

.PHONY: build demo test bench

build:
	$(GO) build -o $(BIN) ./cmd/civiclink

# Build and run the whole flow on a synthetic county, then serve the dashboard.
demo: build
	./$(BIN) demo

# Every test, from a fresh clone. Test setup installs what tests need.
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...
