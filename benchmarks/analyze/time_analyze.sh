#!/usr/bin/env bash
# time_analyze.sh [PAL] [FILES] - time `pal analyze` on a generated corpus
# (gen_corpus.py: Google Benchmark, pytest-benchmark and NVBench files,
# ~25 rows each) with all plots, and on a few dozen files. Prints wall times.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pal=${1:-build/pal}
files=${2:-4000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_corpus.py" "$work/big" --files "$files" >/dev/null
python3 "$here/gen_corpus.py" "$work/small" --files 40 >/dev/null
"$pal" analyze "$work/small" "$work/warm" >/dev/null # page cache, gnuplot's fonts
t() { # label dir args...
  local label=$1; shift
  local s e
  s=$EPOCHREALTIME
  "$pal" analyze "$@" >/dev/null || true
  e=$EPOCHREALTIME
  awk -v l="$label" -v s="$s" -v e="$e" 'BEGIN { printf "%-40s %6.3f s\n", l, e - s }'
}
echo "pal analyze timings ($(nproc) cores)"
t "40 files, all plots" "$work/small" "$work/o1"
t "$files files, all plots" "$work/big" "$work/o2"
t "$files files, --no-plots" "$work/big" "$work/o3" --no-plots
t "$files files, --all-runs, all plots" "$work/big" "$work/o4" --all-runs
