#!/usr/bin/env bash
# Benchmarks the real service on loopback against the test servers of
# .ci/services.sh (`make services`), in plain or TLS mode:
#   1. wrk (closed loop, saturating; optional): max throughput and latency
#   2. scripts/loadgen (open loop, fixed rates): p50/p99 at each of RATES
# for /health, a cached menu read and an uncached menu read (every request a
# different restaurant, so every request misses Redis and queries PostgreSQL).
#
# MODE=tls (default) is the production connection path: PostgreSQL with
# verify-full against the test CA, Redis over TLS with AUTH. MODE=plain uses
# the plain servers.
#
# Usage (from app/):  bash scripts/bench.sh
# Env: MODE (tls), RATES ("500 1000"), DURATION (wrk, 10s), LOAD_DURATION
# (loadgen, 15s), PORT (18080), BIN (prebuilt binary), GARCON_SERVICES_ENV.
# Everything it creates (database garcon_bench, keys garcon:menu:*, the server
# process) is local and removed/stopped at the end; it only targets 127.0.0.1
# and every run is bounded in time.
set -euo pipefail

cd "$(dirname "$0")/.."
MODE="${MODE:-tls}"
RATES="${RATES:-500 1000}"
DURATION="${DURATION:-10s}"
LOAD_DURATION="${LOAD_DURATION:-15s}"
PORT="${PORT:-18080}"
BASE="http://127.0.0.1:${PORT}"
services_env="${GARCON_SERVICES_ENV:-../.tools/services.env}"
[[ -r "${services_env}" ]] || { echo "no ${services_env}: run make services first" >&2; exit 1; }
set -a
# shellcheck disable=SC1090 # written by .ci/services.sh
source "${services_env}"
set +a

if [[ "${MODE}" == tls ]]; then
  db_url="${GARCON_TEST_TLS_DATABASE_URL}" redis_addr="${GARCON_TEST_TLS_REDIS_ADDR}"
  redis_cli=(redis-cli --tls --cacert "${GARCON_TEST_TLS_CA}" --no-auth-warning -a "${GARCON_TEST_TLS_REDIS_PASSWORD}")
  app_tls=(DB_SSLMODE=verify-full "DB_SSLROOTCERT=${GARCON_TEST_TLS_CA}" REDIS_TLS=true
    "REDIS_AUTH_TOKEN=${GARCON_TEST_TLS_REDIS_PASSWORD}" "SSL_CERT_FILE=${GARCON_TEST_TLS_CA}")
else
  db_url="${GARCON_TEST_DATABASE_URL}" redis_addr="${GARCON_TEST_REDIS_ADDR}"
  redis_cli=(redis-cli)
  app_tls=(DB_SSLMODE=disable REDIS_TLS=false)
fi
db_hostport="$(sed -E 's#^postgres://[^@]*@([^/]*)/.*#\1#' <<<"${db_url}")"
redis_cli+=(-h "${redis_addr%:*}" -p "${redis_addr##*:}")
psql_at() { psql -X -q -v ON_ERROR_STOP=1 "${db_url/\/garcon_test/\/$1}" "${@:2}"; }
if ! "${redis_cli[@]}" ping >/dev/null || ! psql_at garcon_test -c 'SELECT 1' >/dev/null; then
  echo "PostgreSQL/Redis (${MODE}) not answering: make services" >&2
  exit 1
fi

WORK="$(mktemp -d)"
if [[ -z "${BIN:-}" ]]; then
  BIN="${WORK}/garcon"
  CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "${BIN}" .
fi
go build -o "${WORK}/loadgen" ./scripts/loadgen
echo "mode: ${MODE}; binary: $(stat -c %s "${BIN}") bytes"

# Fresh database with the schema and 300,000 menus (ids 1..300000).
psql_at garcon_test -c "DROP DATABASE IF EXISTS garcon_bench WITH (FORCE)" -c "CREATE DATABASE garcon_bench"
"${redis_cli[@]}" --scan --pattern 'garcon:menu:*' | xargs -r -n 500 "${redis_cli[@]}" del >/dev/null

