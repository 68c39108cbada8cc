#!/usr/bin/env bash
# benchmarks.sh - the seed's benchmark interface over `pal bench`, the Python
# suite (pytest-benchmark, benchmarks/python) and `pal analyze`.
#   --run [all|py|cpp|py_pal|py_sdpa|cpp_pal|cpp_sdpa]   run suites (default all)
#   --reset      delete .benchmarks/ first        --analyze   analyze .benchmarks/
#   --quick      reduced sweep                    --help      this text
#   --budget MIN the whole job in MIN minutes (default 10, --quick 2; 0: the
#                full sweep, untrimmed): pal bench plans both suites from a pilot
#                and lists what it trimmed or dropped, and why
# The exit status is 3 when nothing requested could run, non-zero when a suite
# or the analysis failed.
set -euo pipefail
trap 'echo "benchmarks.sh: failed at line $LINENO" >&2' ERR
cd "$(dirname "$0")/.."
start=$SECONDS # the budget counts from here

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
log() { printf '[%s] %s\n' "$(date '+%Y-%m-%d %H:%M:%S')" "$*"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown; }

run="" reset=0 analyze=0 quick=() budget_min=""
for a in "$@"; do [[ $a == --help || $a == -h ]] && { usage; exit 0; }; done
while [[ $# -gt 0 ]]; do
  case $1 in
    --run)
      run=all
      if [[ $# -gt 1 && $2 != --* ]]; then run=$2; shift; fi ;;
    --reset) reset=1 ;;
    --analyze) analyze=1 ;;
    --quick) quick=(--quick) ;;
    --budget)
      [[ $# -gt 1 && $2 =~ ^[0-9]+([.][0-9]+)?$ ]] ||
        { echo "benchmarks.sh: --budget needs minutes (a number)" >&2; exit 1; }
      budget_min=$2; shift ;;
    *) echo "benchmarks.sh: unknown argument '$1'" >&2; usage >&2; exit 1 ;;
  esac
  shift
done
[[ -z $run && $reset -eq 0 && $analyze -eq 0 ]] && run=all analyze=1
case $run in
  ""|all|py|cpp|py_pal|py_sdpa|cpp_pal|cpp_sdpa) ;;
  *) echo "benchmarks.sh: unknown --run target '$run'" >&2; usage >&2; exit 1 ;;
esac
# The default budget: the main job in 10 minutes on a 2-core host (the full
# sweep took 24.5 min there: prefill at 8192 tokens and the 8k-32k model
# configurations cost 11-16 s per call), the quick sweep in 2.
if [[ -z $budget_min ]]; then budget_min=10; [[ ${#quick[@]} -gt 0 ]] && budget_min=2; fi
budget_s=$(awk -v m="$budget_min" 'BEGIN { printf "%d", m * 60 }')
# kept back for `pal analyze` (2 s on a full .benchmarks/ here)
analyze_reserve=10
[[ $analyze -eq 0 ]] && analyze_reserve=0
# Rounds: every instance is measured in ROUNDS interleaved passes (order
# shuffled per round, seed recorded), so host drift touches paged and dense
# alike; the budget covers them.
rounds=3

ran=0 missing=()
log "host load average at start: $(loadavg) ($(nproc 2>/dev/null || echo '?') CPUs)"
scripts/install-deps.sh
log "building (Release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPAL_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
build/pal info

if [[ $reset -eq 1 ]]; then log "reset: removing .benchmarks/"; rm -rf .benchmarks; fi
mkdir -p .benchmarks/plans
stamp=$(date +%Y%m%d_%H%M%S)

case $run in
  all|cpp) cpp=(all) ;;
  cpp_pal) cpp=(pal) ;;
  cpp_sdpa) cpp=(sdpa) ;;
  *) cpp=() ;;
esac
# --- python suite: pytest-benchmark over the `pal` package
case $run in
  all|py) py=(all) ;;
  py_pal) py=(pal) ;;
  py_sdpa) py=(sdpa) ;;
  *) py=() ;;
