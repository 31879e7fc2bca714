#!/usr/bin/env bash
# Stop a throwaway PostgreSQL cluster started by .ci/postgres.sh and delete it.
#
# Usage:  .ci/postgres-stop.sh [DIR] [--keep]
#
#   DIR     the cluster's data directory (default: the same default as
#           postgres.sh, ${TMPDIR:-/tmp}/coprod-pg-${PGPORT_TEST:-55432})
#   --keep  stop the server but keep DIR (postgres.sh DIR starts it again)
#
# DIR is deleted only if postgres.sh created it (it holds .coprod-throwaway).
# Safe to run twice, or on a DIR whose server is not running.
set -euo pipefail

log() { printf 'postgres-stop.sh: %s\n' "$*" >&2; }

KEEP=0
DIR=""
for arg in "$@"; do
  case "$arg" in
    --keep) KEEP=1 ;;
    -*) log "unknown option $arg"; exit 2 ;;
    *) DIR="$arg" ;;
  esac
done
DIR="${DIR:-${TMPDIR:-/tmp}/coprod-pg-${PGPORT_TEST:-55432}}"

if [[ ! -f "$DIR/PG_VERSION" ]]; then
  log "no cluster in $DIR; nothing to stop"
  exit 0
fi

BIN="/usr/lib/postgresql/$(cat "$DIR/PG_VERSION")/bin"
as_pg() {
  if (( EUID == 0 )); then runuser -u postgres -- "$@"; else "$@"; fi
}

if as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
  as_pg "$BIN/pg_ctl" -D "$DIR" -w -t 60 stop -m fast >/dev/null
  log "stopped server in $DIR"
else
  log "server in $DIR is not running"
fi

if (( KEEP == 0 )) && [[ -f "$DIR/.coprod-throwaway" ]]; then
  rm -rf -- "$DIR"
  log "removed $DIR"
fi
