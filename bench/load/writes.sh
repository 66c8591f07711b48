#!/usr/bin/env bash
# Write-load benchmark of the web platform (issue 9): concurrent reporters saving and
# submitting reports through the JSON API, against the raw single-row commit rate of the
# same database engine on the same machine.
#
#   bash bench/load/writes.sh [--kill]
#
# For SQLite (fresh data dir) and, if reachable, PostgreSQL (fresh database
# duban_bench_<pid>, dropped afterwards): starts `duban serve`, makes one reporter (and an
# API token) per lead unit of the seed plan and an admin, then runs DUBAN_BENCH_CLIENTS
# (64) clients for DUBAN_BENCH_SECONDS (30) s (bench/load/writes.py: save → submit →
# admin return, each client on its own reports). Prints requests/s, p50, p99, counts of
# 2xx/409/5xx and the server's CPU time per request; then raw one-row commits/s of the engine from 1 and 64 threads (SQLite also 8, duban's pool) for 10 s
# (SQLite: python sqlite3 with duban's pragmas, WAL + synchronous=FULL, on the same
# filesystem; PostgreSQL: pgbench with a one-row INSERT script) and the ratio
# writes/s ÷ raw commits/s (64 threads).
# --kill: SIGKILLs the server half-way, restarts it, lets the clients go on, and then checks
# that every report acknowledged with a 2xx is present at the acknowledged version, and that
# the audit chain verifies (`duban audit verify`) once the restarted server has sealed it.
#
# Environment: DUBAN_BIN (default: the cargo-zigbuild release binary named below; never builds),
# DUBAN_BENCH_PG (postgres://postgres@127.0.0.1:5432), DUBAN_BENCH_SECONDS, DUBAN_BENCH_CLIENTS,
# DUBAN_BENCH_RAW_SECONDS (10).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${DUBAN_BIN:-/work/tgt/rel/x86_64-unknown-linux-gnu/release/duban}"
SECS="${DUBAN_BENCH_SECONDS:-30}"
CLIENTS="${DUBAN_BENCH_CLIENTS:-64}"
RAW_SECS="${DUBAN_BENCH_RAW_SECONDS:-10}"
PG="${DUBAN_BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
KILL=0
[ "${1:-}" = --kill ] && KILL=1
PY=python3
W=bench/load/writes.py
[ -x "$BIN" ] || { echo "no duban binary at $BIN (set DUBAN_BIN)" >&2; exit 2; }

mkdir -p bench/data
WORK=$(mktemp -d "$PWD/bench/data/writes.XXXXXX")
SERVER=
PGDB="duban_bench_$$"
PG_MADE=0
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  if [ "$PG_MADE" = 1 ]; then
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_server() { # label port data
  "$BIN" serve --addr "127.0.0.1:$2" --data-dir "$3" >>"$WORK/$1.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 150); do
    curl -sf "http://127.0.0.1:$2/readyz" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "server did not become ready; log:" >&2; tail -20 "$WORK/$1.log" >&2; exit 1
}

# CPU time (user + system clock ticks) the server has used so far.
server_cpu() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }

