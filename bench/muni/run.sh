#!/usr/bin/env bash
# 亩均效益 bench: N firms × 8 raw fields in 90 counties (seeded, bench/muni/gen.py), the scheme
# of bench/muni/spec.toml run end to end (CSV in → per-firm CSV out) by duban (release CLI),
# DuckDB SQL and polars (bench/muni/peers.py). Checks that they agree on every STEP-th row and
# prints wall time, peak memory (/usr/bin/time -v) and ratios to duban.
#   bench/muni/run.sh [N=1e6] [STEP=97]
# Makes bench/muni/.venv (duckdb polars numpy pyarrow); data and outputs in bench/data/muni/.
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-1e6}"
STEP="${2:-97}"
VENV=bench/muni/.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet duckdb polars numpy pyarrow
fi
PY="$VENV/bin/python"
TARGET="${CARGO_TARGET_DIR:-target}"
if [ -z "${DUBAN_BIN:-}" ]; then
  cargo build --release --quiet -p duban-cli
  DUBAN_BIN="$TARGET/release/duban"
fi
DIR=bench/data/muni
mkdir -p "$DIR"
DATA="$DIR/firms_$N.csv"
[ -s "$DATA" ] || "$PY" bench/muni/gen.py "$N" "$DATA"
echo "data: $DATA ($(du -h "$DATA" | cut -f1)), $(nproc) cores"
# Warm the page cache so every tool reads from memory.
cat "$DATA" > /dev/null

measure() { # name, command…
  local name=$1; shift
  /usr/bin/time -v "$@" 2> "$DIR/$name.time" > /dev/null
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$DIR/$name.time" |
    awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$DIR/$name.time")
  echo "$name $wall $rss" >> "$DIR/times.txt"
  printf '%-8s %8.2f s %8s MB\n' "$name" "$wall" "$rss"
}
: > "$DIR/times.txt"
measure duban sh -c "'$DUBAN_BIN' eval run --data '$DATA' --spec bench/muni/spec.toml --format csv > '$DIR/out_duban.csv'"
measure duckdb env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" bench/muni/peers.py duckdb "$DATA" "$DIR/out_duckdb.csv"
measure polars env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$PY" bench/muni/peers.py polars "$DATA" "$DIR/out_polars.csv"
echo "agreement (every ${STEP}th row; score to 1e-9 relative, rank, grade, excluded exactly):"
ok=0
"$PY" bench/muni/peers.py check "$DIR/out_duban.csv" "$DIR/out_duckdb.csv" "$STEP" || ok=1
"$PY" bench/muni/peers.py check "$DIR/out_duban.csv" "$DIR/out_polars.csv" "$STEP" || ok=1
awk 'NR == 1 {d = $2} {printf "%-8s %6.2fx duban\n", $1, $2 / d}' "$DIR/times.txt"
exit $ok
