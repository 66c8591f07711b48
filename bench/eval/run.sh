#!/usr/bin/env bash
# Evaluation engine benchmark: duban vs numpy, pymcdm, scikit-criteria, pyrepo-mcda, DuckDB,
# polars. One command:  bench/eval/run.sh
# Makes bench/eval/.venv, release-builds only the engine's bench example (not the CLI), writes
# the matrices to bench/data/eval/ and prints medians and ratios to duban.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=bench/eval/.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet numpy scipy pymcdm scikit-criteria pyrepo-mcda duckdb polars threadpoolctl
fi
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet -p duban-engine --example eval_bench
export DUBAN_EVAL_BENCH="$TARGET/release/examples/eval_bench"
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set on this machine for old OpenBLAS builds and slow
# a current numpy: unset for this command only (never in tests or CI).
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python" -W ignore bench/eval/bench.py "$@"
