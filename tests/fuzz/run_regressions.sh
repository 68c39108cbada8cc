#!/usr/bin/env bash
# run_regressions.sh FUZZER DIR - replay every reproducer in DIR (all files
# but *.md) through the fuzz target once; a libFuzzer binary given file paths
# runs just those inputs. Reports every failing file; an empty DIR passes.
set -uo pipefail
fuzzer=$1 dir=$2
shopt -s nullglob
failed=0 n=0
for f in "$dir"/*; do
  [ -f "$f" ] || continue
  case "$f" in *.md) continue ;; esac
  n=$((n + 1))
  if out=$("$fuzzer" -runs=1 "$f" 2>&1); then
    echo "ok    $(basename "$f")"
  else
    failed=$((failed + 1))
    echo "FAIL  $(basename "$f")"
    printf '%s\n' "$out" | grep -E 'fuzz_kernels: FAILED|ERROR: (Address|Undefined|libFuzzer)|runtime error|SUMMARY' | head -n 5
  fi
done
echo "$n reproducer(s), $failed failing"
[ "$failed" -eq 0 ]
