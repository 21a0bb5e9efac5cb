# authcore — `make conformance` runs the main job, `make test` runs every test.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: help conformance test lint fmt bench doc

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

conformance: ## build every binding, run every vector, print the pass matrix
	$(CARGO) build --release -p authcore-conformance --quiet
	./target/release/authcore-conformance --matrix conformance/vectors

test: lint ## run every test (unit, doc, integration, conformance on both crypto backends, Wycheproof)
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc
	$(CARGO) run --release -p authcore-conformance --quiet -- --matrix conformance/vectors

lint: ## rustfmt and clippy (warnings are errors)
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --quiet -- -D warnings

fmt: ## format the code
	$(CARGO) fmt --all

bench: ## run the benchmarks (results go to BENCHMARKS.md by hand)
	$(CARGO) bench -p authcore --bench core

doc: ## build the API docs
	$(CARGO) doc -p authcore --no-deps
