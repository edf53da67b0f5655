#!/usr/bin/env bash
# Starts the PostgreSQL and Redis servers that the app/ integration tests use,
# on 127.0.0.1 only, in two flavours, and writes their settings to an env file:
#
#   plain  PostgreSQL without TLS, Redis without TLS or password
#   tls    PostgreSQL with ssl=on and TLS-only (hostssl) pg_hba rules, like RDS
#          with rds.force_ssl; Redis with --port 0 --tls-port and requirepass,
#          like ElastiCache with in-transit encryption and an AUTH token. Both
#          present a server certificate signed by a CA this script creates.
#
# As a normal user it installs nothing: it runs the installed binaries, keeps
# every file under a directory it owns (default <repo>/.tools/services) and
# says what to install when a binary is missing (exit 1).
# As root (CI: fresh Debian bookworm, no systemd, CI=true, no stdin) it first
# installs the missing Debian packages, then runs the servers as the
# unprivileged system user garcon-svc (PostgreSQL refuses to run as root),
# with its files under /var/lib/garcon-test-services.
#
# Idempotent: a second run reuses the servers that still answer (same ports,
# same passwords) and starts only what is not running.
#
# Output: GARCON_SERVICES_ENV (default <repo>/.tools/services.env), KEY=value
# lines read by `make test` and app/internal/testsupport:
#   GARCON_TEST_DATABASE_URL, GARCON_TEST_REDIS_ADDR, GARCON_TEST_REDIS_PASSWORD
#   GARCON_TEST_TLS_DATABASE_URL, GARCON_TEST_TLS_REDIS_ADDR,
#   GARCON_TEST_TLS_REDIS_PASSWORD, GARCON_TEST_TLS_CA, GARCON_TEST_TLS_WRONG_CA
# The passwords are those of these throw-away loopback servers only.
#
# Usage: bash .ci/services.sh [start|stop]     (default start)
set -euo pipefail

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
action="${1:-start}"
svc_user=garcon-svc
is_root=0
[[ "$(id -u)" -eq 0 ]] && is_root=1

if ((is_root)); then
  state="${GARCON_SERVICES_DIR:-/var/lib/garcon-test-services}"
else
  state="${GARCON_SERVICES_DIR:-${repo}/.tools/services}"
