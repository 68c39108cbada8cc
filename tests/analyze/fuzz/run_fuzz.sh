#!/usr/bin/env bash
# run_fuzz.sh FUZZER SEED_DIR SECONDS - run a libFuzzer target for a bounded
# time. New inputs go to a temporary corpus; the committed seeds are read only.
set -euo pipefail
fuzzer=$1 seeds=$2 secs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$fuzzer" "$work" "$seeds" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/" 2>&1 | tail -n 12
