# authcore — `make conformance` runs the main job, `make test` runs every test.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: help example-server-test example-mcp-server-test conformance conformance-matrix conformance-js-test chromium browser-deps example-browser-test test lint fmt types bench doc python python-test python-versions python-bench node node-test node-bench wasm wasm-test wasm-bench wasm-size wasm-check fuzz

VENV ?= .venv
PY := $(VENV)/bin/python
WHEELS := target/wheels

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

conformance: python node wasm browser-deps ## build every binding, run every vector, print the pass matrix
	$(MAKE) --no-print-directory conformance-matrix

conformance-matrix: ## the pass matrix against the bindings as built (one column per binding and backend)
	$(CARGO) build --release -p authcore-conformance --quiet
	rm -f conformance/out/python.json conformance/out/node.json conformance/out/wasm.json conformance/out/browser.json
	$(PY) conformance/python/runner.py --json conformance/out/python.json conformance/vectors
	node conformance/js/runner.mjs --module $(NODE_DIR) --name node --json conformance/out/node.json conformance/vectors
	node conformance/js/runner.mjs --module bindings-wasm/pkg/node.mjs --name wasm --backends portable --json conformance/out/wasm.json conformance/vectors
	node conformance/js/browser.mjs --pkg bindings-wasm/pkg --name browser --json conformance/out/browser.json conformance/vectors
	./target/release/authcore-conformance --matrix conformance/vectors --extra python=conformance/out/python.json --extra node=conformance/out/node.json \
		--extra wasm=conformance/out/wasm.json --extra browser=conformance/out/browser.json

JS_DIR := conformance/js

# playwright-core only drives the system Chromium; it never downloads a browser.
$(JS_DIR)/node_modules/.ready: $(JS_DIR)/package-lock.json
	cd $(JS_DIR) && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --silent
	touch $@

chromium: ## the system Chromium the browser tests drive (apt under CI=true or AUTHCORE_INSTALL=1)
	scripts/chromium.sh

browser-deps: chromium $(JS_DIR)/node_modules/.ready ## Chromium and playwright-core for the browser column and the browser example

example-browser-test: wasm browser-deps ## examples/browser in Chromium: the verified `sub` on the page, a non-empty screenshot (target/browser-example.png)
	node --test examples/browser/test.mjs

conformance-js-test: node ## the JS conformance runner fails an unknown op, a wrong output, a wrong error code (fixtures in conformance/js/test/)
	node --test conformance/js/test/runner.test.mjs

test: lint python-test node-test conformance-js-test wasm-test wasm-check browser-deps example-browser-test ## run every test (unit, doc, integration, Wycheproof, every binding, the conformance matrix)
	$(CARGO) test --all-targets
	$(CARGO) test --doc
	$(MAKE) --no-print-directory conformance-matrix

lint: $(VENV)/.ready ## rustfmt, clippy and rustdoc (warnings are errors), generated files, vectors and the op table up to date
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --quiet -- -D warnings
	$(CARGO) clippy -p authcore --no-default-features --quiet -- -D warnings
	for f in native argon2 bundled-providers schema; do \
		$(CARGO) clippy -p authcore --no-default-features --features $$f --quiet -- -D warnings || exit 1; done
	python3 bindings-python/tools/gen_errors.py --check
	$(CARGO) run --quiet -p authcore-typegen -- --check
	python3 bindings-python/tools/gen_types.py --check
	conformance/typegen/check_ts.sh
	$(PY) conformance/tools/check_op_schemas.py
	node bindings-node/tools/gen-cjs.mjs --check
	node bindings-node/tools/gen-cjs-adapters.mjs --check
	$(PY) conformance/tools/check_vectors.py
	$(PY) conformance/tools/check_ops.py
	$(PY) -m pytest -q -p no:cacheprovider conformance/tools
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p authcore --features schema --no-deps --quiet

types: ## regenerate the JSON Schema, the Python TypedDicts and the TypeScript declarations from the Rust types
	$(CARGO) run --quiet -p authcore-typegen
	python3 bindings-python/tools/gen_types.py

fmt: ## format the code
	$(CARGO) fmt --all

$(VENV)/.ready: bindings-python/requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r bindings-python/requirements-dev.txt
	touch $@

python: $(VENV)/.ready ## build the Python wheel (maturin) and install it into .venv
	rm -rf $(WHEELS)/authcore-*.whl
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(VENV)/bin/maturin build --release --quiet -m bindings-python/Cargo.toml -o $(WHEELS)
	$(PY) -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps $(WHEELS)/authcore-*.whl

