#!/usr/bin/env bash
# Runs the whole test suite: unit tests, and integration tests against real Kestrel/TLS,
# a WireMock.Net CRM, a real redis-server and headless Chromium. Installs redis-server, openssl, curl and chromium through
# apt-get where they are missing. Ends with one line: "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# The console's end-to-end tests drive this Chromium; Playwright never downloads a browser.
[ -x /usr/bin/chromium ] || missing+=(chromium)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} (needed by the integration tests)..."
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { echo "Could not install ${missing[*]}; install them and run again."; echo "0 passed, 1 failed"; exit 1; }
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Gateway.sln --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# One "Passed!/Failed!  - Failed: F, Passed: P, Skipped: S, Total: T" line per test assembly.
read -r passed failed skipped < <(sed -n 's/.*Failed: *\([0-9]*\), Passed: *\([0-9]*\), Skipped: *\([0-9]*\),.*/\2 \1 \3/p' "$log" \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test failed before reporting a failing test (build error or crashed test host)."
  failed=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
