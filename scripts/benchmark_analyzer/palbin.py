"""Finding the `pal` executable, building it when it is missing or stale.

Like scripts/benchmarks.sh: a Release build in build/ (`cmake -S . -B build
-DCMAKE_BUILD_TYPE=Release -DPAL_BUILD_TESTS=OFF`, after scripts/install-deps.sh).

Order: $PAL_BIN when set (used as is); else build/pal when it is newer than every
file it is built from (src/, include/, cmake/, CMakeLists.txt); else a build.
The freshness test is a scan of file dates (a few milliseconds), not
`cmake --build`: make's own up-to-date walk over the project takes seconds, more
than the whole analysis. When the build is needed it is cmake's incremental build
of the `pal_cli` target only (configure first when build/ has no CMake cache).
A failed build is an error: a stale build/pal is never used silently
(PAL_BIN=build/pal uses it on purpose).
Standard library only.
"""
from __future__ import annotations

import os
import subprocess
from typing import Callable, List, Optional, Tuple

ENV_PAL_BIN = "PAL_BIN"
BUILD_DIR = "build"
TARGET = "pal_cli"  # CMakeLists.txt: add_executable(pal_cli ...), OUTPUT_NAME pal
SOURCES = ("src", "include", "cmake", "CMakeLists.txt")
CONFIGURE = ("-DCMAKE_BUILD_TYPE=Release", "-DPAL_BUILD_TESTS=OFF")


class PalError(Exception):
    """pal cannot be found or built; the message says why and what to do."""


def newest_source(root: str) -> Tuple[float, Optional[str]]:
    """The newest modification time among pal's sources, and that file."""
    best, best_path = 0.0, None
    stack = [os.path.join(root, s) for s in SOURCES]
    while stack:
        path = stack.pop()
        try:
            if os.path.isdir(path):
                with os.scandir(path) as it:
                    for entry in it:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file():
                            m = entry.stat().st_mtime
                            if m > best:
                                best, best_path = m, entry.path
            elif os.path.isfile(path):
                m = os.stat(path).st_mtime
                if m > best:
                    best, best_path = m, path
        except OSError:
            continue
    return best, best_path


def _run(cmd: List[str], root: str, verbose: bool, log: Callable[[str], None]) -> None:
    """Runs a build step; its output is shown with --verbose or when it fails."""
    log("$ " + " ".join(cmd))
    try:
        done = subprocess.run(cmd, cwd=root, stdout=None if verbose else subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        raise PalError(f"cannot run {cmd[0]}: {e.strerror}; run scripts/install-deps.sh (as root) first")
    if done.returncode != 0:
        tail = "" if verbose else "\n" + "\n".join((done.stdout or "").splitlines()[-30:])
        raise PalError(f"`{' '.join(cmd)}` failed (exit {done.returncode}){tail}")


def build(root: str, jobs: int, verbose: bool, log: Callable[[str], None]) -> str:
    """Configures (when build/ has no cache) and builds pal; returns its path."""
    build_dir = os.path.join(root, BUILD_DIR)
    if not os.path.isfile(os.path.join(build_dir, "CMakeCache.txt")):
        deps = os.path.join(root, "scripts", "install-deps.sh")
        if os.path.isfile(deps):
            log("checking build dependencies (scripts/install-deps.sh)")
            # Missing packages it cannot install (not root) are reported by it; the
            # build below then says what failed.
            subprocess.run([deps], cwd=root)
        _run(["cmake", "-S", ".", "-B", BUILD_DIR, *CONFIGURE], root, verbose, log)
    _run(["cmake", "--build", BUILD_DIR, "--target", TARGET, "-j", str(jobs)], root, verbose, log)
    exe = os.path.join(build_dir, "pal")
    if not os.access(exe, os.X_OK):
        raise PalError(f"the build finished but {exe} is not there")
    return exe


def find_or_build(root: str, verbose: bool, log: Callable[[str], None]) -> str:
    """The pal executable to run (see the module docstring for the order)."""
    env = os.environ.get(ENV_PAL_BIN)
    if env:
        if not (os.path.isfile(env) and os.access(env, os.X_OK)):
            raise PalError(f"{ENV_PAL_BIN}={env} is not an executable file")
        if verbose:
            log(f"using {ENV_PAL_BIN}={env}")
        return env
    exe = os.path.join(root, BUILD_DIR, "pal")
    rel = os.path.relpath(exe)
    jobs = os.cpu_count() or 2
    if not os.path.exists(exe):
        log(f"{rel} not found: building it (Release, like scripts/benchmarks.sh)")
        return build(root, jobs, verbose, log)
    newest, path = newest_source(root)
    if os.stat(exe).st_mtime >= newest:
        if verbose:
            log(f"using {rel} (newer than its sources)")
        return exe
    log(f"{rel} is older than {os.path.relpath(path or root, root)}: rebuilding it (cmake --build, incremental)")
    return build(root, jobs, verbose, log)
