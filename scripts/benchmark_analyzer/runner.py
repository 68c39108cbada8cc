"""Running plotters, each isolated from the others, and judging what each did.

A plotter runs in this process (no interpreter start, pandas and matplotlib already
imported) on its own copy of the table, inside a matplotlib rc_context (its style
changes end with it), and any exception it raises - SystemExit included - becomes its
"failed" status instead of the script's end. What it wrote is found by comparing the
output folder before and after its run (new or modified files), less the files pal
analyze wrote meanwhile (plotters run while its gnuplot jobs still draw), plus the
paths it lists under a "files" key of its result.

Outcomes:
  drawn    plot() returned a dict (or None) and at least one file was written
  skipped  REQUIRED_COLUMNS absent or empty in the table (counts for --strict), or
           plot() returned {"skipped": "why"}: nothing to draw in this data (does not
           count for --strict, like a C plot without data)
  failed   import error, exception, a result that is not a dict or None, no file
           written, a listed file that does not exist, or a name a C plot already has
"""
from __future__ import annotations

import inspect
import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

import matplotlib
import pandas as pd

from . import discovery, style, table

Snapshot = Dict[str, Tuple[int, int, int]]


@dataclass
class Outcome:
    """What one plotter did; becomes its results.json entry and its report line."""

    name: str
    path: str
    description: str
    status: str = "failed"
    note: Optional[str] = None
    needs: Optional[str] = None
    files: Dict[str, str] = field(default_factory=dict)
    summary: Optional[Dict[str, Any]] = None
    traceback: Optional[str] = None
    strict: bool = False  # a skip that --strict turns into a failure
    written: List[str] = field(default_factory=list)  # changed in the folder during its run
    listed: List[str] = field(default_factory=list)  # its result's "files"

    def entry(self) -> Dict[str, Any]:
        """The plots[name] entry of results.json."""
        out: Dict[str, Any] = {"status": self.status, "description": self.description}
        if self.needs:
            out["needs"] = self.needs
        if self.note:
            out["note"] = self.note
        out["files"] = self.files
        out["plotter"] = "python"
        out["module"] = _shown_path(self.path)
        return out

    def first_png(self) -> Optional[str]:
        if self.status != "drawn":
            return None
        pngs = [f for f in self.files.values() if f.lower().endswith(".png")]
        return pngs[0] if pngs else None


def _shown_path(path: str) -> str:
    """The path relative to the working folder when it lies below it, else absolute."""
    rel = os.path.relpath(os.path.abspath(path))
    return os.path.abspath(path) if rel.startswith("..") else rel


def snapshot(folder: str) -> Snapshot:
    """Every visible file under `folder` with (mtime_ns, size, inode)."""
    out: Snapshot = {}
    stack = [folder]
    while stack:
        path = stack.pop()
        try:
            with os.scandir(path) as it:
                for entry in it:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        out[entry.path] = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            continue
    return out


def changed(before: Snapshot, after: Snapshot) -> List[str]:
    """Files new or modified between two snapshots, sorted."""
    return sorted(p for p, sig in after.items() if before.get(p) != sig)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return type(exc).__name__ + (": " + text[0] if text else "")


def _listed_files(listed: Any, output_dir: str) -> List[str]:
    """The paths a result lists under "files" (list, tuple or dict of paths)."""
    items = listed.values() if isinstance(listed, dict) else listed
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise TypeError("its 'files' is not a list or dict of paths")
    return [p if os.path.isabs(p) else os.path.join(output_dir, p) for p in map(str, items)]


def files_dict(paths: Sequence[str], output_dir: str) -> Dict[str, str]:
    """{"png": "a.png", "svg": "a.svg"} like the C plots; a second file of the same
    extension is keyed by its own name. Paths are relative to the output folder."""
    out: Dict[str, str] = {}
    for p in sorted(set(os.path.abspath(p) for p in paths)):
        rel = os.path.relpath(p, output_dir)
        rel = p if rel.startswith("..") else rel
        ext = os.path.splitext(p)[1].lstrip(".").lower() or "file"
        out[ext if ext not in out else rel] = rel
    return out