fi
env_file="${GARCON_SERVICES_ENV:-${repo}/.tools/services.env}"
# PostgreSQL's Unix socket path must stay under ~100 bytes: a deep checkout
# gets a short, stable directory of its own in /tmp instead.
sock_dir="${state}/run"
if ((${#sock_dir} > 60)); then
  sock_dir="/tmp/garcon-services-$(id -u)-$(printf '%s' "${state}" | md5sum | cut -c1-8)"
fi

# --- binaries -----------------------------------------------------------------
find_pg_bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then echo "${PG_BINDIR}"; return; fi
  local d
  d="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)"
  if [[ -n "${d}" && -x "${d}/postgres" && -x "${d}/initdb" && -x "${d}/pg_ctl" ]]; then echo "${d}"; return; fi
  if command -v pg_ctl >/dev/null 2>&1; then
    d="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
    [[ -x "${d}/postgres" && -x "${d}/initdb" ]] && { echo "${d}"; return; }
  fi
}

missing_packages() {
  local missing=()
  [[ -n "$(find_pg_bindir)" ]] && command -v psql >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  echo "${missing[*]}"
}

ensure_binaries() {
  local missing
  missing="$(missing_packages)"
  [[ -z "${missing}" ]] && return
  if ((!is_root)); then
    log "missing: ${missing} (needed to run the app/ integration test servers)"
    log "install them once with:  sudo apt-get install ${missing}"
    log "or run your own servers and use: make test SERVICES=none (see app/README.md)"
    exit 1
  fi
  log "installing Debian packages: ${missing}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086 # word splitting of the package list is wanted
  apt-get install -y -qq --no-install-recommends ${missing} </dev/null
  missing="$(missing_packages)"
  [[ -z "${missing}" ]] || die "still missing after apt-get install: ${missing}"
}

# as_svc runs a command as the user that owns the servers.
as_svc() {
  if ((is_root)); then runuser -u "${svc_user}" -- "$@"; else "$@"; fi
}

ensure_state_dir() {
  if ((is_root)); then
    if ! id -u "${svc_user}" >/dev/null 2>&1; then
      log "creating system user ${svc_user}"
      useradd --system --no-create-home --home-dir "${state}" --shell /usr/sbin/nologin "${svc_user}"
    fi
    install -d -m 0755 -o "${svc_user}" -g "${svc_user}" "${state}"
  else
    mkdir -p "${state}"
    chmod 0755 "${state}"
  fi
  as_svc mkdir -p "${sock_dir}" "${state}/tls" "${state}/redis-plain" "${state}/redis-tls"
  as_svc chmod 0700 "${sock_dir}"
  mkdir -p "$(dirname "${env_file}")"
}

# --- ports --------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pick_port NAME BASE: the port recorded for NAME if any, else the first free
# port from BASE (recorded, so that a restart keeps the same address).
pick_port() {
  local name="$1" base="$2" file="${state}/$1.port" p
  if [[ -s "${file}" ]]; then cat "${file}"; return; fi
  p="${base}"
  while port_in_use "${p}"; do p=$((p + 1)); done
  as_svc sh -c "echo ${p} >'${file}'"
  echo "${p}"
}

# random_secret NAME: a hex secret kept in the state directory (mode 0600).
random_secret() {
  local file="${state}/$1.secret"
  if ! as_svc test -s "${file}"; then
    as_svc sh -c "umask 077; openssl rand -hex 24 >'${file}'"
  fi
  as_svc cat "${file}"
}

# --- certificates ---------------------------------------------------------------
ensure_certs() {
  local d="${state}/tls"
  if as_svc test -s "${d}/server.pem" && as_svc openssl x509 -checkend 86400 -noout -in "${d}/server.pem" >/dev/null 2>&1; then
    return
  fi
  log "creating the test CA and the server certificate (localhost, 127.0.0.1)"
  as_svc sh -c "
    set -e
    cd '${d}'
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=Garcon test CA' \
      -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
      -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=Garcon wrong CA' \
      -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
      -keyout wrong-ca.key -out wrong-ca.pem 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout server.key -out server.csr 2>/dev/null
    printf '%s\n' 'subjectAltName=DNS:localhost,IP:127.0.0.1' 'extendedKeyUsage=serverAuth' \
      'keyUsage=critical,digitalSignature,keyEncipherment' 'basicConstraints=CA:FALSE' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
      -extfile server.ext -out server.pem 2>/dev/null
    rm -f server.csr server.ext ca.srl wrong-ca.key
    chmod 0644 ca.pem wrong-ca.pem server.pem
    chmod 0600 server.key ca.key
  "
}

# --- PostgreSQL -----------------------------------------------------------------
pg_bindir=""

pg_ready() { as_svc "${pg_bindir}/pg_isready" -q -h "${sock_dir}" -p "$1"; }

psql_admin() {
  local port="$1"; shift
  as_svc "${pg_bindir}/psql" -X -q -v ON_ERROR_STOP=1 -h "${sock_dir}" -p "${port}" -U postgres -d postgres "$@"
}

# start_pg NAME PORT TLS(0|1)
start_pg() {
  local name="$1" port="$2" tls="$3" data="${state}/$1"
  if ! as_svc test -s "${data}/PG_VERSION"; then
    log "initdb ${name} (${data})"
    as_svc "${pg_bindir}/initdb" -D "${data}" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      --encoding=UTF8 --locale=C --no-sync >/dev/null
  fi
  # Rewritten on every run: the script, not a hand edit, decides what is exposed.
  local hba="local all all trust"$'\n'
  if ((tls)); then
    hba+="hostssl all all 127.0.0.1/32 scram-sha-256"$'\n'"hostnossl all all 0.0.0.0/0 reject"$'\n'
  else
    hba+="host all all 127.0.0.1/32 scram-sha-256"$'\n'
  fi
  printf '%s' "${hba}" | as_svc sh -c "cat >'${data}/pg_hba.conf'"
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = ${port}"
    echo "unix_socket_directories = '${sock_dir}'"
    echo "max_connections = 400"
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "full_page_writes = off"
    if ((tls)); then
      echo "ssl = on"
      echo "ssl_cert_file = '${state}/tls/server.pem'"
      echo "ssl_key_file = '${state}/tls/server.key'"
      echo "ssl_min_protocol_version = 'TLSv1.2'"
    else
      echo "ssl = off"
    fi
  } | as_svc sh -c "cat >'${data}/garcon.conf'"
  if ! as_svc grep -q "^include_if_exists = 'garcon.conf'" "${data}/postgresql.conf"; then
    echo "include_if_exists = 'garcon.conf'" | as_svc sh -c "cat >>'${data}/postgresql.conf'"
  fi
  if pg_ready "${port}"; then
    log "PostgreSQL ${name} already running on 127.0.0.1:${port} (reloading its settings)"
    as_svc "${pg_bindir}/pg_ctl" -D "${data}" reload >/dev/null
  else
    log "starting PostgreSQL ${name} on 127.0.0.1:${port}"
    as_svc "${pg_bindir}/pg_ctl" -D "${data}" -l "${state}/${name}.log" -w -t 60 start >/dev/null ||
      die "PostgreSQL ${name} did not start; see ${state}/${name}.log"
  fi
  if [[ "$(psql_admin "${port}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'garcon'")" != "1" ]]; then
    # CREATEDB: one scratch database per test; CREATEROLE + pg_signal_backend:
    # the rotation tests create their own master/app roles and end sessions.
    psql_admin "${port}" -c "CREATE ROLE garcon LOGIN CREATEDB CREATEROLE PASSWORD 'garcon'" \
      -c "GRANT pg_signal_backend TO garcon"
  fi
  if [[ "$(psql_admin "${port}" -tAc "SELECT 1 FROM pg_database WHERE datname = 'garcon_test'")" != "1" ]]; then
    psql_admin "${port}" -c "CREATE DATABASE garcon_test OWNER garcon"
  fi
}

stop_pg() {
  local data="${state}/$1"
  if as_svc test -s "${data}/postmaster.pid"; then
    as_svc "${pg_bindir}/pg_ctl" -D "${data}" -m fast -w stop >/dev/null || true
  fi
}

# --- Redis ----------------------------------------------------------------------
redis_ping() { # PORT [redis-cli TLS/auth args...]
  local port="$1"; shift
  redis-cli -h 127.0.0.1 -p "${port}" "$@" ping 2>/dev/null | grep -q PONG
}

# start_redis NAME PORT TLS(0|1) PASSWORD
start_redis() {
  local name="$1" port="$2" tls="$3" password="$4" dir="${state}/$1" conf="${state}/$1/redis.conf"
  local args=()
  if ((tls)); then
    args=(--tls --cacert "${state}/tls/ca.pem" --no-auth-warning -a "${password}")
  fi
  if redis_ping "${port}" "${args[@]}"; then
    log "Redis ${name} already running on 127.0.0.1:${port}"
    return
  fi
  {
    echo "bind 127.0.0.1"
    echo "protected-mode yes"
    echo "daemonize yes"
    echo "save \"\""
    echo "appendonly no"
    echo "dir ${dir}"
    echo "logfile ${dir}/redis.log"
    echo "pidfile ${dir}/redis.pid"
    if ((tls)); then
      echo "port 0"
      echo "tls-port ${port}"
      echo "tls-cert-file ${state}/tls/server.pem"
      echo "tls-key-file ${state}/tls/server.key"
      echo "tls-ca-cert-file ${state}/tls/ca.pem"
      echo "tls-auth-clients no"
      echo "tls-protocols \"TLSv1.2 TLSv1.3\""
      echo "requirepass ${password}"
    else
      echo "port ${port}"
    fi
  } | as_svc sh -c "umask 077; cat >'${conf}'"
  log "starting Redis ${name} on 127.0.0.1:${port}"
  as_svc redis-server "${conf}" || die "Redis ${name} did not start; see ${dir}/redis.log"
  for _ in $(seq 1 100); do
    redis_ping "${port}" "${args[@]}" && return
    sleep 0.1
  done
  die "Redis ${name} does not answer on 127.0.0.1:${port}; see ${dir}/redis.log$( ((tls)) && echo ' (is redis-server built with TLS support?)')"
}

stop_redis() {
  local pidfile="${state}/$1/redis.pid"
  if as_svc test -s "${pidfile}"; then
    kill "$(as_svc cat "${pidfile}")" 2>/dev/null || true
  fi
}

# --- main -----------------------------------------------------------------------
case "${action}" in
  start) ;;
  stop)
    pg_bindir="$(find_pg_bindir)"
    [[ -d "${state}" ]] || exit 0
    stop_redis redis-plain; stop_redis redis-tls
    if [[ -n "${pg_bindir}" ]]; then stop_pg pg-plain; stop_pg pg-tls; fi
    log "stopped the servers of ${state}"
    exit 0
    ;;
  *) die "usage: $0 [start|stop]" ;;
