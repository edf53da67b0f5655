#!/usr/bin/env bash
# Starts the PostgreSQL and Redis servers that the app/ integration tests use,
# on loopback only, and creates the test role and database.
#
# Works as root on a fresh Debian bookworm machine without systemd, with no
# standard input (CI=true), and is idempotent: a second run installs nothing,
# starts nothing that already runs and recreates nothing that exists.
#
# Result (matches the defaults of the integration tests):
#   GARCON_TEST_DATABASE_URL=postgres://garcon:garcon@127.0.0.1:5432/garcon_test?sslmode=disable
#   GARCON_TEST_REDIS_ADDR=127.0.0.1:6379 (no TLS, no password)
set -euo pipefail

log() { printf '[services] %s\n' "$*" >&2; }

if [[ "$(id -u)" -ne 0 ]]; then
  log "must run as root (it installs packages and starts servers)"
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# --- install only what is missing (apt-get update at most once) -------------
missing=()
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
  missing+=(postgresql)
fi
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  missing+=(redis-server)
fi
if ((${#missing[@]} > 0)); then
  log "installing: ${missing[*]}"
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
fi

# --- PostgreSQL ---------------------------------------------------------------
# Whatever major version is installed (15 on bookworm). The Debian package
# creates the "main" cluster on install; create it if someone dropped it.
pg_major="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -n | tail -n 1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "${pg_major} main"; then
  log "creating PostgreSQL ${pg_major} cluster main"
  pg_createcluster "${pg_major}" main
fi
pg_status="$(pg_lsclusters -h | awk -v v="${pg_major}" '$1==v && $2=="main" {print $4}')"
pg_port="$(pg_lsclusters -h | awk -v v="${pg_major}" '$1==v && $2=="main" {print $3}')"
if [[ "${pg_port}" != "5432" ]]; then
  log "warning: cluster ${pg_major}/main listens on port ${pg_port}, tests expect 5432 (set GARCON_TEST_DATABASE_URL)"
fi
if [[ "${pg_status}" != online* ]]; then
  log "starting PostgreSQL ${pg_major}/main"
  # listen_addresses is loopback by default in Debian's postgresql.conf;
  # pass it explicitly so a changed config cannot expose the test server.
  pg_ctlcluster "${pg_major}" main start -- -o "-c listen_addresses=127.0.0.1"
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "${pg_port}" && break
  sleep 0.5
done
pg_isready -h 127.0.0.1 -p "${pg_port}"

psql_admin() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "${pg_port}" "$@"; }

if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'garcon'")" != "1" ]]; then
  log "creating role garcon"
  # CREATEDB lets integration tests create one scratch database per package.
  psql_admin -c "CREATE ROLE garcon LOGIN CREATEDB PASSWORD 'garcon'"
fi
if [[ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = 'garcon_test'")" != "1" ]]; then
  log "creating database garcon_test"
  psql_admin -c "CREATE DATABASE garcon_test OWNER garcon"
fi

# --- Redis --------------------------------------------------------------------
if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
  log "redis already answers on 127.0.0.1:6379"
else
  log "starting redis-server on 127.0.0.1:6379"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes \
    --protected-mode yes --save '' --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/garcon-test.log \
    --pidfile /run/redis-garcon-test.pid
fi
for _ in $(seq 1 60); do
  redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && break
  sleep 0.5
done
redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG

log "ready: postgres://garcon:***@127.0.0.1:${pg_port}/garcon_test and redis 127.0.0.1:6379"
