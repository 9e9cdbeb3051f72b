#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL cluster on 127.0.0.1 for tests. `start` prints
# `HERALD_TEST_PG_URL=...` for eval. PostgreSQL refuses to run as root, so as root the cluster
# belongs to the `postgres` system user that Debian's package creates.
set -euo pipefail
dir=${HERALD_PG_DIR:-/tmp/herald-pg}
port=${HERALD_PG_PORT:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL is not installed (Debian package postgresql)" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-start}" in
  start)
    if [ -f "$dir/postmaster.pid" ]; then as_pg "$bin/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$bin/initdb" -D "$dir" -U herald --auth=trust -E UTF8 >/dev/null
    as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U herald herald_test
    echo "HERALD_TEST_PG_URL=postgres://herald@127.0.0.1:$port/herald_test"
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
    ;;
esac
