#!/usr/bin/env bash
# Builds the npm package @authcore/wasm into bindings-wasm/pkg/ (gitignored):
#   1. the crate authcore-wasm for wasm32-unknown-unknown (scripts/wasm-cargo.sh: rustup target
#      when installed, else Debian's rustc-web with -Zbuild-std), profile `wasm-release`, twice:
#      the full module (`@authcore/wasm`) and the frontend one (`@authcore/wasm/client`);
#   2. wasm-bindgen (the CLI at exactly the crate's version, installed once into
#      target/tools) with `--target web`: one ES module glue that loads in browsers with
#      <script type="module"> and no bundler, in bundlers, and in Node (initialised from the
#      file's bytes there);
#   3. wasm-opt -Oz (binaryen from npm, installed once into target/tools/binaryen) when it can
#      be had; skipped with a note otherwise;
#   4. the package: the shared façade and typings from bindings-node/js/ copied in, so the
#      tarball (`npm pack bindings-wasm/pkg`) is self-contained.
# Usage: scripts/wasm-build.sh   (make wasm)
# Env:   AUTHCORE_WASM_FEATURES="server,issuer" (a feature list for the full module) with
#        AUTHCORE_WASM_PKG=<dir> and AUTHCORE_WASM_TARGET_DIR=<dir> builds a size variant
#        elsewhere (tools/size.mjs; BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PKG=${AUTHCORE_WASM_PKG:-bindings-wasm/pkg}
TOOLS=$ROOT/target/tools

# 1. The modules: the full one (default features, or AUTHCORE_WASM_FEATURES for a size
#    variant) and the frontend one (no features: no server-side exports, no Issuer), each in a
#    target dir of its own so that neither rebuilds the other's crates. Panics are bare traps
#    (`-Cpanic=immediate-abort`) where the toolchain allows it (scripts/wasm-cargo.sh).
export AUTHCORE_WASM_PANIC=immediate-abort
FULL_ARGS=()
if [ -n "${AUTHCORE_WASM_FEATURES+x}" ]; then
    FULL_ARGS=(--no-default-features --features "$AUTHCORE_WASM_FEATURES")
fi
TARGET_BASE=${AUTHCORE_WASM_TARGET_DIR:-target/wasm-pkg}
build_module() { # <target dir> [cargo feature args...]; prints the .wasm path
    local dir=$1
    shift
    CARGO_TARGET_DIR=$dir scripts/wasm-cargo.sh build --quiet --profile wasm-release -p authcore-wasm "$@"
    local f="$dir/wasm32-unknown-unknown/wasm-release/authcore_wasm.wasm"
    [ -f "$f" ] || { echo "wasm: built module not found: $f" >&2; exit 1; }
    echo "$f"
}
WASM=$(build_module "$TARGET_BASE" "${FULL_ARGS[@]}")
WASM_CLIENT=$(build_module "$TARGET_BASE-client" --no-default-features)

# 2. wasm-bindgen, pinned to the crate's exact version (the two must match).
VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' bindings-wasm/Cargo.toml)
BINDGEN=$TOOLS/bin/wasm-bindgen
if ! { [ -x "$BINDGEN" ] && "$BINDGEN" --version | grep -q " $VERSION\$"; }; then
    echo "wasm: installing wasm-bindgen-cli $VERSION into target/tools (once, about two minutes)" >&2
    # Not --locked: the CLI's published lockfile pins a crate version crates.io no longer serves.
    cargo install --quiet --force --root "$TOOLS" wasm-bindgen-cli --version "=$VERSION"
fi
rm -rf "$PKG" && mkdir -p "$PKG/wasm"
# `--experimental-reset-state-function`: the glue can replace a trapped instance by a fresh
# one (bindings-wasm/js/native.mjs). The ES module glue serves browsers, bundlers and Node
# ESM; the CommonJS glue (`--target nodejs`, renamed .cjs) serves `require` and loads the
# same .wasm file. The frontend module has the ES module glue only (`authcore_client`).
"$BINDGEN" --target web --no-typescript --experimental-reset-state-function --out-dir "$PKG/wasm" --out-name authcore "$WASM"
"$BINDGEN" --target web --no-typescript --experimental-reset-state-function --out-dir "$PKG/wasm" --out-name authcore_client "$WASM_CLIENT"
TMP=$(mktemp -d) && trap 'rm -rf "$TMP"' EXIT
"$BINDGEN" --target nodejs --no-typescript --experimental-reset-state-function --out-dir "$TMP" --out-name authcore "$WASM"
cmp -s "$TMP/authcore_bg.wasm" "$PKG/wasm/authcore_bg.wasm" || { echo "wasm: the two glues want different modules" >&2; exit 1; }
cp "$TMP/authcore.js" "$PKG/wasm/authcore.cjs"

# 3. wasm-opt from npm's binaryen (optional: the package works without it, only larger).
OPT=$TOOLS/binaryen/node_modules/.bin/wasm-opt
if [ ! -x "$OPT" ]; then
    npm install --silent --no-audit --no-fund --prefix "$TOOLS/binaryen" binaryen@132.0.0 >/dev/null 2>&1 || true
fi
if [ -x "$OPT" ]; then
    for f in "$PKG/wasm/authcore_bg.wasm" "$PKG/wasm/authcore_client_bg.wasm"; do
        "$OPT" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
            --enable-mutable-globals --enable-reference-types --enable-multivalue "$f" -o "$f"
    done
else
    echo "wasm: binaryen (wasm-opt) not available; the modules are not post-optimised" >&2
fi

# 4. The package: entry points (the export list is the Node package's, so the two match by
#    construction), the shared façade and typings, metadata.
node bindings-wasm/tools/assemble.mjs "$PKG"
cp bindings-wasm/package.json bindings-wasm/README.md "$PKG/"
echo "wasm: built $PKG ($(wc -c <"$PKG/wasm/authcore_bg.wasm") bytes of wasm; frontend module $(wc -c <"$PKG/wasm/authcore_client_bg.wasm"))" >&2