export ENVIRONMENT=bench PORT DB_WRITER_HOST="${db_hostport%:*}" DB_READER_HOST="${db_hostport%:*}" \
  DB_PORT="${db_hostport##*:}" DB_NAME=garcon_bench DB_AUTH=password \
  DB_CREDENTIALS='{"username":"garcon","password":"garcon"}' \
  REDIS_HOST="${redis_addr%:*}" REDIS_PORT="${redis_addr##*:}" UPLOADS_BUCKET=garcon-bench AWS_REGION=eu-west-1 \
  JWT_SECRET=bench-secret-bench-secret-bench-secret STRIPE_API_KEY=sk_bench GOOGLE_MAPS_API_KEY=bench \
  AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true
export "${app_tls[@]?}"
"${BIN}" migrate >/dev/null
psql_at garcon_bench -c "
  INSERT INTO menus (restaurant_id, document)
  SELECT g, jsonb_build_object('currency','EUR','sections', jsonb_build_array(
           jsonb_build_object('name','Starters','items', jsonb_build_array(
             jsonb_build_object('name','Soupe du jour','description','Ask the waiter','price_cents',650),
             jsonb_build_object('name','Salade','price_cents',800))),
           jsonb_build_object('name','Mains','items', jsonb_build_array(
             jsonb_build_object('name','Steak frites','price_cents',2450),
             jsonb_build_object('name','Risotto','tags',jsonb_build_array('vegetarian'),'price_cents',1900)))))
  FROM generate_series(1, 300000) g" -c "ANALYZE menus"

"${BIN}" serve >"${WORK}/serve.log" 2>&1 &
SERVER=$!
cleanup() {
  if kill -TERM "${SERVER}" 2>/dev/null; then
    wait "${SERVER}" 2>/dev/null || true
  fi
  psql_at garcon_test -c "DROP DATABASE IF EXISTS garcon_bench WITH (FORCE)" || true
  "${redis_cli[@]}" --scan --pattern 'garcon:menu:*' | xargs -r -n 500 "${redis_cli[@]}" del >/dev/null || true
  rm -rf "${WORK}"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fs "${BASE}/health" >/dev/null && break; sleep 0.1; done
curl -fs "${BASE}/v1/restaurants/1/menu" >/dev/null # warm the cached menu
[[ "$(curl -fsI "${BASE}/v1/restaurants/1/menu" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-cache"{print $2}')" == hit ]] ||
  { echo "restaurant 1 is not served from Redis" >&2; exit 1; }

if command -v wrk >/dev/null; then
  cat >"${WORK}/uncached.lua" <<'LUA'
-- Each wrk thread walks its own range of restaurant ids, so no request
-- repeats an id and every one misses the cache.
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
end
function init(args)
  n = 1000 + tid * 100000
end
function request()
  n = n + 1
  return wrk.format("GET", "/v1/restaurants/" .. n .. "/menu")
end
LUA
  echo
  echo "== wrk: 2 threads, 32 connections, ${DURATION} each (saturating) =="
  for s in "health:/health:" "cached menu:/v1/restaurants/1/menu:" "uncached menu:/:${WORK}/uncached.lua"; do
    IFS=: read -r name path script <<<"${s}"
    echo "-- ${name}"
    wrk -t2 -c32 -d"${DURATION}" --latency ${script:+-s "${script}"} "${BASE}${path}" \
      | grep -E 'Requests/sec|Latency  | 50%| 99%|Non-2xx|Socket errors' || true
  done
else
  echo "(wrk not installed: saturating runs skipped; apt-get install wrk)"
fi

echo
start=250000
for rate in ${RATES}; do
  echo "== loadgen: fixed ${rate} requests/s for ${LOAD_DURATION} (open loop, ${MODE}) =="
  "${WORK}/loadgen" -label "cached menu" -rate "${rate}" -duration "${LOAD_DURATION}" -url "${BASE}/v1/restaurants/1/menu"
  "${WORK}/loadgen" -label "uncached menu" -rate "${rate}" -duration "${LOAD_DURATION}" -start "${start}" -url "${BASE}/v1/restaurants/{n}/menu"
  start=$((start + 20000))
done
