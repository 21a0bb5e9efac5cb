#!/usr/bin/env bash
# The official MCP conformance suite against the Python and Node MCP clients
# (conformance/mcp/client.py on authcore.mcp, conformance/mcp/client.mjs on
# @authcore/node/mcp), every core auth scenario one at a time for each client
# (scripts/mcp-conformance.sh: the suite and Node 22, pinned, installed into .tools/ once).
# Fails when any check of any scenario failed; the last line is the summary:
#   mcp-auth: python P/N; node P/N
# Arguments, when given, are the scenarios to run (default: every one the core client covers).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PY="${PY:-$ROOT/.venv/bin/python}"
NODE="${NODE:-$(command -v node)}"
status=0
summary=()
for client in python node; do
  case "$client" in
    python) command="$PY $ROOT/conformance/mcp/client.py" ;;
    node) command="$NODE $ROOT/conformance/mcp/client.mjs" ;;
  esac
  echo "$client:"
  log="$(mktemp)"
  "$ROOT/scripts/mcp-conformance.sh" run "$command" "$@" | tee "$log" || status=1
  summary+=("$client $(tail -1 "$log" | grep -o '[0-9]*/[0-9]*' || echo '0/?')")
  rm -f "$log"
done
echo "mcp-auth: ${summary[0]}; ${summary[1]}"
exit "$status"
