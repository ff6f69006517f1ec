#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on loopback for the tests (Debian's postgresql; as the `postgres` user, since
# initdb refuses root) and prints the connection string for INTERP_TEST_POSTGRES. Usage: scripts/pg-throwaway.sh DIR PORT
# Stop it with: runuser -u postgres -- /usr/lib/postgresql/<v>/bin/pg_ctl -D DIR stop -m fast
set -euo pipefail
dir=${1:-/tmp/interp-pg}
port=${2:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$dir/PG_VERSION" ]; then
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_pg "$bin/initdb" -D "$dir" -A trust -U postgres --no-sync >/dev/null
fi
if ! as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -o "-p $port -c listen_addresses=127.0.0.1 -k /tmp -c fsync=off -c max_connections=200" start >/dev/null
fi
echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Pooling=true"
