"""Fixtures for the tests of scripts/analyze_benchmarks.py.

The script is always run as a subprocess in a clean copy of the repository (the files
git tracks plus the untracked ones it does not ignore), with `python` on PATH an
interpreter WITHOUT pandas (the project's venv, which runs these tests): the script
must find Debian's /usr/bin/python3 (python3-pandas, python3-matplotlib) by itself,
as a user's `python scripts/analyze_benchmarks.py ...` must.

pal: $PAL_BIN, else build/test-release/pal (scripts/test.sh builds it just before),
else build/pal, the first that is newer than its sources and knows `--table`; else one
is built once for the session into a temporary folder. Only the slow test lets the
script build pal itself.
"""
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # page_size_fixture

import page_size_fixture  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
SCRIPTS = REPO / "scripts"
sys.path.insert(0, str(SCRIPTS))  # benchmark_analyzer: its stdlib-only modules

from benchmark_analyzer import palbin  # noqa: E402

HAS_PANDAS = "import importlib.util as u, sys; sys.exit(not (u.find_spec('pandas') and u.find_spec('matplotlib')))"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: minutes, not seconds (still run by scripts/test.sh)")


def has_pandas(python):
    return subprocess.run([python, "-c", HAS_PANDAS], capture_output=True).returncode == 0


def _usable_pal(path):
    if not (path.is_file() and os.access(path, os.X_OK)):
        return False
    if path.stat().st_mtime < palbin.newest_source(str(REPO))[0]:
        return False
    done = subprocess.run([str(path), "analyze", "--help"], capture_output=True, text=True)
    return "--table" in done.stdout + done.stderr


@pytest.fixture(scope="session")
def pal_bin(tmp_path_factory):
    """A pal that knows `analyze --table`, newer than the sources."""
    candidates = [Path(os.environ["PAL_BIN"])] if os.environ.get("PAL_BIN") else []
    candidates += [REPO / "build" / "test-release" / "pal", REPO / "build" / "pal"]
    for c in candidates:
        if _usable_pal(c):
            return str(c)
    build = tmp_path_factory.mktemp("palbuild")
    subprocess.run(["cmake", "-S", str(REPO), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                    "-DPAL_BUILD_TESTS=OFF"], check=True, capture_output=True)
    subprocess.run(["cmake", "--build", str(build), "--target", "pal_cli", "-j", str(os.cpu_count() or 2)],
                   check=True, capture_output=True)
    return str(build / "pal")


@pytest.fixture(scope="session")
def nopandas_python():
    """An interpreter without pandas (the venv running the tests)."""
    for python in (sys.executable, str(REPO / ".venv" / "bin" / "python")):
        if os.path.exists(python) and not has_pandas(python):
            return python
    pytest.skip("no interpreter without pandas to stand for the user's `python`")


@pytest.fixture(scope="session")
def system_python_has_pandas():
    if not has_pandas("/usr/bin/python3"):
        pytest.fail("/usr/bin/python3 lacks pandas or matplotlib: run scripts/install-deps.sh "
                    "(apt-get install python3-pandas python3-matplotlib)")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """The mixed corpus (2 runs) plus a page-size sweep, generated once."""
    out = tmp_path_factory.mktemp("corpus")
    gen = REPO / "tests" / "analyze" / "gen_mixed_corpus.py"
    if gen.exists():
        cmd = [sys.executable, str(gen), str(out), "--seed", "3", "--runs", "2"]
    else:  # before the mixed generator existed
        cmd = [sys.executable, str(REPO / "benchmarks" / "analyze" / "gen_corpus.py"), str(out), "--files", "40"]
    subprocess.run(cmd, check=True, capture_output=True)
    page_size_fixture.write(str(out))
    return out


@pytest.fixture
def repo_copy(tmp_path, corpus, nopandas_python, system_python_has_pandas):
    """A clean copy of the repository with the corpus in .benchmarks/, and a bin folder
    whose `python` is the interpreter without pandas."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, check=True,
                           capture_output=True).stdout.decode().split("\0")
    copy = tmp_path / "repo"
    for rel in filter(None, files):
        src = REPO / rel
        if src.is_file():
            dst = copy / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    shutil.copytree(corpus, copy / ".benchmarks")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "python"  # a wrapper, not a symlink: a symlinked venv python may lose its venv
    wrapper.write_text(f'#!/bin/sh\nexec "{nopandas_python}" "$@"\n')
    wrapper.chmod(0o755)
    return copy


@pytest.fixture
def run(repo_copy, pal_bin, tmp_path):
    """run(command_line, env=None, pal=True): the shell command in the copy, `python`
    being the interpreter without pandas; PAL_BIN set unless pal=False."""

    def _run(command, env=None, pal=True, timeout=900):
        e = {k: v for k, v in os.environ.items() if not k.startswith(("PAL_ANALYZE_", "PAL_BIN"))}
        e["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{e.get('PATH', '')}"
        if pal:
            e["PAL_BIN"] = pal_bin
        e.update(env or {})
        return subprocess.run(command, shell=True, cwd=repo_copy, env=e, capture_output=True, text=True,
                              timeout=timeout)

    return _run


def input_hashes(folder):
    """sha256 of every input JSON file (results.json is an output)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).glob("*.json")) if p.name != "results.json"}
