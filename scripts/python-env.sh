#!/usr/bin/env bash
# python-env.sh - the Python side's virtual environment, from nothing:
# creates .venv/ (Debian's python3 unless PAL_PYTHON names another), installs
# NumPy, pytest, pytest-benchmark and the build backend scikit-build-core into
# it (ml_dtypes too, optional), then builds and installs the `pal` package from
# python/ (its C extension and libpal, through the project's CMake, in
# build/python). Re-running is cheap: pal is rebuilt only when its sources changed.
#   scripts/python-env.sh            set up / update .venv
#   .venv/bin/python -m pytest tests/python
set -euo pipefail
cd "$(dirname "$0")/.."

py=${PAL_PYTHON:-/usr/bin/python3}
venv=.venv
if [[ ! -x $venv/bin/python ]]; then
  echo "python-env: creating $venv with $py" >&2
  "$py" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)
if ! "$venv/bin/python" -c 'import numpy, pytest, pytest_benchmark, scikit_build_core' 2>/dev/null
then
  echo "python-env: installing numpy pytest pytest-benchmark scikit-build-core" >&2
  "${pip[@]}" install numpy pytest pytest-benchmark 'scikit-build-core>=0.10'
fi
# optional: lets the tests exercise ml_dtypes.bfloat16 arrays; fine without
"$venv/bin/python" -c 'import ml_dtypes' 2>/dev/null || "${pip[@]}" install ml_dtypes ||
  echo "python-env: ml_dtypes not installed (optional; bf16 works as uint16)" >&2

# Rebuild pal only when something it is built from changed.
stamp=$venv/.pal-build-stamp
sum=$(find python/pyproject.toml python/CMakeLists.txt python/src python/pal CMakeLists.txt \
        include src/kernels -type f \( -name '*.[ch]' -o -name '*.py' -o -name '*.txt' \
        -o -name '*.toml' -o -name '*.in' \) -print0 | sort -z | xargs -0 sha256sum | sha256sum)
if [[ -f $stamp && $(cat "$stamp") == "$sum" ]] && "$venv/bin/python" -c 'import pal' 2>/dev/null
then
  exit 0
fi
echo "python-env: building and installing pal (python/ -> $venv)" >&2
rm -f "$stamp"
"${pip[@]}" install --no-build-isolation \
  --config-settings=build-dir="$PWD/build/python" \
  --config-settings=cmake.define.PAL_WERROR=ON ./python
echo "$sum" >"$stamp"
