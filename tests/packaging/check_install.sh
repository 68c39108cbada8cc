#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds the README example
# against it twice: as a CMake project with find_package(PAL), and with
# pkg-config. Both binaries must run.
set -euo pipefail
build=$1 consumer=$2 example=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$consumer" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
      -DPAL_EXAMPLE="$example" >/dev/null
cmake --build "$tmp/cmake-build" >/dev/null
"$tmp/cmake-build/consumer_shared"
"$tmp/cmake-build/consumer_static"
libdir=$(ls -d "$tmp"/prefix/lib*/pkgconfig | head -n1)
export PKG_CONFIG_PATH=$libdir
cc -std=c11 "$example" $(pkg-config --cflags pal) $(pkg-config --libs --static pal) \
   -Wl,-rpath,"$(dirname "$libdir")" -o "$tmp/pc_consumer"
"$tmp/pc_consumer"
echo "install check: find_package(PAL) and pkg-config pal both work"
