#!/usr/bin/env bash
# benchmarks.sh - the seed's benchmark interface (--run, --reset, --analyze).
# Today it builds libpal and the `pal` CLI and prints what this machine runs;
# the benchmark runner (issue 3), the Python suite (issue 5) and the analyzer
# (issue 4) are not there yet, and the targets that need them say so and fail.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'USAGE'
usage: scripts/benchmarks.sh [--run [all|py|cpp|py_pal|py_sdpa|cpp_pal|cpp_sdpa]] [--reset] [--analyze]
  --run TARGET  run benchmark suites (default target: all)
  --reset       delete .benchmarks/ first
  --analyze     analyze .benchmarks/ into plots and results.json
  --help        this text
USAGE
}

run="" reset=0 analyze=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --run)
      run=all
      if [[ $# -gt 1 && $2 != --* ]]; then run=$2; shift; fi ;;
    --reset) reset=1 ;;
    --analyze) analyze=1 ;;
    --help|-h) usage; exit 0 ;;
    *) echo "benchmarks.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[[ -z $run && $reset -eq 0 && $analyze -eq 0 ]] && { usage; exit 0; }
case $run in
  ""|all|py|cpp|py_pal|py_sdpa|cpp_pal|cpp_sdpa) ;;
  *) echo "benchmarks.sh: unknown --run target '$run'" >&2; usage >&2; exit 2 ;;
esac

scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPAL_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
build/pal info

[[ $reset -eq 1 ]] && rm -rf .benchmarks
status=0
if [[ -n $run ]]; then
  echo "benchmarks.sh: --run $run: the benchmark runner (pal bench) is not there yet (issue 3)" >&2
  status=3
fi
if [[ $analyze -eq 1 ]]; then
  echo "benchmarks.sh: --analyze: the analyzer (pal analyze) is not there yet (issue 4)" >&2
  status=3
fi
exit $status
