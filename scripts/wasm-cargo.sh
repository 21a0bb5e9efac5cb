#!/usr/bin/env bash
# Runs `cargo <args>` for wasm32-unknown-unknown with whichever toolchain can build it:
#   1. a rustup toolchain with the wasm32-unknown-unknown target installed (the usual setup:
#      `rustup target add wasm32-unknown-unknown`);
#   2. otherwise Debian's rustc-web + rust-web-src + lld (std rebuilt with -Zbuild-std),
#      installed with apt when missing and allowed (root or sudo, and CI=true or
#      AUTHCORE_INSTALL=1).
# Usage: scripts/wasm-cargo.sh build --release -p authcore
# Env:   AUTHCORE_WASM_PANIC=immediate-abort (set by scripts/wasm-build.sh): build std and the
#        crates with `-Cpanic=immediate-abort` (a panic is a bare trap: no panic machinery,
#        message formatting or demangler in the module) when the toolchain takes nightly
#        flags: always on the Debian route (std is rebuilt there anyway), on a rustup nightly
#        with the rust-src component. Otherwise (a stable rustup toolchain) the profile's
#        `panic = "abort"` stays, with a note; the package behaves the same either way.
set -euo pipefail

TARGET=wasm32-unknown-unknown
IMMEDIATE_ABORT=(-Zunstable-options -Cpanic=immediate-abort)

if command -v rustup >/dev/null 2>&1 && rustup target list --installed 2>/dev/null | grep -qx "$TARGET"; then
    if [ "${AUTHCORE_WASM_PANIC:-}" = "immediate-abort" ]; then
        if rustc --version | grep -q nightly && rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
            export RUSTFLAGS="${RUSTFLAGS:-} ${IMMEDIATE_ABORT[*]}"
            exec cargo "$@" --target "$TARGET" -Zbuild-std=std,panic_abort
        fi
        echo "wasm: a stable rustup toolchain: panic = \"abort\" (immediate-abort needs nightly + rust-src)." >&2
    fi
    exec cargo "$@" --target "$TARGET"
fi

debian_ready() {
    [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/src/rust ] && /usr/bin/rustc --version 2>/dev/null | grep -q .
}

echo "wasm: no rustup wasm32-unknown-unknown target; using Debian's rustc-web with -Zbuild-std instead." >&2
if ! debian_ready; then
    if [ "${CI:-}" = "true" ] || [ "${AUTHCORE_INSTALL:-}" = "1" ]; then
        SUDO=""
        [ "$(id -u)" -eq 0 ] || SUDO="sudo"
        echo "wasm: installing rustc-web cargo-web rust-web-src lld-22 with apt" >&2
        $SUDO apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
            rustc-web cargo-web rust-web-src lld-22 >/dev/null
    else
        cat >&2 <<'MSG'
wasm: cannot build for wasm32-unknown-unknown. Either
  rustup target add wasm32-unknown-unknown
or (Debian, no rustup downloads)
  sudo apt-get install --no-install-recommends rustc-web cargo-web rust-web-src lld-22
or rerun with AUTHCORE_INSTALL=1 to let this script run apt for you.
MSG
        exit 1
    fi
fi

# Debian's toolchain: nightly flags through RUSTC_BOOTSTRAP, std rebuilt for the target, and a
# separate target dir so its artifacts never mix with the rustup toolchain's.
export PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target/wasm-debian}"
# Linking a cdylib needs a wasm linker: Debian's rustc looks for `rust-lld`, which lld-22
# provides as wasm-ld-22.
if [ -z "${CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER:-}" ] && ! command -v rust-lld >/dev/null 2>&1; then
    for l in /usr/bin/wasm-ld-22 /usr/lib/llvm-22/bin/wasm-ld /usr/bin/wasm-ld; do
        if [ -x "$l" ]; then export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=$l; break; fi
    done
fi
if [ "${AUTHCORE_WASM_PANIC:-}" = "immediate-abort" ]; then
    export RUSTFLAGS="${RUSTFLAGS:-} ${IMMEDIATE_ABORT[*]}"
fi
exec /usr/bin/cargo "$@" --target "$TARGET" -Zbuild-std=std,panic_abort
