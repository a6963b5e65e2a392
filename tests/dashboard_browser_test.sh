#!/usr/bin/env bash
# The web dashboard in headless Chromium (Debian's) driven by playwright-core, against a real
# `sluice demo` (dashboard/tests/browser.mjs), after the unit tests of its pure modules
# (dashboard/tests/unit.test.mjs). Exit 77 (skipped) when chromium, node or the npm packages are
# missing, except under CI=true, where that is a failure. Screenshots go to $SCREENSHOT_DIR
# (default BUILD/tests/screenshots beside the binary: the ctest folder's);
# SLUICE_UPDATE_SCREENSHOTS=1 also copies them to docs/screenshots/.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
sluice=${1:?usage: dashboard_browser_test.sh PATH_TO_SLUICE}
chromium=${CHROMIUM:-/usr/bin/chromium}
missing=""
[ -x "$chromium" ] || missing="$chromium"
command -v node >/dev/null || missing="$missing node"
[ -d "$root/dashboard/node_modules/playwright-core" ] || missing="$missing dashboard/node_modules"
if [ -n "$missing" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: missing $missing (scripts/install-deps installs them)"; exit 1
  fi
  echo "SKIP: missing $missing; run scripts/install-deps"; exit 77
fi
# The pure modules first (no browser, no server): a parser bug reads better here than as a timeout.
if ! unit=$(node --test "$root/dashboard/tests/unit.test.mjs" 2>&1); then
  echo "$unit"; echo "FAIL: dashboard unit tests"; exit 1
fi
dir=$(mktemp -d)
# The script stops the demo itself; this catches a script killed by the timeout.
trap 'pid=$(cat "$dir/demo.pid" 2>/dev/null); [ -n "$pid" ] && kill -- -"$pid" 2>/dev/null; rm -rf "$dir"' EXIT
SCREENSHOT_DIR=${SCREENSHOT_DIR:-$(cd "$(dirname "$sluice")" && pwd)/tests/screenshots} SLUICE_DEMO_PID_FILE="$dir/demo.pid" CHROMIUM="$chromium" \
  timeout 100 node "$root/dashboard/tests/browser.mjs" "$sluice"
