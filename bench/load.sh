#!/usr/bin/env bash
# The end-to-end load benchmark (docs/performance.md): upstream direct, nginx over TLS, bare
# YARP and the gateway with each stage on and off, on loopback. Installs wrk, h2load, nginx and
# redis-server through apt-get where they are missing. Options: --quick (a smoke run of under a
# minute), --rounds N, --update-docs (writes the results into docs/performance.md),
# --memory-only (only the 50 x 10 MB memory test), --variant NAME / --body NAME (repeatable: only
# the throughput of those, e.g. --variant "full gateway" --body "1 KB"; with --memory-only, only
# the memory of those variants), --fixed-rate (with --variant: also their fixed-rate latency runs),
# --compare-with DIR [--pairs N] (this build's full gateway and the one in DIR, another build's
# output directory, running at once and loaded in alternating slices of 1 KB or of one --body),
# --compare-variant NAME [--pairs N] (the same against one of this build's variants, e.g.
# "bare YARP"), --compare-env NAME=VALUE (repeatable: an environment variable for the compared
# gateway alone, e.g. DOTNET_GCgen0size=0 against the deployed 64 MB gen-0 budget every gateway
# variant runs with), --rate N (a comparison's slices at N requests/s from h2load, reporting p50/p99
# latency instead of throughput, e.g. --compare-variant "bare YARP" --rate 5700 for the p99 target),
# --growing-audit-stream (redis-server's audit stream grows through each run, as in a gateway's
# first retention period, instead of being kept at its last 2 s as a gateway older than it keeps it),
# --serve [--variant NAME]... (start the full gateway and bare YARP, or the named variants, warmed up,
# print their addresses and process ids, and keep them running for profiling by hand until stopped).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} (needed by the load benchmark)..."
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

dotnet build -c Release tests/Gateway.Benchmarks --nologo -v quiet
exec dotnet tests/Gateway.Benchmarks/bin/Release/net10.0/Gateway.Benchmarks.dll load "$@"
