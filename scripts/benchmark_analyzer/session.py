"""The steps that need pandas: load the plotters while pal analyze runs, run them on
its table as soon as it is written, record them in results.json (run).

Importing this module imports pandas and matplotlib (Agg backend, chosen before any
plotter can import pyplot), so cli.py imports it only after starting pal analyze.
"""
from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

import matplotlib

matplotlib.use("Agg")  # files only, no display; must precede any pyplot import

from . import discovery, figures, results, runner, table  # noqa: E402  (after the backend)
from .files import fresh  # noqa: E402

_ = figures  # imported here so its matplotlib/numpy loading overlaps pal analyze too


@dataclass
class Prepared:
    plotters: List[discovery.Plotter]
    notes: List[str]  # for --verbose, printed once pal analyze is done


def prepare(extra_dirs: List[str]) -> Prepared:
    """Finds and imports every plotter (their import errors are kept for the report)."""
    plotters, ignored = discovery.discover(extra_dirs)
    notes = [f"{p.path}: defines no plot() function: not a plotter, not run" for p in ignored]
    notes += [f"plotter {p.path} replaces {old} (same name, later folder)" for p in plotters for old in p.replaces]
    return Prepared(plotters=plotters, notes=notes)


def _report(o: runner.Outcome, verbose: bool, log: Callable[[str], None]) -> None:
    file_name = os.path.basename(o.path)
    if o.status == "failed":
        log(f"plotter {file_name} failed: {o.note}")
        if verbose and o.traceback:
            log(f"traceback of {file_name}:\n{o.traceback.rstrip()}")
    elif o.status == "skipped":
        log(f"plotter {file_name} skipped: {o.note}")
    elif verbose:
        log(f"plotter {file_name}: drawn {', '.join(o.files.values())}")


def _wait_for_table(proc: Any, table_path: str, before: Optional[Tuple[int, int]]) -> bool:
    """Waits until pal analyze has written the table (it does so while its gnuplot jobs
    still draw, atomically) or has ended; True when the table is there."""
    while proc.poll() is None:
        if fresh(table_path, before):
            return True
        time.sleep(0.005)
    return fresh(table_path, before)


def _c_outputs(doc: Optional[Dict[str, Any]], out_dir: str) -> Tuple[Set[str], List[str]]:
    """pal analyze's plot files (absolute paths) and plot names, from its results.json."""
    files: Set[str] = set()
    names: List[str] = []
    for name, entry in ((doc or {}).get("plots") or {}).items():
        if isinstance(entry, dict) and entry.get("plotter") == "python":
            continue
        names.append(name)
        for f in ((entry or {}).get("files") or {}).values() if isinstance(entry, dict) else ():
            files.add(os.path.abspath(os.path.join(out_dir, str(f))))
    return files, names


def run(proc: Any, args: argparse.Namespace, out_dir: str, table_path: str, results_path: str,
        before: Dict[str, Optional[Tuple[int, int]]], log: Callable[[str], None]) -> int:
    """Loads the plotters while pal analyze (`proc`: a Popen, or interpreter.Adopted
    after a re-exec) runs, runs them on its table as soon as it is written (while
    gnuplot still draws the C plots), then records them in its results.json; returns
    the exit status. Messages wait until pal analyze is done, so they follow its own."""
    prepared = prepare(args.plotters)
    table_ready = _wait_for_table(proc, table_path, before[table_path])
    outcomes: List[runner.Outcome] = []
    table_note, table_error = "", None
    if table_ready:
        try:
            df = table.read_table(table_path)
        except Exception as exc:  # a table this script cannot read: the C outputs still stand
            table_error = f"cannot read the table {table_path}: {type(exc).__name__}: {exc}"
        else:
            lacking = table.unknown_columns(df)
            table_note = f"table: {len(df)} rows ({table_path})"
            if lacking:
                table_note += f"; it lacks {', '.join(lacking)}"
            options = {"verbose": bool(args.verbose), "kernels": list(args.kernel), "table": table_path,
                       "inputs": list(args.paths[:-1])}
            outcomes = [runner.run_one(p, df, out_dir, options) for p in prepared.plotters]
    rc = proc.wait()
    if rc == 2 and not table_ready:  # a usage or output-folder error: pal analyze said why
        return 2
    status = rc if rc in (0, 1, 2) else 1  # killed by a signal: 1
    if args.verbose:
        for note in prepared.notes + ([table_note] if table_note else []):
            log(note)
    results_fresh = fresh(results_path, before[results_path])
    doc = results.load(results_path) if results_fresh else None
    if not results_fresh:
        log(f"pal analyze wrote no results.json (exit status {rc}): the Python plotters' entries "
            "cannot be recorded")
        status = max(status, 1)
    elif doc is None:
        log(f"{results_path} is not a JSON object: the Python plotters' entries are not recorded")
        status = max(status, 1)
    if not table_ready:
        log(f"pal analyze wrote no table ({table_path}; a pal without --table?): no Python plotter ran")
        return max(status, 1)
    if table_error:
        log(f"{table_error}: no Python plotter ran")
        return max(status, 1)
    c_files, c_names = _c_outputs(doc, out_dir)
    for o in outcomes:
        runner.finish(o, out_dir, c_files, c_names)
        _report(o, args.verbose, log)
        if o.status == "failed" or (args.strict and o.strict):
            status = max(status, 1)
    if doc is not None:
        for o in outcomes:
            results.add_plot(doc, o.name, o.entry(), o.summary if o.status == "drawn" else None, o.first_png())
        results.write_atomic(results_path, doc)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("drawn", "skipped", "failed")}
    where = results_path if doc is not None else "not recorded"
    log(f"{len(outcomes)} Python plotters: {counts['drawn']} drawn, {counts['skipped']} skipped, "
        f"{counts['failed']} failed; {where}")
    return status
