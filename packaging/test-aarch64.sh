#!/usr/bin/env bash
# Runs the aarch64 build on this x86_64 machine under qemu-user (Debian packages qemu-user
# and libc6-arm64-cross): the pure crates' test suites (core, engine, doc) built for aarch64
# with cargo-zigbuild, then the release binary itself: parse the seed plan, run an
# evaluation, and serve on SQLite until /readyz answers. Prints the figures.
#
#   packaging/test-aarch64.sh [RELEASE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
sysroot=/usr/aarch64-linux-gnu
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L $sysroot"
target=aarch64-unknown-linux-gnu
bin="${1:-${CARGO_TARGET_DIR:-target}/$target/release/duban}"

echo "==> unit and property tests of duban-core, duban-engine, duban-doc on aarch64 (qemu-user)"
start=$(date +%s)
log=$(mktemp)
status=0
cargo-zigbuild test --locked --target "$target.2.28" -p duban-core -p duban-engine -p duban-doc >"$log" 2>&1 || status=$?
grep -E '^test result|FAILED|panicked|^error' "$log" || true
awk '/^test result:/ { p += $4; f += $6 } END { printf "aarch64: %d passed, %d failed\n", p, f }' "$log"
echo "tests took $(( $(date +%s) - start )) s (build included)"
rm -f "$log"
[ "$status" -eq 0 ] || { echo "FAILED: the aarch64 tests (exit $status)"; exit 1; }

echo "==> the release binary under qemu-aarch64: $bin"
file "$bin" | sed 's/, BuildID.*//'
run() { qemu-aarch64 -L "$sysroot" "$bin" "$@"; }
t0=$(date +%s.%N)
tasks=$(run plan parse data/seed/*.txt --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["tasks"]))')
t1=$(date +%s.%N)
echo "plan parse (seed): $tasks tasks in $(python3 -c "print(round($t1-$t0,2))") s"
run eval run --data data/demo/eval/zhejiang-cities-demo.csv --spec data/demo/eval/spec.toml --format csv | head -3
t2=$(date +%s.%N)
echo "eval run (demo): $(python3 -c "print(round($t2-$t1,2))") s"
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run serve --data-dir "$dir" --addr "127.0.0.1:$port" > "$dir/serve.log" 2>&1 &
pid=$!
ok=""
for i in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ok=$i; break; fi
  sleep 0.5
done
plans=$(curl -fsS "http://127.0.0.1:$port/login" | grep -c '登录' || true)
kill "$pid"; wait "$pid" 2>/dev/null || true
rm -rf "$dir"
[ -n "$ok" ] || { echo "FAILED: serve under qemu did not become ready"; exit 1; }
echo "serve (SQLite, seed loaded) ready after $(python3 -c "print($ok*0.5)") s; login page served ($plans)"
