#!/usr/bin/env bash
# Public portal load benchmark (issue 14; a bench command, not a test).
#
#   bash bench/load/portal.sh
#
# Starts `duban serve --demo` (release build unless DUBAN_BIN is given), publishes the seed
# plan as of the demo date with `duban publish plan`, and measures GET of the published
# plan page (/public/p/1.html) with `wrk` at 64 concurrent clients; in the same run, the same
# portal exported with `duban publish export` is served by nginx (a plain static file
# server: one worker per core, sendfile) and measured the same way. Prints requests/s,
# p50/p99 and the ratio. Goal (issue 14): ≥ 2,000 requests/s for duban on this machine.
#
# Environment: DUBAN_BIN, DUBAN_BENCH_SECONDS (default 10), DUBAN_BENCH_CONCURRENCY (64).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_CASE="${DUBAN_BENCH_SECONDS:-10}"
CONC="${DUBAN_BENCH_CONCURRENCY:-64}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >&2
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [ -z "${DUBAN_BIN:-}" ]; then
  cargo build --release -p duban-cli >&2
  BIN="$CARGO_TARGET_DIR/release/duban"
else
  BIN="$DUBAN_BIN"
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

port=$(free_port)
env -u DATABASE_URL RUST_LOG=warn "$BIN" serve --demo --addr "127.0.0.1:$port" --data-dir "$WORK/data" >"$WORK/serve.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 150); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
id=$(env -u DATABASE_URL "$BIN" publish plan --as-of 2020-07-15 --data-dir "$WORK/data")
env -u DATABASE_URL "$BIN" publish export --to "$WORK/site" --data-dir "$WORK/data" >/dev/null
chmod 755 "$WORK"; chmod -R a+rX "$WORK/site" # nginx workers run as another user
sleep 1.5 # the server's portal notices the new publication within a second

nport=$(free_port)
cat >"$WORK/nginx.conf" <<NGINX
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  types { text/html html; text/css css; application/javascript js; }
  server { listen 127.0.0.1:$nport; root $WORK/site; }
}
NGINX
"$NGINX" -c "$WORK/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
sleep 0.5

measure() { # label url
  local code; code=$(curl -s -o /dev/null -w '%{http_code}' "$2")
  [ "$code" = 200 ] || { echo "$1: $2 answered $code" >&2; exit 1; }
  wrk -t2 -c "$CONC" -d "${SECONDS_PER_CASE}s" --latency "$2" >"$WORK/$1.txt"
  python3 - "$1" "$WORK/$1.txt" <<'PY'
import re, sys
label, path = sys.argv[1], sys.argv[2]
t = open(path).read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|m|s)", v)
    if m is None:
        sys.exit(f"{label}: cannot read the latency {v!r} in:\n{t}")
    n, u = m.groups()
    return float(n) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[u]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", t, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", t, re.M).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print(f"{label:<8} {rps:10.0f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   non-2xx {errors.group(1) if errors else 0}")
open(path + ".rps", "w").write(str(rps))
PY
}
echo "published plan page, $CONC clients, ${SECONDS_PER_CASE}s each, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
measure duban "http://127.0.0.1:$port/public/p/$id.html"
measure nginx "http://127.0.0.1:$nport/p/$id.html"
python3 - "$WORK/duban.txt.rps" "$WORK/nginx.txt.rps" <<'PY'
import sys
d, n = (float(open(p).read()) for p in sys.argv[1:3])
print(f"duban / nginx = {d / n:.2f}   goal: duban ≥ 2000 req/s → {'met' if d >= 2000 else 'NOT met'}")
PY
