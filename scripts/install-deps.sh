#!/usr/bin/env bash
# install-deps.sh - install the Debian packages PAL needs, only those missing.
# Run as root (CI and the dev machines are); otherwise it prints the command.
# Every package is named in README.md's dependency list with its reason.
set -euo pipefail

missing=()
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
need_header() { # header, extra compiler flags, package
  echo "#include <$1>" | cc $2 -x c -E - >/dev/null 2>&1 || missing+=("$3")
}

need_cmd cc gcc
need_cmd make make
need_cmd cmake cmake
need_cmd pkg-config pkg-config
# pal analyze draws its plots with gnuplot (PNG via cairo, SVG)
need_cmd gnuplot gnuplot-nox
# the analyzer's fuzz targets (libFuzzer) build with clang and its runtime
need_cmd clang clang
echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }' |
  clang -fsanitize=fuzzer -x c - -o /dev/null >/dev/null 2>&1 || missing+=(libclang-rt-dev)
# the test suite runs Google Benchmark's compare.py (Debian's python3) on pal bench output
[[ -f /usr/share/benchmark/compare.py ]] || missing+=(libbenchmark-tools)
/usr/bin/python3 -c 'import numpy, scipy' >/dev/null 2>&1 || missing+=(python3-numpy python3-scipy)
# scripts/analyze_benchmarks.py (the seed guide's analyzer command) runs its Python plotters
# under Debian's python3 when `python` lacks them: pandas reads pal analyze's table, matplotlib draws
/usr/bin/python3 -c 'import pandas, matplotlib' >/dev/null 2>&1 || missing+=(python3-pandas python3-matplotlib)
# the Python package (scripts/python-env.sh): a venv with pip, and Python.h for its C extension
/usr/bin/python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
/usr/bin/python3 -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(
  sysconfig.get_paths()["include"], "Python.h")))' >/dev/null 2>&1 || missing+=(python3-dev)
if command -v cc >/dev/null 2>&1; then
  need_header omp.h -fopenmp libgomp1
  need_header "stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h" "" libcmocka-dev
  need_header jansson.h "" libjansson-dev
fi

[[ ${#missing[@]} -eq 0 ]] && exit 0
pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing: $pkgs" >&2
  echo "install-deps: as root run: apt-get update && apt-get install -y $pkgs" >&2
  exit 1
fi
echo "install-deps: installing $pkgs" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
# A fresh machine may lack the compiler too; the header checks need it.
if [[ " $pkgs " == *" gcc "* ]]; then exec "$0"; fi
