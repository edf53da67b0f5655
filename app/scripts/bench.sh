#!/usr/bin/env bash
# Benchmarks the real service on loopback against the local PostgreSQL and
# Redis of .ci/services.sh:
#   1. wrk (closed loop, saturating): max throughput and latency percentiles
#   2. scripts/loadgen (open loop, fixed rate): p50/p99 at RATE requests/s
# for /health, a cached menu read and an uncached menu read (every request a
# different restaurant, so every request misses Redis and queries PostgreSQL).
#
# Usage (from app/):  bash scripts/bench.sh
# Env: RATE (default 500), DURATION (wrk, default 10s), LOAD_DURATION
# (loadgen, default 15s), PORT (default 18080), BIN (prebuilt binary).
# Everything it creates (database garcon_bench, keys garcon:menu:*, the
# server process) is local and removed/stopped at the end.
set -euo pipefail

cd "$(dirname "$0")/.."
RATE="${RATE:-500}"
DURATION="${DURATION:-10s}"
LOAD_DURATION="${LOAD_DURATION:-15s}"
PORT="${PORT:-18080}"
WORK="$(mktemp -d)"
BASE="http://127.0.0.1:${PORT}"
PSQL=(env PGPASSWORD=garcon psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U garcon)

command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk" >&2; exit 1; }
if ! pg_isready -q -h 127.0.0.1 || ! redis-cli -h 127.0.0.1 ping >/dev/null; then
  echo "PostgreSQL/Redis not running: bash .ci/services.sh" >&2
  exit 1
fi

if [[ -z "${BIN:-}" ]]; then
  BIN="${WORK}/garcon"
  CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "${BIN}" .
fi
go build -o "${WORK}/loadgen" ./scripts/loadgen
echo "binary: $(stat -c %s "${BIN}") bytes ($(du -h "${BIN}" | cut -f1)), static: $(file -b "${BIN}" | grep -o 'statically linked' || echo no)"

# Fresh database with the schema and 300,000 menus (ids 1..300000).
"${PSQL[@]}" -d garcon_test -c "DROP DATABASE IF EXISTS garcon_bench WITH (FORCE)" -c "CREATE DATABASE garcon_bench"
redis-cli -h 127.0.0.1 --scan --pattern 'garcon:menu:*' | xargs -r -n 500 redis-cli -h 127.0.0.1 del >/dev/null

export ENVIRONMENT=staging PORT DB_WRITER_HOST=127.0.0.1 DB_READER_HOST=127.0.0.1 DB_NAME=garcon_bench \
  DB_CREDENTIALS='{"username":"garcon","password":"garcon"}' DB_SSLMODE=disable \
  REDIS_HOST=127.0.0.1 REDIS_TLS=false UPLOADS_BUCKET=garcon-bench AWS_REGION=eu-west-1 \
  JWT_SECRET=bench-secret-bench-secret-bench-secret STRIPE_API_KEY=sk_bench GOOGLE_MAPS_API_KEY=bench \
  AWS_ACCESS_KEY_ID=AKIDBENCH AWS_SECRET_ACCESS_KEY=bench AWS_EC2_METADATA_DISABLED=true
"${BIN}" migrate >/dev/null
"${PSQL[@]}" -d garcon_bench -c "
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
  "${PSQL[@]}" -d garcon_test -c "DROP DATABASE IF EXISTS garcon_bench WITH (FORCE)" || true
  redis-cli -h 127.0.0.1 --scan --pattern 'garcon:menu:*' | xargs -r -n 500 redis-cli -h 127.0.0.1 del >/dev/null || true
  rm -rf "${WORK}"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fs "${BASE}/livez" >/dev/null && break; sleep 0.1; done
curl -fs "${BASE}/v1/restaurants/1/menu" >/dev/null # warm the cached menu

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

echo
echo "== loadgen: fixed ${RATE} requests/s for ${LOAD_DURATION} (open loop) =="
"${WORK}/loadgen" -label health -rate "${RATE}" -duration "${LOAD_DURATION}" -url "${BASE}/health"
"${WORK}/loadgen" -label "cached menu" -rate "${RATE}" -duration "${LOAD_DURATION}" -url "${BASE}/v1/restaurants/1/menu"
"${WORK}/loadgen" -label "uncached menu" -rate "${RATE}" -duration "${LOAD_DURATION}" -start 250000 -url "${BASE}/v1/restaurants/{n}/menu"
