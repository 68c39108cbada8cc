#!/usr/bin/env bash
# test.sh - the whole test suite, from a clean clone: installs what is missing,
# then builds and runs every test twice: a Release build with -Werror, and a
# Debug build with AddressSanitizer + UndefinedBehaviorSanitizer. With the
# Release run it also tests the Python package (pytest in .venv/).
#   scripts/test.sh            both configurations
#   scripts/test.sh --release  the Release configuration only (quick loop)
set -euo pipefail
cd "$(dirname "$0")/.."

configs=(release asan)
case "${1:-}" in
  --release) configs=(release) ;;
  --asan) configs=(asan) ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--release|--asan]" >&2; exit 2 ;;
esac

scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

for cfg in "${configs[@]}"; do
  dir=build/test-$cfg
  case $cfg in
    release) flags=(-DCMAKE_BUILD_TYPE=Release -DPAL_WERROR=ON) ;;
    asan) flags=(-DCMAKE_BUILD_TYPE=Debug -DPAL_WERROR=ON -DPAL_SANITIZE=ON) ;;
  esac
  echo "==> [$cfg] configure + build ($dir)"
  cmake -S . -B "$dir" "${flags[@]}" >/dev/null
  cmake --build "$dir" -j "$jobs" >/dev/null
  echo "==> [$cfg] ctest"
  # OpenMP keeps worker threads alive at exit; that is not a leak of ours.
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs"
  coverage_log=$dir/Testing/Temporary/LastTest.log
done
# --- python: the `pal` package, with the Release configuration
if [[ " ${configs[*]} " == *" release "* ]]; then
  echo "==> [python] .venv + pal package (scripts/python-env.sh)"
  scripts/python-env.sh
  echo "==> [python] pytest tests/python tests/analyze/python"
  # tests/analyze/python: scripts/analyze_benchmarks.py end to end (it finds Debian's
  # python3 with pandas + matplotlib itself; the pal it runs is build/test-release/pal)
  .venv/bin/python -m pytest -q -p no:cacheprovider tests/python tests/analyze/python
  configs+=(python)
fi
echo "==> all test configurations passed: ${configs[*]}"
# Which ISA levels the kernel tests really ran at here, and which this CPU
# could not run (each kernel test binary prints a [ COVERAGE ] line).
if [[ -n ${coverage_log:-} && -f $coverage_log ]]; then
  grep -h '^\[ COVERAGE \]' "$coverage_log" | sort -u | sed 's/^/    /'
  ran=$(grep -h '^\[ COVERAGE \]' "$coverage_log" | sed 's/.*tested:\(.*\);.*/\1/' | tr ' ' '\n' |
        grep -v '^$' | sort -u | tr '\n' ' ')
  skipped=$(grep -h '^\[ COVERAGE \]' "$coverage_log" | sed 's/.*(no hardware):\(.*\)/\1/' |
            tr ' ' '\n' | grep -v '^$\|^none$' | sort -u | tr '\n' ' ')
  echo "==> ISA coverage: kernel tests ran at: ${ran:-none}; skipped for lack of hardware: ${skipped:-none}"
fi
