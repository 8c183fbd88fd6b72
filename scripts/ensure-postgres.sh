#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 with a database `test` that user
# `postgres` reaches over TCP without a password: what test/store/postgres.test.ts
# uses by default. Idempotent: it does only what is missing (install the Debian
# package, create or start the cluster, trust postgres@127.0.0.1, create the
# database), then prints one line saying what it did. Exits non-zero if it cannot.
set -euo pipefail

HOST=127.0.0.1
PORT=5432
DB='test'
did=()

fail() {
  echo "ensure-postgres: $*" >&2
  exit 1
}

# Run a command as root: directly, or through passwordless sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n "$@"
  else
    fail "need root or passwordless sudo to run: $*"
  fi
}

answering() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$HOST" -p "$PORT"
  else
    (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null
  fi
}

wait_ready() {
  for _ in $(seq 1 30); do
    answering && return 0
    sleep 1
  done
  fail "PostgreSQL did not accept connections on $HOST:$PORT within 30 s"
}

# Newest installed server major version (Debian layout: /usr/lib/postgresql/<v>/bin/postgres), or nothing.
server_version() {
  local dir newest=''
  for dir in /usr/lib/postgresql/[0-9]*/bin/postgres; do
    [ -x "$dir" ] || continue
    dir=${dir#/usr/lib/postgresql/}
    dir=${dir%%/*}
    if [ -z "$newest" ] || [ "$dir" -gt "$newest" ]; then newest=$dir; fi
  done
  echo "$newest"
}

psql_tcp() {
  PGCONNECT_TIMEOUT=5 psql -w -X -q -t -A -h "$HOST" -p "$PORT" -U postgres -d postgres "$@"
}

# Superuser SQL over the local socket, as the postgres OS user (works before TCP trust exists).
psql_local() {
  as_root runuser -u postgres -- psql -X -q -t -A -d postgres "$@"
}

if ! answering; then
  version=$(server_version)
  if [ -z "$version" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    version=$(server_version)
    [ -n "$version" ] || fail "installed the postgresql package but found no server under /usr/lib/postgresql"
    did+=("installed PostgreSQL $version")
  fi
  if [ ! -d "/etc/postgresql/$version/main" ]; then
    as_root pg_createcluster "$version" main >/dev/null
    did+=("created cluster $version/main")
  fi
  # "already running" (exit 2) is fine: it may still be starting up.
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || [ $? -eq 2 ] || fail "could not start cluster $version/main"
  did+=("started cluster $version/main")
  wait_ready
fi

command -v psql >/dev/null 2>&1 || {
  echo "ensure-postgres: PostgreSQL answers on $HOST:$PORT (${did[*]:-already running}); psql is not installed, so database $DB was not checked"
  exit 0
}

if ! psql_tcp -c 'SELECT 1' >/dev/null 2>&1; then
  hba=$(psql_local -c 'SHOW hba_file') || fail "postgres cannot connect over TCP to $HOST:$PORT, and the local socket is not reachable to fix pg_hba.conf"
  # pg_hba.conf is first-match: the trust line must come before the password rules.
  as_root sed -i "1i host all postgres $HOST/32 trust  # added by taskwire scripts/ensure-postgres.sh" "$hba"
  psql_local -c 'SELECT pg_reload_conf()' >/dev/null
  did+=("trusted postgres@$HOST in $hba")
  psql_tcp -c 'SELECT 1' >/dev/null || fail "postgres still cannot connect over TCP to $HOST:$PORT"
fi

if [ "$(psql_tcp -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
  psql_tcp -c "CREATE DATABASE $DB" >/dev/null
  did+=("created database $DB")
fi

if [ ${#did[@]} -eq 0 ]; then
  echo "ensure-postgres: PostgreSQL already ready on $HOST:$PORT (database $DB, user postgres over TCP)"
else
  summary=$(printf '%s, ' "${did[@]}")
  echo "ensure-postgres: ${summary%, }; ready on $HOST:$PORT (database $DB, user postgres over TCP)"
fi