python-test: python ## the binding's own tests, its conformance runner, and stubtest
	rm -rf target/venv-clean && python3 -m venv target/venv-clean
	target/venv-clean/bin/python -m pip install --quiet --disable-pip-version-check --no-index $(WHEELS)/authcore-*.whl
	cd /tmp && $(CURDIR)/target/venv-clean/bin/python -c "import authcore, authcore.jwt as j; k={'alg':'HS256','secret':'k'*32}; assert j.Verifier(algorithms=['HS256'], keys=[k]).verify(j.Issuer(k).issue({'sub':'a'}))['claims']['sub']=='a'; print('clean venv: authcore', authcore.__version__, 'imports and verifies')"
	cd bindings-python && $(CURDIR)/$(PY) -m pytest -q -p no:cacheprovider tests
	$(PY) -m mypy.stubtest authcore --allowlist bindings-python/stubtest-allowlist.txt
	cd bindings-python && $(CURDIR)/$(PY) -m mypy --strict tests/typing_check.py
	$(MAKE) --no-print-directory python-versions
	$(MAKE) --no-print-directory example-server-test

example-server-test: python ## examples/server-python + examples/agent-python end to end on loopback (device login through /device, refresh, 401, reuse, every gate rule)
	$(PY) -m pytest -q -p no:cacheprovider examples/server-python/tests

MCP_EXAMPLE := examples/mcp-server-python
MCP_VENV := target/venv-mcp-example

