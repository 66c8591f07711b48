#!/usr/bin/env bash
# Evaluation *product path* benchmark (issue 12): the release `duban eval run` end to end
# (read → evaluate → written results) against numpy + pyarrow's CSV reader, DuckDB and polars,
# in ONE run on the SAME files, from CSV and from Parquet, with peak memory (/usr/bin/time -v),
# the ratios peer/duban, and a check that all results agree (ids, scores to 1e-9, ranks).
# Task: entropy weights (raw basis) + TOPSIS (vector) + rank, 8 indicators, ids as text.
#   [REPEAT=3] bench/eval/product.sh [ROWS ...]      (default: 1000000 10000000)
# REPEAT runs each command that many times and keeps the fastest (default 1).
# DUBAN_BIN=/path/to/duban uses that binary and does not build.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=bench/eval/.venv-product
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet numpy pyarrow duckdb polars
fi
PY="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $VENV/bin/python -W ignore"
TARGET="${CARGO_TARGET_DIR:-target}"
if [ -z "${DUBAN_BIN:-}" ]; then
  cargo build --release --quiet -p duban-cli
  DUBAN="$TARGET/release/duban"
else
  DUBAN="$DUBAN_BIN"
fi
DIR=bench/data/eval-product
mkdir -p "$DIR"
cat > "$DIR/spec.toml" <<'TOML'
schema = "duban.eval/1"
id = "id"
[[indicator]]
name = "x0"
[[indicator]]
name = "x1"
[[indicator]]
name = "x2"
[[indicator]]
name = "x3"
direction = "cost"
[[indicator]]
name = "x4"
[[indicator]]
name = "x5"
[[indicator]]
name = "x6"
[[indicator]]
name = "x7"
direction = "cost"
[method]
weights = "entropy"
aggregate = "topsis"
[method.entropy]
basis = "raw"
TOML
declare -A WALL
REPEAT="${REPEAT:-1}"
measure() { # name, command...: REPEAT runs; prints "name seconds peak_MB" of the fastest run
  # (the machine may be shared: the least disturbed run), keeps its seconds in WALL[name]
  local name=$1; shift
  local log; log=$(mktemp)
  local best="" mb=0 r t0 t1 s kb
  for ((r = 0; r < REPEAT; r++)); do
    t0=$(date +%s.%N)
    /usr/bin/time -v "$@" > /dev/null 2> "$log" || { cat "$log"; exit 1; }
    t1=$(date +%s.%N)
    s=$(echo "$t1 - $t0" | bc)
    kb=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' "$log")
    if [ -z "$best" ] || [ "$(echo "$s < $best" | bc)" = 1 ]; then best=$s; mb=$((kb / 1024)); fi
  done
  WALL[$name]=$best
  printf '%-28s %8.3f s %8.0f MB\n' "$name" "$best" "$mb"
  rm -f "$log"
}
for N in "${@:-1000000 10000000}"; do
  for n in $N; do
    CSV="$DIR/m$n.csv"; PQ="$DIR/m$n.parquet"
    if [ ! -f "$PQ" ]; then
      $PY bench/eval/product.py make "$n" "$CSV" "$PQ"
    fi
    echo "== $n rows × 8 (load $(cut -d' ' -f1-3 /proc/loadavg)); CSV $(du -m "$CSV" | cut -f1) MB, Parquet $(du -m "$PQ" | cut -f1) MB"
    # duban writes the peers' three columns (--columns); "all columns" is its default result
    # (rank, score, class, mark … and the 8 normalised values), for comparison.
    COLS="--columns id,rank,score"
    measure "duban csv" "$DUBAN" eval run --data "$CSV" --spec "$DIR/spec.toml" $COLS -o "$DIR/out-duban-csv.csv"
    measure "duban parquet" "$DUBAN" eval run --data "$PQ" --spec "$DIR/spec.toml" $COLS -o "$DIR/out-duban-parquet.csv"
    measure "duban csv>parquet" "$DUBAN" eval run --data "$CSV" --spec "$DIR/spec.toml" $COLS -o "$DIR/out-duban-csv.parquet"
    measure "duban csv all-columns" "$DUBAN" eval run --data "$CSV" --spec "$DIR/spec.toml" -o "$DIR/out-duban-all.csv"
    for tool in numpy duckdb polars; do
      measure "$tool csv" $PY bench/eval/product.py "$tool" "$CSV" "$DIR/out-$tool-csv.csv"
      measure "$tool parquet" $PY bench/eval/product.py "$tool" "$PQ" "$DIR/out-$tool-parquet.csv"
      measure "$tool csv>parquet" $PY bench/eval/product.py "$tool" "$CSV" "$DIR/out-$tool-csv.parquet"
    done
    echo "ratios (peer wall / duban wall; the goal is ≥ 3; input>output, CSV out unless named):"
    for input in csv parquet "csv>parquet"; do
      for tool in numpy duckdb polars; do
        printf '  %-12s %-7s %6.2f×\n' "$input" "$tool" \
          "$(echo "scale=4; ${WALL[$tool $input]} / ${WALL[duban $input]}" | bc)"
      done
    done
    echo "agreement (against duban from CSV; scores to 1e-9):"
    $PY bench/eval/product.py check "$DIR/out-duban-csv.csv" "$DIR/out-duban-parquet.csv" \
      "$DIR/out-duban-all.csv" "$DIR"/out-{duban,numpy,duckdb,polars}-csv.parquet \
      "$DIR"/out-{numpy,duckdb,polars}-{csv,parquet}.csv
    rm -f "$DIR"/out-*.csv "$DIR"/out-*.parquet
  done
done