esac

ensure_binaries
pg_bindir="$(find_pg_bindir)"
ensure_state_dir
ensure_certs

pg_plain_port="$(pick_port pg-plain 15432)"
pg_tls_port="$(pick_port pg-tls $((pg_plain_port + 1)))"
redis_plain_port="$(pick_port redis-plain 16379)"
redis_tls_port="$(pick_port redis-tls $((redis_plain_port + 1)))"
redis_password="$(random_secret redis-tls)"

start_pg pg-plain "${pg_plain_port}" 0
start_pg pg-tls "${pg_tls_port}" 1
start_redis redis-plain "${redis_plain_port}" 0 ""
start_redis redis-tls "${redis_tls_port}" 1 "${redis_password}"

tmp="$(mktemp "${env_file}.XXXXXX")"
chmod 0600 "${tmp}"
{
  echo "# Written by .ci/services.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ); loopback test servers only."
  echo "# Single-quoted values: safe to source from bash (set -a; . FILE)."
  q() { printf "%s='%s'\n" "$1" "$2"; }
  q GARCON_TEST_DATABASE_URL "postgres://garcon:garcon@127.0.0.1:${pg_plain_port}/garcon_test?sslmode=disable"
  q GARCON_TEST_REDIS_ADDR "127.0.0.1:${redis_plain_port}"
  q GARCON_TEST_REDIS_PASSWORD ""
  q GARCON_TEST_TLS_DATABASE_URL "postgres://garcon:garcon@127.0.0.1:${pg_tls_port}/garcon_test?sslmode=verify-full&sslrootcert=${state}/tls/ca.pem"
  q GARCON_TEST_TLS_REDIS_ADDR "127.0.0.1:${redis_tls_port}"
  q GARCON_TEST_TLS_REDIS_PASSWORD "${redis_password}"
  q GARCON_TEST_TLS_CA "${state}/tls/ca.pem"
  q GARCON_TEST_TLS_WRONG_CA "${state}/tls/wrong-ca.pem"
} >"${tmp}"
mv "${tmp}" "${env_file}"
log "ready: PostgreSQL 127.0.0.1:${pg_plain_port} (plain) and :${pg_tls_port} (TLS only), Redis 127.0.0.1:${redis_plain_port} (plain) and :${redis_tls_port} (TLS + AUTH)"
log "settings: ${env_file}"
