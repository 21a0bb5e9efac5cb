#!/usr/bin/env bash
# Makes sure the system Chromium that the browser tests drive (playwright-core with
# executablePath /usr/bin/chromium; no tool ever downloads its own browser) is installed:
#   - present: nothing to do;
#   - missing, and allowed (CI=true or AUTHCORE_INSTALL=1; root or sudo): Debian's `chromium`
#     with apt, without recommended packages;
#   - missing otherwise: fails, saying how to install it.
# Usage: scripts/chromium.sh   (make chromium)
set -euo pipefail

CHROMIUM=/usr/bin/chromium
[ -x "$CHROMIUM" ] && exit 0

if [ "${CI:-}" = "true" ] || [ "${AUTHCORE_INSTALL:-}" = "1" ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "browser: installing chromium with apt (--no-install-recommends)" >&2
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium >/dev/null
    [ -x "$CHROMIUM" ] || { echo "browser: apt installed chromium but $CHROMIUM is missing" >&2; exit 1; }
    exit 0
fi

cat >&2 <<'MSG'
browser: the browser tests need Chromium at /usr/bin/chromium. Install it with
  sudo apt-get install --no-install-recommends chromium
or rerun with AUTHCORE_INSTALL=1 (or CI=true) to let this script run apt for you.
MSG
exit 1
