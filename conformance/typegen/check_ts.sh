#!/usr/bin/env bash
# Type-checks the generated TypeScript declarations (bindings-node/js/types.d.ts) with
# `tsc --strict`, compiles tests/usage.ts against them, and proves that a misspelt member of
# a verify result and of an action fails. Installs the pinned TypeScript with `npm ci`
# (only when missing or when package-lock.json changed).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"
if [ ! -x node_modules/.bin/tsc ] || [ package-lock.json -nt node_modules/.installed ]; then
	npm ci --no-audit --no-fund --silent
	touch node_modules/.installed
fi
tsc="$here/node_modules/.bin/tsc"
"$tsc" --noEmit --strict --target es2020 "$root/bindings-node/js/types.d.ts" tests/usage.ts

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
refuse() { # name, member the compiler must name, body
	printf 'import type { Action, VerifiedToken } from "%s/bindings-node/js/types";\n%s\n' "$root" "$3" >"$tmp/$1.ts"
	if out="$("$tsc" --noEmit --strict --target es2020 "$tmp/$1.ts" 2>&1)"; then
		echo "check_ts: tsc accepted $1 (a misspelt member)" >&2
		exit 1
	fi
	grep -q "'$2'" <<<"$out" || { echo "check_ts: tsc refused $1 for another reason: $out" >&2; exit 1; }
}
refuse verify claimz 'export const f = (v: VerifiedToken) => v.claimz;'
refuse action requst 'export const f = (a: Action) => (a.type === "send" ? a.requst : null);'
refuse options max_token_bytes 'import type { VerifierConfigOptions } from "'"$root"'/bindings-node/js/types";
export const o: VerifierConfigOptions = { algorithms: ["HS256"], max_token_bytes: 1 };'
echo "types.d.ts: compiles under --strict; usage.ts ok; 3 misspelt members refused"