$(MCP_VENV)/.ready: $(MCP_EXAMPLE)/requirements.txt
	rm -rf $(MCP_VENV) && python3 -m venv $(MCP_VENV)
	$(MCP_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(MCP_EXAMPLE)/requirements.txt
	touch $@

$(MCP_EXAMPLE)/client/node_modules/.ready: $(MCP_EXAMPLE)/client/package-lock.json
	cd $(MCP_EXAMPLE)/client && npm ci --no-audit --no-fund --silent
	touch $@

example-mcp-server-test: python $(MCP_VENV)/.ready $(MCP_EXAMPLE)/client/node_modules/.ready ## examples/mcp-server-python: the official MCP TypeScript SDK client authenticates against the authcore-protected FastAPI MCP server (loopback authorization server), plus the refusals
	$(MCP_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps $(WHEELS)/authcore-*.whl
	$(MCP_VENV)/bin/python -m pytest -q -p no:cacheprovider $(MCP_EXAMPLE)/tests

test: example-mcp-server-test

python-versions: ## the built wheel in fresh venvs of the oldest (3.9) and newest pyenv Pythons: smoke script, conformance runner
	bindings-python/tools/python_versions.sh

python-bench: python ## the Python binding vs PyJWT and joserfc (JSON to target/bench/python.json; `make bench` writes BENCHMARKS.md)
	$(PY) -m pip install --quiet --disable-pip-version-check -r bindings-python/requirements-bench.txt
	$(PY) bindings-python/bench/bench_jwt.py

NODE_DIR := bindings-node
NODE_BENCH := $(NODE_DIR)/bench

$(NODE_DIR)/node_modules/.ready: $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --silent
	touch $@

node: $(NODE_DIR)/node_modules/.ready ## build the Node addon (napi, release) into bindings-node/
	cd $(NODE_DIR) && npx napi build --platform --release --no-js --dts ../target/napi/authcore-node.d.ts

node-test: node ## the Node package's tests: every module, errors, garbage, require/import, packed tarball, tsc (the benchmark's smoke run: bench-smoke)
	cd $(NODE_DIR) && node --test test/*.test.mjs

$(NODE_BENCH)/node_modules/.ready: $(NODE_BENCH)/package-lock.json
	cd $(NODE_BENCH) && npm ci --no-audit --no-fund --silent
	touch $@

node-bench: node $(NODE_BENCH)/node_modules/.ready ## the Node addon vs fast-jwt, jose, jsonwebtoken (JSON to target/bench/node.json; `make bench` writes BENCHMARKS.md)
	node $(NODE_BENCH)/bench_jwt.mjs

wasm: ## build the npm package @authcore/wasm into bindings-wasm/pkg/ (installs its tools once)
	scripts/wasm-build.sh

# The Node package's behavioural tests (bindings-node/test) run against the WASM build too:
# portable backend only, and `…Async` runs inside the promise there (not off the event loop).
WASM_AS_NODE := AUTHCORE_TEST_MODULE=$(CURDIR)/bindings-wasm/pkg/node.mjs AUTHCORE_TEST_BACKENDS=portable AUTHCORE_TEST_ASYNC_OFF_THREAD=0

WASM_BENCH := bindings-wasm/bench

$(WASM_BENCH)/node_modules/.ready: $(WASM_BENCH)/package-lock.json
	cd $(WASM_BENCH) && npm ci --no-audit --no-fund --silent
	touch $@

wasm-test: wasm node browser-deps $(NODE_DIR)/node_modules/.ready $(WASM_BENCH)/node_modules/.ready ## the WASM package: the Node package's API tests and garbage (in Node and in Chromium), trap recovery, entries (the frontend one against every vector it can run), packed tarball (the benchmark's smoke run: bench-smoke)
	cd bindings-wasm && node --test test/*.test.mjs
	cd $(NODE_DIR) && $(WASM_AS_NODE) node --test test/jwt.test.mjs test/modules.test.mjs test/garbage.test.mjs

wasm-bench: wasm node browser-deps $(WASM_BENCH)/node_modules/.ready ## @authcore/wasm vs jose, fast-jwt, @authcore/node in Node and vs jose in Chromium (JSON to target/bench/wasm-*.json)
	node $(WASM_BENCH)/bench_wasm.mjs --rounds 7

wasm-size: wasm ## raw / gzip / brotli of what a browser loads for each entry, @authcore/wasm and @authcore/wasm/client (one JSON line each; JSON to target/bench/wasm-size.json)
	node bindings-wasm/tools/size.mjs --json target/bench/wasm-size.json

wasm-check: ## the core builds for wasm32 (portable crypto only)
	scripts/wasm-cargo.sh build --release --quiet -p authcore

FUZZ_SECONDS ?= 60
fuzz: ## run every cargo-fuzz target for FUZZ_SECONDS each (installs cargo-fuzz; nightly flags via RUSTC_BOOTSTRAP)
	command -v cargo-fuzz >/dev/null || $(CARGO) install cargo-fuzz --locked --quiet
	cd fuzz && for t in token_response jwt_verify request_driver device_client request_target broker_url form_parse desktop_client; do \
		extra=""; [ $$t = form_parse ] && extra="-max_len=70000 -timeout=5"; \
		RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run -O $$t -- -max_total_time=$(FUZZ_SECONDS) $$extra || exit 1; done

# The benchmarks: every harness writes target/bench/<name>.json (one shape), then
# bench/report.py rewrites BENCHMARKS.md's generated tables from them. Run on a quiet machine.
BENCH_SMOKE := $(CURDIR)/target/bench-smoke

bench: python node wasm browser-deps $(NODE_BENCH)/node_modules/.ready $(WASM_BENCH)/node_modules/.ready ## build release artefacts, run every benchmark (Rust, Python, Node, WASM in Node and Chromium), write BENCHMARKS.md's tables
	$(CARGO) bench -p authcore --bench jwt
	$(PY) -m pip install --quiet --disable-pip-version-check -r bindings-python/requirements-bench.txt
	$(PY) bindings-python/bench/bench_jwt.py
	node $(NODE_BENCH)/bench_jwt.mjs --rounds 7
	node $(WASM_BENCH)/bench_wasm.mjs --rounds 7
	node bindings-wasm/tools/size.mjs --json target/bench/wasm-size.json
	$(PY) bench/report.py

bench-report: ## rewrite BENCHMARKS.md's generated tables from target/bench/*.json (no run)
	$(PY) bench/report.py

# The Python peers' pins in requirements-bench.txt are in requirements-dev.txt too (.venv has them).
bench-smoke: python node wasm browser-deps $(NODE_BENCH)/node_modules/.ready $(WASM_BENCH)/node_modules/.ready ## every benchmark harness once (one call per case, cross-checks included), its JSON checked by the generator into a copy of BENCHMARKS.md
	rm -rf $(BENCH_SMOKE) && mkdir -p $(BENCH_SMOKE)
	$(PY) -m unittest -q bench/test_report.py
	$(CARGO) test --quiet -p authcore --bench jwt -- --smoke --json $(BENCH_SMOKE)/rust.json
	$(PY) bindings-python/bench/bench_jwt.py --smoke --json $(BENCH_SMOKE)/python.json
	node $(NODE_BENCH)/bench_jwt.mjs --smoke --json $(BENCH_SMOKE)/node.json
	node $(WASM_BENCH)/bench_wasm.mjs --smoke --json $(BENCH_SMOKE)/wasm-node.json --json-browser $(BENCH_SMOKE)/wasm-browser.json
	node bindings-wasm/tools/size.mjs --json $(BENCH_SMOKE)/wasm-size.json
	$(PY) bench/report.py --results $(BENCH_SMOKE) --expect rust,python,node,wasm-node,wasm-browser,wasm-size --out $(BENCH_SMOKE)/BENCHMARKS.md
test: bench-smoke
.PHONY: bench-report bench-smoke

doc: ## build the API docs
	$(CARGO) doc -p authcore --no-deps

# examples/broker-daemon: the authsome-shaped local broker daemon, end to end on loopback.
daemon-test: python ## examples/broker-daemon end to end: local token, API-key form, OAuth PKCE with DCR and device code against a loopback auth server, resolve, export, revoke, restart, /ready
	$(PY) -m pytest -q -p no:cacheprovider examples/broker-daemon/tests
.PHONY: daemon-test
test: daemon-test

# --- the browser client on the reference server --------------------------------------------
example-browser-app-test: python wasm browser-deps ## examples/browser/app on the reference server in Chromium: device login approved on /device by a person, calls, exactly one refresh, denial
	AUTHCORE_PYTHON=$(CURDIR)/$(PY) node --test examples/browser/app.test.mjs

.PHONY: example-browser-app-test
test: example-browser-app-test

# --- examples/node and examples/rust-cli against the reference server -------------------------
EXAMPLE_NODE := examples/node

$(EXAMPLE_NODE)/node_modules/.ready: $(EXAMPLE_NODE)/package-lock.json
	cd $(EXAMPLE_NODE) && npm ci --no-audit --no-fund --silent
	touch $@

example-rust-cli: ## build examples/rust-cli (target/debug/authcore-rust-cli) and run its unit tests
	$(CARGO) build --quiet -p authcore-rust-cli
	$(CARGO) test --quiet -p authcore-rust-cli

example-clients-test: python node $(EXAMPLE_NODE)/node_modules/.ready example-rust-cli ## the Node CLI, the Rust CLI and the Express app end to end against the reference server on loopback
	$(PY) -m pytest -q -p no:cacheprovider examples/server-python/tests/clients_e2e.py

.PHONY: example-rust-cli example-clients-test
test: example-clients-test

# --- the reference server: PostgreSQL, load run, demo (examples/server-python) -------------
# The multi-instance tests (tests/test_multi_instance.py, in example-server-test) start their
# own PostgreSQL cluster through scripts/postgres.sh, which installs it under CI=true.
DEMO_PORT ?= 8000
LOAD_REQUESTS ?= 5000
LOAD_CONNECTIONS ?= 16

demo: python ## the reference server (Ravi, SQLite in a temp dir) and a device login walk-through with the Python agent; Ctrl-C stops it (DEMO_PORT=8000)
	$(PY) examples/server-python/demo.py --port $(DEMO_PORT)

load: python ## bounded loopback load run: /api/me with authcore's JWT and session vs PyJWT; JSON to target/bench/server-load.json, its BENCHMARKS.md section rewritten
	$(PY) examples/server-python/load/run.py --requests $(LOAD_REQUESTS) --connections $(LOAD_CONNECTIONS)

postgres: ## PostgreSQL's server binaries for the multi-instance tests (apt under CI=true or AUTHCORE_INSTALL=1)
	scripts/postgres.sh bin
.PHONY: demo load postgres

# --- MCP authorization: the official conformance suite against the Rust client --------------
# scripts/mcp-conformance.sh installs the suite and Node 22 (pinned, into .tools/) once.
mcp-conformance-rust: ## every core MCP `auth/*` client scenario, one at a time, against examples/mcp-client-rust (fails on any failed check)
	$(CARGO) build --quiet -p authcore-mcp-client
	scripts/mcp-conformance.sh run "$(CURDIR)/target/debug/authcore-mcp-client"

.PHONY: mcp-conformance-rust
test: mcp-conformance-rust
# --- DPoP (RFC 9449) ------------------------------------------------------------------------
# The Node binding runs test/dpop.test.mjs in node-test; this runs the same file against the
# WASM package (portable backend, no ProofChecker threads).
dpop-wasm-test: wasm $(NODE_DIR)/node_modules/.ready ## the DPoP tests of the JS API against @authcore/wasm
	cd $(NODE_DIR) && $(WASM_AS_NODE) node --test test/dpop.test.mjs
.PHONY: dpop-wasm-test
test: dpop-wasm-test

mcp-conformance: python node ## every core MCP `auth/*` client scenario, one at a time, against the Python (authcore.mcp) and Node (@authcore/node/mcp) clients (fails on any failed check)
	PY="$(CURDIR)/$(PY)" conformance/mcp/run.sh

.PHONY: mcp-conformance
test: mcp-conformance
