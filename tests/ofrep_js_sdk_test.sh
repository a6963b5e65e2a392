#!/usr/bin/env bash
# Starts `sluice serve` on a free loopback port with the scenario flags and drives it with the
# real OpenFeature JavaScript SDK and OFREP provider (tests/ofrep-js). Exit 77 (skipped) when the
# npm packages are not installed, except under CI=true, where that is a failure.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
sluice=${1:?usage: ofrep_js_sdk_test.sh PATH_TO_SLUICE}
js="$root/tests/ofrep-js"
if [ ! -d "$js/node_modules/@openfeature/ofrep-provider" ] || ! command -v node >/dev/null; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: $js/node_modules is missing (scripts/install-deps installs it)"; exit 1
  fi
  echo "SKIP: node or $js/node_modules missing; run scripts/install-deps"; exit 77
fi
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
SLUICE_ADMIN_TOKEN=ci-secret "$sluice" serve --listen 127.0.0.1:0 --store "sqlite:$dir/sluice.db" \
  --flags-dir "$root/examples/flags" >"$dir/log" 2>&1 &
pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$dir/log" | head -n 1)
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then echo "FAIL: sluice serve did not start"; cat "$dir/log"; exit 1; fi
SLUICE_URL="http://127.0.0.1:$port" SLUICE_TOKEN=ci-secret timeout 60 node "$js/check.mjs"
