"""Which Python interpreter runs the plotters.

The seed guide's command is `python scripts/analyze_benchmarks.py ...`, and `python` is
often an interpreter without pandas or matplotlib (pyenv, a project venv), while
Debian's /usr/bin/python3 has them once `python3-pandas python3-matplotlib` are
installed (scripts/install-deps.sh). So instead of failing, the script re-executes
itself under the first interpreter that has both:

  $PAL_ANALYZE_PYTHON, then REPO/.venv/bin/python, then /usr/bin/python3
  (PAL_ANALYZE_PYTHON_ONLY=1: $PAL_ANALYZE_PYTHON only, no fallbacks)

PAL_ANALYZE_REEXEC marks the re-executed process, so it never re-executes again.
pal analyze is started before the re-exec (the probes and the new interpreter's start
then overlap it): PAL_ANALYZE_CHILD hands its pid to the new process image, which
still is its parent. Standard library only: this runs before anything imports pandas.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

REQUIRED_MODULES = ("pandas", "matplotlib")
ENV_PYTHON = "PAL_ANALYZE_PYTHON"
ENV_PYTHON_ONLY = "PAL_ANALYZE_PYTHON_ONLY"
ENV_REEXEC = "PAL_ANALYZE_REEXEC"
ENV_CHILD = "PAL_ANALYZE_CHILD"  # pal analyze's pid (and the outputs' state), across the re-exec

INSTALL_HINT = (
    "install them with: sudo apt-get install python3-pandas python3-matplotlib "
    "(scripts/install-deps.sh does it), or: pip install pandas matplotlib "
    "(or pip install './python[analyze]')"
)

# Prints the required modules the interpreter lacks, comma-separated (empty: none).
_PROBE = (
    "import importlib.util as u\n"
    "print(','.join(m for m in %r if u.find_spec(m) is None))" % (REQUIRED_MODULES,)
)


def missing_here() -> List[str]:
    """The required modules the running interpreter lacks (found without importing them)."""
    return [m for m in REQUIRED_MODULES if importlib.util.find_spec(m) is None]


def _probe(python: str) -> Optional[subprocess.Popen]:
    """Starts `python` printing which required modules it lacks; None when it cannot run."""
    if not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return None
    try:
        return subprocess.Popen([python, "-c", _PROBE], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True)
    except OSError:
        return None


def _verdict(probe: Optional[subprocess.Popen]) -> Optional[List[str]]:
    """The modules a started probe reports missing; None when the interpreter failed."""
    if probe is None:
        return None
    try:
        out, _ = probe.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        probe.kill()
        probe.communicate()
        return None
    if probe.returncode != 0:
        return None
    out = out.strip()
    return out.split(",") if out else []


def missing_in(python: str) -> Optional[List[str]]:
    """The required modules `python` lacks; None when it cannot be run at all."""
    return _verdict(_probe(python))


def candidates(repo_root: str) -> List[str]:
    """The interpreters to try, in order, without duplicates or the running one.

    Paths are compared as written, not resolved: a venv's python is a symlink to the
    system one but has its own site-packages."""
    found = []
    chosen = os.environ.get(ENV_PYTHON)
    if chosen:
        found.append(chosen)
    if os.environ.get(ENV_PYTHON_ONLY, "") in ("", "0"):
        found += [os.path.join(repo_root, ".venv", "bin", "python"), "/usr/bin/python3"]
    here = os.path.abspath(sys.executable) if sys.executable else ""
    out: List[str] = []
    for p in found:
        if p not in out and os.path.abspath(p) != here:
            out.append(p)
    return out


def find_other(repo_root: str) -> Tuple[Optional[str], List[Tuple[str, str]]]:
    """The first candidate with every required module, and why each one before it was not.

    The candidates are asked at the same time (each answer costs an interpreter start).
    Returns (python or None, [(path, reason), ...])."""
    names = candidates(repo_root)
    probes = [_probe(python) for python in names]
    tried: List[Tuple[str, str]] = []
    found: Optional[str] = None
    for python, probe in zip(names, probes):
        if found is not None:  # an earlier one answered yes: the rest need no verdict
            if probe is not None:
                probe.kill()
                probe.communicate()
            continue
        lacks = _verdict(probe)
        if lacks is None:
            tried.append((python, "not runnable"))
        elif lacks:
            tried.append((python, "lacks " + ", ".join(lacks)))
        else:
            found = python
    return found, tried


def reexec(python: str, script: str, argv: Sequence[str], child: Optional[int] = None,
           before: Optional[Dict[str, Any]] = None) -> None:
    """Replaces this process by `python script argv...`, marked so it never re-executes.

    `child`: the pid of pal analyze, already started (execve keeps a process's
    children, so the new image waits for it: see adopted()); `before`: what the
    output files were before it started."""
    env = dict(os.environ)
    env[ENV_REEXEC] = "1"
    if child is not None:
        env[ENV_CHILD] = json.dumps({"pid": child, "before": before or {}})
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(python, [python, script, *argv], env)


def is_reexecuted() -> bool:
    """True in the process started by reexec()."""
    return os.environ.get(ENV_REEXEC) == "1"


class Adopted:
    """pal analyze started by this process before it re-executed itself: the
    Popen-like poll()/wait() of a child known by its pid only."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: Optional[int] = None

    def _reap(self, flags: int) -> Optional[int]:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, flags)
            if pid:
                self.returncode = (os.WEXITSTATUS(status) if os.WIFEXITED(status)
                                   else -os.WTERMSIG(status))  # Popen's convention
        return self.returncode

    def poll(self) -> Optional[int]:
        return self._reap(os.WNOHANG)

    def wait(self) -> int:
        return self._reap(0)  # type: ignore[return-value]


def adopted() -> Optional[Tuple[Adopted, Dict[str, Any]]]:
    """In a re-executed process: pal analyze's process and the output files' state before
    it started, as reexec() passed them (the variable is then removed, so plotters'
    subprocesses do not inherit it); None otherwise."""
    text = os.environ.pop(ENV_CHILD, None)
    if not text or not is_reexecuted():
        return None
    try:
        data = json.loads(text)
        before = {k: tuple(v) if v else None for k, v in data["before"].items()}
        return Adopted(int(data["pid"])), before
    except (ValueError, KeyError, TypeError):
        return None


def missing_message(missing: Sequence[str], tried: Sequence[Tuple[str, str]]) -> str:
    """The one message for "no interpreter can run the Python plotters"."""
    here = f"{sys.executable or 'python'} lacks {', '.join(missing)}"
    others = "; ".join(f"{p} {why}" for p, why in tried)
    where = here + (f"; {others}" if others else "")
    return (
        f"the Python plotters need {' and '.join(REQUIRED_MODULES)}, and no interpreter has them "
        f"({where}); {INSTALL_HINT}. Set {ENV_PYTHON}=/path/to/python to use another interpreter."
    )
