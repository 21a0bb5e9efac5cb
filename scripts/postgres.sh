#!/usr/bin/env bash
# A throw-away PostgreSQL cluster on loopback, for the reference server's multi-instance tests
# and for trying `--db postgresql://…` by hand.
#   scripts/postgres.sh start   initdb + pg_ctl start in a new temp dir on a free 127.0.0.1 port;
#                               prints two lines: the URL (postgresql://postgres@127.0.0.1:PORT/postgres)
#                               and the temp dir (give it to `stop`)
#   scripts/postgres.sh stop DIR  stops that cluster and removes DIR
#   scripts/postgres.sh bin     prints the server's bin directory (installing it when allowed)
# The binaries are Debian's (/usr/lib/postgresql/*/bin). When they are missing and installing
# is allowed (CI=true or AUTHCORE_INSTALL=1; root or sudo), `postgresql` is installed with apt
# (--no-install-recommends); otherwise the script fails, saying how to install it.
# PostgreSQL refuses to run as root: as root the cluster runs as the `postgres` user (runuser).
set -euo pipefail

find_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
    done
    return 1
}

ensure_bin() {
    local bin
    if bin=$(find_bin); then echo "$bin"; return 0; fi
    if [ "${CI:-}" = "true" ] || [ "${AUTHCORE_INSTALL:-}" = "1" ]; then
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        echo "postgres: installing postgresql with apt (--no-install-recommends)" >&2
        $sudo apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends postgresql >/dev/null
        bin=$(find_bin) || { echo "postgres: apt installed postgresql but no /usr/lib/postgresql/*/bin/initdb" >&2; return 1; }
        echo "$bin"; return 0
    fi
    cat >&2 <<'MSG'
postgres: PostgreSQL's server binaries (/usr/lib/postgresql/*/bin) are missing. Install them with
  sudo apt-get install --no-install-recommends postgresql
or rerun with AUTHCORE_INSTALL=1 (or CI=true) to let this script run apt for you.
MSG
    return 1
}

# Runs a command as the cluster's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    local bin dir port
    bin=$(ensure_bin)
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi
    dir=$(mktemp -d "${TMPDIR:-/tmp}/authcore-pg.XXXXXX")
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; return 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" \
        -l "$dir/log" -w -t 60 start >/dev/null \
        || { cat "$dir/log" >&2; rm -rf "$dir"; return 1; }
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    echo "$dir"
}

stop() {
    local dir=${1:?usage: scripts/postgres.sh stop DIR} bin
    case "$dir" in */authcore-pg.*) ;; *) echo "postgres: $dir is not a cluster this script started" >&2; return 1;; esac
    bin=$(find_bin)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop "${2:-}" ;;
    bin) ensure_bin ;;
    *) echo "usage: scripts/postgres.sh start | stop DIR | bin" >&2; exit 2 ;;
esac