def _names_param(func: Any, name: str) -> bool:
    """True when `func` has a parameter called `name` (other than **kwargs)."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    p = params.get(name)
    return p is not None and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)


def _rc(st: Dict[str, Any]) -> Dict[str, Any]:
    return {"font.size": st["font_size"], "axes.titlesize": st["font_size"] + 1,
            "figure.titlesize": st["title_size"], "svg.hashsalt": "pal-analyze"}


def run_one(plotter: discovery.Plotter, df: pd.DataFrame, output_dir: str, options: Dict[str, Any]) -> Outcome:
    """Runs one plotter. The outcome stays "pending" when plot() returned normally:
    finish() judges it once pal analyze is done (its gnuplot runs may write into the
    same folder while the plotter runs)."""
    out = Outcome(name=plotter.name, path=plotter.path, description=discovery.description(plotter))
    if plotter.error:
        out.note, out.traceback = plotter.error, plotter.traceback
        return out
    module = plotter.module
    required = getattr(module, "REQUIRED_COLUMNS", None) or []
    if isinstance(required, str) or not all(isinstance(c, str) for c in required):
        out.note = "REQUIRED_COLUMNS is not a list of column names"
        return out
    if required:
        out.needs = "columns: " + ", ".join(required)
        missing = table.missing_columns(df, required)
        if missing:
            out.status, out.strict = "skipped", True
            out.note = (f"needs column{'s' if len(missing) > 1 else ''} {', '.join(missing)}: "
                        f"absent from the table or without a value")
            return out
    st = style.default_style()
    opts = dict(options, style=st, output_dir=output_dir)
    if _names_param(module.plot, "output_dir"):  # plot(df, output_dir, ...): it has it already
        del opts["output_dir"]
    before = snapshot(output_dir)
    try:
        with matplotlib.rc_context(_rc(st)):
            result = module.plot(df.copy(), output_dir, **opts)
    except (Exception, SystemExit) as exc:  # isolation: one plotter's bug stays its own
        out.note, out.traceback = "raised " + _one_line(exc), traceback.format_exc()
        return out
    finally:
        if "matplotlib.pyplot" in sys.modules:  # a pyplot user's figures end with it
            sys.modules["matplotlib.pyplot"].close("all")
    out.written = changed(before, snapshot(output_dir))
    if result is None:
        result = {}
    if not isinstance(result, dict):
        out.note = f"plot() returned {type(result).__name__}, not a dict or None"
        return out
    result = dict(result)
    listed = result.pop("files", None)
    skipped = result.pop("skipped", None)
    if listed is not None:
        try:
            paths = _listed_files(listed, output_dir)
        except TypeError as exc:
            out.note = str(exc)
            return out
        absent = [p for p in paths if not os.path.isfile(p)]
        if absent:
            out.note = f"lists {os.path.relpath(absent[0], output_dir)} under 'files', which does not exist"
            return out
        out.listed = paths
    if skipped:
        out.status, out.note = "skipped", str(skipped)
    else:
        out.status, out.summary = "pending", result
    return out


def finish(out: Outcome, output_dir: str, c_files: Set[str], c_names: Sequence[str]) -> Outcome:
    """Judges a plotter once pal analyze is done: its files are what changed during its
    run, less pal analyze's own (c_files, absolute paths), plus what it listed; a
    pending plotter with no file failed, one named like a C plot failed."""
    written = [p for p in out.written if os.path.abspath(p) not in c_files and os.path.isfile(p)]
    out.files = files_dict(written + out.listed, output_dir)
    if out.name in c_names and out.status != "failed":
        out.status, out.summary = "failed", None
        out.note = f"{out.name} is the name of a pal analyze plot; rename {os.path.basename(out.path)}"
    if out.status == "pending":
        if out.files:
            out.status = "drawn"
        else:
            out.status, out.summary = "failed", None
            out.note = "wrote no file (a plotter with nothing to draw returns {'skipped': 'why'})"
    return out
