#!/usr/bin/env bash
# Runs every fuzz target of fuzz/Cargo.toml for SECONDS each (default 600) and prints, per
# target, the executions and the crashes found. A bench/maintenance command, not CI.
#
#   fuzz/run-all.sh [SECONDS] [TARGET…]
#
# Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Crash inputs are kept
# under fuzz/artifacts/TARGET/, the growing corpus under fuzz/corpus/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n 's/^name = "\(.*\)"/\1/p' Cargo.toml | grep -v '^duban-fuzz$')
fi
printf '%-20s %12s %8s %8s\n' target executions crashes seconds
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  before=$(find "artifacts/$t" -type f | wc -l)
  log=$(mktemp)
  start=$(date +%s)
  features=()
  if [ "$t" = api_bodies ]; then features=(--features web); fi
  cargo +nightly fuzz run "${features[@]}" "$t" "corpus/$t" -- -max_total_time="$seconds" -print_final_stats=1 \
    -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1 || status=1
  took=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  after=$(find "artifacts/$t" -type f | wc -l)
  printf '%-20s %12s %8s %8s\n' "$t" "${execs:-?}" "$(( after - before ))" "$took"
  if [ "$after" -gt "$before" ]; then grep -m5 -E 'panicked|ERROR' "$log" || true; fi
  rm -f "$log"
done
exit "$status"
