#!/usr/bin/env bash
# Start a private, throwaway PostgreSQL server for the test suite.
#
# Usage:  url=$(.ci/postgres.sh [DIR])
#
#   DIR          data directory of the throwaway cluster
#                (default: ${TMPDIR:-/tmp}/coprod-pg-$PORT). It must be empty,
#                missing, or a cluster made by an earlier run of this script.
#                The postgres OS user must be able to reach it, so keep it
#                out of /root.
#   PGPORT_TEST  TCP port (default 55432). The server listens on 127.0.0.1
#                only, with trust authentication and no Unix socket.
#
# stdout: exactly one line, the SQLAlchemy URL
#         postgresql+psycopg://postgres@127.0.0.1:$PORT/coprod_test
# stderr: short status lines only (tool output is shown only on failure).
#
# Idempotent: if a server already answers on the port, the script only makes
# sure the database exists. A DIR holding an earlier cluster is started again.
#
# Stop it (and delete DIR) with:   .ci/postgres-stop.sh DIR
# or by hand:                      runuser -u postgres -- \
#                                    /usr/lib/postgresql/15/bin/pg_ctl -D DIR stop -m fast
#
# Installs the Debian "postgresql" package if no initdb is found (needs root).
# Runs the server as the "postgres" OS user when started as root (PostgreSQL
# refuses to run as root), else as the current user.
set -euo pipefail

PORT="${PGPORT_TEST:-55432}"
DB=coprod_test
DIR="${1:-${TMPDIR:-/tmp}/coprod-pg-$PORT}"
URL="postgresql+psycopg://postgres@127.0.0.1:${PORT}/${DB}"
START=${EPOCHREALTIME/./}

log() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
elapsed() { local us=$(( ${EPOCHREALTIME/./} - START )); printf '%d.%01ds' $((us / 1000000)) $((us / 100000 % 10)); }

# Run a command quietly; show its output only if it fails.
quiet() {
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  if (( rc != 0 )); then
    printf '%s\n' "$out" >&2
    log "ERROR: '$1' failed (exit $rc)"
    exit "$rc"
  fi
}

# Run a command as the OS user that owns the cluster.
as_pg() {
  if (( EUID == 0 )); then runuser -u postgres -- "$@"; else "$@"; fi
}

find_bindir() {
  local initdb
  initdb=$(printf '%s\n' /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)
  [[ -x "$initdb" ]] && dirname "$initdb"
}

# 1. PostgreSQL binaries --------------------------------------------------
BIN=$(find_bindir || true)
if [[ -z "$BIN" ]]; then
  (( EUID == 0 )) || die "PostgreSQL is not installed and we are not root: apt-get install postgresql"
  log "installing Debian package postgresql ..."
  export DEBIAN_FRONTEND=noninteractive
  quiet apt-get update -qq
  quiet apt-get install -y -qq --no-install-recommends postgresql
  BIN=$(find_bindir || true)
  [[ -n "$BIN" ]] || die "initdb still missing after installing postgresql"
  log "installed PostgreSQL $("$BIN/postgres" --version | awk '{print $NF}') ($(elapsed))"
fi

PSQL=("$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres)
export PGCONNECT_TIMEOUT=5

is_up() { "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres; }

# 2. Server ----------------------------------------------------------------
if is_up; then
  log "a server already answers on 127.0.0.1:$PORT; reusing it"
  STOP_HINT="(not started by this run; stop it where it was started)"
else
  (( EUID != 0 )) || id -u postgres >/dev/null 2>&1 || die "OS user 'postgres' is missing"

  if [[ -f "$DIR/PG_VERSION" ]]; then
    log "reusing cluster in $DIR"
  else
    if [[ -d "$DIR" && -n "$(ls -A "$DIR")" ]]; then
      die "$DIR exists, is not empty and is not a PostgreSQL cluster"
    fi
    mkdir -p "$DIR"
    chmod 700 "$DIR"
    (( EUID != 0 )) || chown postgres: "$DIR"
    as_pg test -w "$DIR" || die "the postgres OS user cannot write to $DIR (keep it out of /root)"
    log "initdb $DIR (PostgreSQL $(basename "$(dirname "$BIN")"), trust auth) ..."
    quiet as_pg "$BIN/initdb" -D "$DIR" -U postgres --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 --no-sync
    # Marks the directory as ours, so postgres-stop.sh may delete it.
    as_pg touch "$DIR/.coprod-throwaway"
  fi

  log "starting server on 127.0.0.1:$PORT ..."
  # Throwaway test data: durability settings off for speed; TCP only. The port can be held for
  # up to a minute by a socket in TIME-WAIT (an earlier server, or a client that happened to get
  # it as its local port): then wait and try again rather than fail the run.
  for attempt in $(seq 1 15); do
    rc=0
    out=$(as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories='' \
       -c fsync=off -c synchronous_commit=off -c full_page_writes=off" 2>&1) || rc=$?
    (( rc == 0 )) && break
    if ! grep -q "Address already in use" "$DIR/server.log" 2>/dev/null || (( attempt == 15 )); then
      printf '%s\n' "$out" >&2
      tail -n 5 "$DIR/server.log" >&2 || true
      die "could not start PostgreSQL on 127.0.0.1:$PORT"
    fi
    log "port $PORT is still held (TIME-WAIT); trying again in 5 s ($attempt/15)"
    as_pg truncate -s 0 "$DIR/server.log"
    sleep 5
  done

  for _ in $(seq 1 60); do
    is_up && break
    sleep 0.5
  done
  is_up || { tail -n 20 "$DIR/server.log" >&2 || true; die "server did not become ready"; }
  STOP_HINT="stop with: .ci/postgres-stop.sh $DIR"
fi

# 3. Database --------------------------------------------------------------
exists=$("${PSQL[@]}" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'") \
  || die "cannot connect as postgres to 127.0.0.1:$PORT (is it trust-authenticated?)"
if [[ "$exists" != 1 ]]; then
  quiet "${PSQL[@]}" -c "CREATE DATABASE $DB OWNER postgres"
  log "created database $DB"
else
  log "database $DB already exists"
fi

log "ready in $(elapsed); $STOP_HINT"
printf '%s\n' "$URL"
