#!/usr/bin/env bash
# benchmarks.sh - the seed's benchmark interface over `pal bench`, the Python
# suite (pytest-benchmark, benchmarks/python) and `pal analyze`.
#   --run [all|py|cpp|py_pal|py_sdpa|cpp_pal|cpp_sdpa]   run suites (default all)
#   --reset      delete .benchmarks/ first        --analyze   analyze .benchmarks/
#   --quick      reduced sweep (about a minute)   --help      this text
# The exit status is 3 when nothing requested could run, non-zero when a suite
# or the analysis failed.
set -euo pipefail
trap 'echo "benchmarks.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."

usage() { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; }
log() { printf '[%s] %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*"; }

run="" reset=0 analyze=0 quick=()
for a in "$@"; do [[ $a == --help || $a == -h ]] && { usage; exit 0; }; done
while [[ $# -gt 0 ]]; do
  case $1 in
    --run)
      run=all
      if [[ $# -gt 1 && $2 != --* ]]; then run=$2; shift; fi ;;
    --reset) reset=1 ;;
    --analyze) analyze=1 ;;
    --quick) quick=(--quick) ;;
    *) echo "benchmarks.sh: unknown argument '$1'" >&2; usage >&2; exit 1 ;;
  esac
  shift
done
[[ -z $run && $reset -eq 0 && $analyze -eq 0 ]] && run=all analyze=1
case $run in
  ""|all|py|cpp|py_pal|py_sdpa|cpp_pal|cpp_sdpa) ;;
  *) echo "benchmarks.sh: unknown --run target '$run'" >&2; usage >&2; exit 1 ;;
esac

ran=0 missing=()
scripts/install-deps.sh
log "building (Release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPAL_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
build/pal info

if [[ $reset -eq 1 ]]; then log "reset: removing .benchmarks/"; rm -rf .benchmarks; fi
mkdir -p .benchmarks

case $run in
  all|cpp) cpp=(all) ;;
  cpp_pal) cpp=(pal) ;;
  cpp_sdpa) cpp=(sdpa) ;;
  *) cpp=() ;;
esac
# The full sweep caps each instance at 1 s (pal bench's own default is 2 s) so
# that the main job, C and Python, ends within ~10 minutes on 2 cores; most
# instances stop on the noise target or with hundreds of repetitions anyway.
cap=(--max-time 1)
[[ ${#quick[@]} -gt 0 ]] && cap=()
for target in "${cpp[@]}"; do
  kernel=()
  [[ $target != all ]] && kernel=(--kernel "$target")
  log "pal bench --target $target ${kernel[*]} ${quick[*]} ${cap[*]}"
  start=$SECONDS
  build/pal bench --out-dir .benchmarks --target "$target" "${kernel[@]}" "${quick[@]}" "${cap[@]}"
  log "cpp $target done in $((SECONDS - start)) s"
  ran=1
done
# --- python suite (begin): pytest-benchmark over the `pal` package (issue 5)
case $run in
  all|py) py=(all) ;;
  py_pal) py=(pal) ;;
  py_sdpa) py=(sdpa) ;;
  *) py=() ;;
esac
if [[ ${#py[@]} -gt 0 ]]; then scripts/python-env.sh; fi
for target in "${py[@]}"; do
  select=()
  [[ $target != all ]] && select=(-k "test_${target}_")
  out=.benchmarks/py_${target}_paged_attention_$(date +%Y%m%d_%H%M%S).json
  log "pytest-benchmark --target $target ${quick[*]} -> $out"
  start=$SECONDS
  # --pal-quick: the same reduced sweep as pal bench --quick
  .venv/bin/python -m pytest benchmarks/python/test_paged_attention.py "${select[@]}" \
    -q -p no:cacheprovider --benchmark-only --benchmark-json="$out" \
    --benchmark-columns=min,median,mean,rounds --benchmark-warmup=on \
    ${quick:+--pal-quick --benchmark-max-time=0.25} ${cap:+--benchmark-max-time=0.5}
  log "py $target done in $((SECONDS - start)) s"
  ran=1
done
# --- python suite (end)
analyze_rc=0
if [[ $analyze -eq 1 ]]; then
  log "pal analyze .benchmarks .benchmarks"
  build/pal analyze .benchmarks .benchmarks || analyze_rc=$?
  ran=1
fi
for m in "${missing[@]}"; do echo "benchmarks.sh: $m" >&2; done
if [[ $ran -eq 0 ]]; then exit 3; fi
log "results in .benchmarks/"
if [[ $analyze_rc -ne 0 ]]; then exit "$analyze_rc"; fi