esac
# set up before the budget is split: a rebuild of the package counts as spent
if [[ ${#py[@]} -gt 0 ]]; then scripts/python-env.sh; fi
# the C families the Python suite mirrors: the names its tests pass
py_filter="^($(grep -ho '"BM_[A-Za-z0-9_]*"' benchmarks/python/*.py | tr -d '"' | sort -u | paste -sd'|'))/"
kernel_of() { [[ $1 != all ]] && echo "--kernel $1"; true; }
left() { echo $((budget_s - (SECONDS - start) - analyze_reserve)); }

# The C sweep caps each instance at 1 s over its rounds (pal bench's own
# default is 2 s); --quick caps at 0.5 s.
cap=(--max-time 1)
[[ ${#quick[@]} -gt 0 ]] && cap=()
plan_c=""
for target in "${cpp[@]}"; do
  kernel=($(kernel_of "$target"))
  budget=()
  if [[ $budget_s -gt 0 ]]; then
    # Split what is left between C and Python by what a typical (cheap)
    # instance costs at the full setting in each, times the instance counts:
    # C measures it in $rounds rounds, each with a set-up of its cold working
    # sets (about 0.3 s on 2 cores), under a cap of 1 s in all; Python in one
    # pass, set-up about 1.5x C's (NumPy fills), cap 0.5 s. That is about
    # 2:1 per instance, so with 108 C and 90 Python instances C gets ~70 %.
    # Python then gets whatever C left: an overrun in C is absorbed there.
    n_c=$(build/pal bench --list "${quick[@]}" "${kernel[@]}" 2>/dev/null | wc -l)
    n_py=0
    [[ ${#py[@]} -gt 0 ]] &&
      n_py=$(build/pal bench --list "${quick[@]}" --filter "$py_filter" 2>/dev/null | wc -l)
    c_budget=$(awk -v l="$(left)" -v nc="$n_c" -v np="$n_py" -v r="$rounds" -v q="${#quick[@]}" \
      'BEGIN { cc = q ? 0.5 : 1; cp = q ? 0.25 : 0.5; wc = nc * (r * 0.3 + cc);
               wp = np * (1.5 * 0.3 + cp); printf "%d", l * wc / (wc + wp) }')
    [[ $c_budget -lt 10 ]] && c_budget=10
    plan_c=.benchmarks/plans/plan_cpp_${target}_${stamp}.json
    budget=(--budget "$c_budget" --plan-out "$plan_c")
    log "budget: ${budget_min} min in all, $(left) s left for the sweeps after the build and" \
        "$analyze_reserve s kept for the analysis: $c_budget s for C ($n_c instances)," \
        "the rest for Python ($n_py instances)"
  fi
  log "pal bench --target $target ${kernel[*]} ${quick[*]} ${cap[*]} --interleave $rounds ${budget[*]}"
  t=$SECONDS
  build/pal bench --out-dir .benchmarks --target "$target" "${kernel[@]}" "${quick[@]}" "${cap[@]}" \
    --interleave "$rounds" --no-progress "${budget[@]}"
  log "cpp $target done in $((SECONDS - t)) s (host load average now $(loadavg))"
  ran=1
done
# --- python suite
for target in "${py[@]}"; do
  select=() kernel=($(kernel_of "$target"))
  [[ $target != all ]] && select=(-k "test_${target}_")
  out=.benchmarks/py_${target}_paged_attention_$(date +%Y%m%d_%H%M%S).json
  plan=()
  if [[ $budget_s -gt 0 ]]; then
    # the same planner sizes the Python suite: the C run's measured costs
    # (its plan file), or a pilot when C did not run; nothing estimated in Python
    plan_py=.benchmarks/plans/plan_py_${target}_${stamp}.json
    costs=()
    [[ -n $plan_c && -f $plan_c ]] && costs=(--costs-from "$plan_c")
    py_budget=$(left)
    [[ $py_budget -lt 10 ]] && py_budget=10
    py_cap=0.5
    [[ ${#quick[@]} -gt 0 ]] && py_cap=0.25
    log "budget: $py_budget s for Python (plan: $plan_py)"
    build/pal bench --plan-only --no-probe --no-progress --plan-for python --budget "$py_budget" \
      --max-time "$py_cap" --filter "$py_filter" "${kernel[@]}" "${quick[@]}" "${costs[@]}" \
      --plan-out "$plan_py" >"${plan_py%.json}.txt"
    sed -n '/^budget:/p' "${plan_py%.json}.txt"
    plan=(--pal-plan "$plan_py")
  fi
  log "pytest-benchmark --target $target ${quick[*]} -> $out"
  t=$SECONDS
  # --pal-quick: the same reduced sweep as pal bench --quick; -rs lists every
  # skipped test with its reason (the plan's drops)
  .venv/bin/python -m pytest benchmarks/python/test_paged_attention.py "${select[@]}" \
    -q -rs -p no:cacheprovider --benchmark-only --benchmark-json="$out" \
    --benchmark-columns=min,median,mean,rounds --benchmark-warmup=on "${plan[@]}" \
    ${quick:+--pal-quick --benchmark-max-time=0.25} ${cap:+--benchmark-max-time=0.5}
  log "py $target done in $((SECONDS - t)) s (host load average now $(loadavg))"
  ran=1
done
analyze_rc=0
if [[ $analyze -eq 1 ]]; then
  log "pal analyze .benchmarks .benchmarks"
  t=$SECONDS
  build/pal analyze .benchmarks .benchmarks || analyze_rc=$?
  log "analyze done in $((SECONDS - t)) s"
  ran=1
fi
for m in "${missing[@]}"; do echo "benchmarks.sh: $m" >&2; done
if [[ $ran -eq 0 ]]; then exit 3; fi
if [[ $budget_s -gt 0 ]]; then
  log "results in .benchmarks/ ($((SECONDS - start)) s of the ${budget_min} min budget;" \
      "plans and what they dropped in .benchmarks/plans/)"
else
  log "results in .benchmarks/ ($((SECONDS - start)) s, no budget)"
fi
if [[ $analyze_rc -ne 0 ]]; then exit "$analyze_rc"; fi
