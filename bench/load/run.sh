#!/usr/bin/env bash
# Load benchmark of the web platform (a bench command, not a test).
#
#   bash bench/load/run.sh            # SQLite, and PostgreSQL if reachable
#
# Starts `duban serve` (release build unless DUBAN_BENCH_PROFILE=debug) on SQLite and on
# PostgreSQL, creates a viewer and an API token, and hits the plan overview page (session
# cookie) and the plan API (bearer token) with concurrent clients using `wrk` (Debian
# package, installed with apt-get when missing).
# Prints requests/s, p50 and p99 per case.
#
# Environment: DUBAN_BENCH_PG (default postgres://postgres@127.0.0.1:5432/postgres — a
# fresh database duban_bench_<pid> is created there and dropped afterwards),
# DUBAN_BENCH_SECONDS (default 10), DUBAN_BENCH_CONCURRENCY (default 16).
set -euo pipefail
cd "$(dirname "$0")/../.."

PROFILE="${DUBAN_BENCH_PROFILE:-release}"
SECONDS_PER_CASE="${DUBAN_BENCH_SECONDS:-10}"
CONC="${DUBAN_BENCH_CONCURRENCY:-16}"
PG_SERVER="${DUBAN_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "==> installing wrk" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >&2
fi

if [ "$PROFILE" = release ]; then
  cargo build --release -p duban-cli >&2
  BIN="$CARGO_TARGET_DIR/release/duban"
else
  cargo build -p duban-cli >&2
  BIN="$CARGO_TARGET_DIR/debug/duban"
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run_case LABEL ENV...  — starts a server with the given database settings and measures.
run_case() {
  local label=$1; shift
  local port; port=$(free_port)
  local data="$WORK/$label"
  mkdir -p "$data"
  env "$@" "$BIN" serve --addr "127.0.0.1:$port" --data-dir "$data" >"$WORK/$label.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  echo 'bench-password-1' | env "$@" "$BIN" user add bench --role viewer --password-stdin --data-dir "$data" >/dev/null
  local token; token=$(env "$@" "$BIN" token create bench --data-dir "$data" | tail -1)
  # Log in through the form for the page case.
  local jar="$WORK/$label.jar"
  local csrf; csrf=$(curl -s -c "$jar" "http://127.0.0.1:$port/login" | sed -n 's/.*name="login_csrf" value="\([^"]*\)".*/\1/p' | head -1)
  curl -s -b "$jar" -c "$jar" -o /dev/null -d "login_csrf=$csrf&name=bench&password=bench-password-1&next=/plans" "http://127.0.0.1:$port/login"
  local session; session=$(awk '$6=="duban_session"{print $7}' "$jar")
  local plan; plan=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/plans" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')

  local code; code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: duban_session=$session" "http://127.0.0.1:$port/plans/$plan")
  [ "$code" = 200 ] || { echo "overview answered $code, not 200 (login failed?)" >&2; exit 1; }
  for target in "overview page|/plans/$plan|Cookie: duban_session=$session" "plan API|/api/v1/plans/$plan|Authorization: Bearer $token"; do
    IFS='|' read -r what path header <<<"$target"
    wrk -t2 -c "$CONC" -d "${SECONDS_PER_CASE}s" --latency -H "$header" \
      "http://127.0.0.1:$port$path" >"$WORK/out.txt"
    python3 - "$label" "$what" "$WORK/out.txt" <<'PY'
import re, sys
label, what, path = sys.argv[1], sys.argv[2], sys.argv[3]
t = open(path).read()
def ms(v):
    n, u = re.match(r"([\d.]+)(us|ms|s)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = ms(re.search(r"\s50%\s+(\S+)", t).group(1))
p99 = ms(re.search(r"\s99%\s+(\S+)", t).group(1))
total = int(re.search(r"(\d+) requests in", t).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
bad = int(bad.group(1)) if bad else 0
print(f"| {label} | {what} | {rps:.0f} | {p50:.1f} | {p99:.1f} | {total - bad}/{total} |")
PY
  done
  kill "${PIDS[-1]}" 2>/dev/null || true
  wait "${PIDS[-1]}" 2>/dev/null || true
}

echo "| backend | endpoint | requests/s | p50 ms | p99 ms | 2xx / all |"
echo "|---|---|---:|---:|---:|---:|"
run_case sqlite -u DATABASE_URL
if psql "$PG_SERVER" -c 'select 1' >/dev/null 2>&1; then
  DB="duban_bench_$$"
  psql "$PG_SERVER" -qc "CREATE DATABASE $DB" >/dev/null
  PG_URL="${PG_SERVER%/*}/$DB"
  run_case postgres "DATABASE_URL=$PG_URL"
  psql "$PG_SERVER" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
else
  echo "(PostgreSQL at $PG_SERVER not reachable: skipped)" >&2
fi
echo "(profile: $PROFILE, $CONC concurrent clients, ${SECONDS_PER_CASE}s per case, $(nproc) cores)"