# run_case LABEL — with DATABASE_URL exported or not.
run_case() {
  local label=$1 port data url
  port=$(free_port); data="$WORK/$label"; mkdir -p "$data"
  url="http://127.0.0.1:$port"
  start_server "$label" "$port" "$data"
  echo 'bench-admin-pw-1' | "$BIN" user add bench_admin --role admin --password-stdin --data-dir "$data" >/dev/null
  local admin; admin=$("$BIN" token create bench_admin --data-dir "$data" | tail -1)
  local plan; plan=$(curl -s -H "Authorization: Bearer $admin" "$url/api/v1/plans" |
    $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
  : >"$WORK/tokens"
  for unit in $($PY $W units "$url" "$admin" "$plan"); do
    local name="b_${unit//-/_}"
    echo 'bench-reporter-pw-1' | "$BIN" user add "$name" --role reporter --unit "$unit" --password-stdin --data-dir "$data" >/dev/null
    echo "$unit $("$BIN" token create "$name" --data-dir "$data" | tail -1)" >>"$WORK/tokens"
  done
  echo "== $label: $CLIENTS clients × ${SECS} s, $(wc -l <"$WORK/tokens") reporter units (load $(cut -d' ' -f1-3 /proc/loadavg))"
  local out="$WORK/$label.out"
  if [ "$KILL" = 1 ]; then
    $PY $W load "$url" "$plan" "$WORK/tokens" "$admin" "$SECS" "$CLIENTS" "$WORK/acked.json" >"$out" &
    local loader=$!
    sleep "$(echo "$SECS / 2" | bc)"
    kill -9 "$SERVER"; wait "$SERVER" 2>/dev/null || true
    echo "  SIGKILLed the server at ~$((SECS / 2)) s; restarting"
    start_server "$label" "$port" "$data"
    wait "$loader"
    cat "$out"
    $PY $W check "$url" "$admin" "$WORK/acked.json" || DURABILITY_FAILED=1
    # The audit chain after the kill: the restarted server seals what the killed one left
    # unsealed (its worker runs every second), then the whole chain must verify.
    sleep 2
    echo "  audit after the kill: $("$BIN" audit verify --data-dir "$data" 2>&1 | tr '\n' ' ')"
    "$BIN" audit verify --data-dir "$data" >/dev/null 2>&1 || DURABILITY_FAILED=1
  else
    local cpu0; cpu0=$(server_cpu)
    $PY $W load "$url" "$plan" "$WORK/tokens" "$admin" "$SECS" "$CLIENTS" "$WORK/acked.json" | tee "$out"
    local cpu1; cpu1=$(server_cpu)
    $PY -c "import sys; c=(float(sys.argv[2])-float(sys.argv[1]))/float(sys.argv[3]); r=[l for l in open(sys.argv[4]) if 'requests/s' in l][0].split()[1]; w=[l for l in open(sys.argv[4]) if l.strip().startswith('items')][0].split()[-2]; n=float(r)*float(w); print(f'  server CPU {c:.1f} s for {n:.0f} requests: {1000*c/n:.2f} ms per request (load {open(\"/proc/loadavg\").read().split()[0]})')" \
      "$cpu0" "$cpu1" "$(getconf CLK_TCK)" "$out"
  fi
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
  WRITES=$(awk '/^RESULT/ {print $3}' "$out")
}

ratio() { $PY -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print(f'{a/b:.3f}' if b else 'n/a')" "$1" "$2"; }

DURABILITY_FAILED=0
echo "duban: $BIN ($(file -b "$BIN" | cut -d, -f1-2)); $(nproc) cores; $(uptime)"
unset DATABASE_URL
run_case sqlite
raw1=$($PY $W sqlite "$WORK/raw.sqlite" 1 "$RAW_SECS"); rm -f "$WORK"/raw.sqlite*
raw8=$($PY $W sqlite "$WORK/raw.sqlite" 8 "$RAW_SECS"); rm -f "$WORK"/raw.sqlite*
raw64=$($PY $W sqlite "$WORK/raw.sqlite" 64 "$RAW_SECS"); rm -f "$WORK"/raw.sqlite*
echo "  raw SQLite one-row commits/s (WAL, synchronous=FULL, python sqlite3): 1 thread $raw1, 8 (duban's pool) $raw8, 64 threads $raw64"
echo "  ratio API writes/s ÷ raw commits/s (64 threads): $(ratio "$WRITES" "$raw64")  (÷ 1 thread: $(ratio "$WRITES" "$raw1"))"

if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && command -v pgbench >/dev/null; then
  psql -q "$PG/postgres" -c "CREATE DATABASE $PGDB" >/dev/null
  PG_MADE=1
  export DATABASE_URL="$PG/$PGDB"
  run_case postgres
  psql -q "$DATABASE_URL" -c "CREATE TABLE bench_raw (id bigserial PRIMARY KEY, v text NOT NULL)" >/dev/null
  echo "INSERT INTO bench_raw (v) VALUES (repeat('x', 64));" >"$WORK/insert.sql"
  pgraw() { pgbench -n -c "$1" -j 2 -T "$RAW_SECS" -f "$WORK/insert.sql" "$DATABASE_URL" 2>/dev/null |
    awk '/^tps/ {print $3; exit}'; }
  p1=$(pgraw 1); p64=$(pgraw 64)
  echo "  raw PostgreSQL one-row commits/s (pgbench, synchronous_commit=$(psql -tAq "$DATABASE_URL" -c 'show synchronous_commit'), fsync=$(psql -tAq "$DATABASE_URL" -c 'show fsync')): 1 client $p1, 64 clients $p64"
  echo "  ratio API writes/s ÷ raw commits/s (64 clients): $(ratio "$WRITES" "$p64")  (÷ 1 client: $(ratio "$WRITES" "$p1"))"
  unset DATABASE_URL
else
  echo "== postgres: not reachable at 127.0.0.1:5432 (or no pgbench); skipped"
fi
echo "(writes/s = acknowledged saves + submits per second; each round also makes one admin return, counted in requests/s)"
exit "$DURABILITY_FAILED"
