"""The command line of scripts/analyze_benchmarks.py and the order of its steps.

  1. arguments (argparse: a usage error exits 2)
  2. pal: $PAL_BIN, build/pal when fresh, else build it (palbin.py); start
     `pal analyze INPUTS... OUT --table OUT/table.csv` at once
  3. an interpreter with pandas + matplotlib: this one, else re-execute under another,
     which adopts the running pal analyze (interpreter.py); none: say so, let pal
     analyze finish, exit 1
  4. while pal analyze runs, import pandas, matplotlib and the plotter modules (the
     imports cost about as much as the whole C analysis; overlapping them is most of
     the speed)
  5. as soon as the table is written (pal writes it before waiting for gnuplot), read
     it and run every plotter; once pal is done, add their entries to results.json

Exit status: pal analyze's (0; 1 a C plot failed, nothing could be read, --strict and
something was skipped; 2 usage or output-folder errors), raised to 1 when a Python
plotter failed, --strict and a plotter was skipped for REQUIRED_COLUMNS, no
interpreter has pandas/matplotlib, pal could not be built, or pal wrote no
results.json or table. Everything here is standard library until step 4.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import KERNELS, PROG, interpreter, palbin
from .files import fresh, stat_id

EPILOG = """\
Runs `pal analyze` (the C analyzer: built-in plots, results.json), then the Python
plotters of scripts/benchmark_analyzer/plotters/ and of each --plotters DIR on its
table, and adds their entries to OUTPUT_DIR/results.json. See docs/ANALYZE.md.

exit status: 0 ok; 1 a plot (C or Python) failed, nothing could be read, --strict and
something was skipped, or pandas/matplotlib are missing (the C plots are still
written); 2 usage or output-folder errors.

environment: PAL_BIN (the pal to run), PAL_ANALYZE_PYTHON (an interpreter with pandas
and matplotlib), PAL_ANALYZE_PYTHON_ONLY=1 (no other interpreter is tried)."""


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog=PROG, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        usage=f"{PROG} RESULTS_DIR|FILE... OUTPUT_DIR [--verbose] [--kernel NAME]... "
              "[--plotters DIR]... [--strict]",
        description="Analyze benchmark results: pal analyze's plots plus the Python plotters.")
    p.add_argument("paths", nargs="+", metavar="RESULTS_DIR|FILE... OUTPUT_DIR",
                   help="result folders or files, then the output folder")
    p.add_argument("--verbose", "-v", action="store_true", help="progress, per-file details, tracebacks")
    p.add_argument("--kernel", action="append", default=[], metavar="NAME",
                   help=f"only rows of this kernel: {', '.join(KERNELS)} (pal also as paged_attention), "
                        "or a kernel name the files give; repeatable (passed to pal analyze, which "
                        "exits 2 listing the known kernels when NAME is none of them)")
    p.add_argument("--plotters", action="append", default=[], metavar="DIR",
                   help="also run the plotters of DIR (after the built-in ones); repeatable")
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when a file, row or Python plotter (REQUIRED_COLUMNS) was skipped")
    p.add_argument("--stat", choices=("median", "mean", "min"), help="passed to pal analyze")
    p.add_argument("--all-runs", action="store_true", help="passed to pal analyze")
    args = p.parse_args(list(argv))
    if len(args.paths) < 2:
        p.error("give the results (folders or files) and the output folder: RESULTS_DIR OUTPUT_DIR")
    for d in args.plotters:
        if not os.path.isdir(d):
            p.error(f"--plotters {d}: not a folder")
    return args


def _log(msg: str) -> None:
    print(f"{PROG}: {msg}", file=sys.stderr, flush=True)


def pal_command(pal: str, args: argparse.Namespace, table_path: Optional[str]) -> List[str]:
    cmd = [pal, "analyze", *args.paths]
    if table_path:
        cmd += ["--table", table_path]
    for k in args.kernel:
        cmd += ["--kernel", k]
    for flag, on in (("--verbose", args.verbose), ("--strict", args.strict), ("--all-runs", args.all_runs)):
        if on:
            cmd.append(flag)
    if args.stat:
        cmd += ["--stat", args.stat]
    return cmd


def _start_pal(args: argparse.Namespace, root: str, table_path: str, results_path: str,
               log: Callable[[str], None]) -> Tuple[Any, Dict[str, Optional[Tuple[int, int]]]]:
    """Finds (or builds) pal and starts pal analyze; returns it and the outputs' state before."""
    pal = palbin.find_or_build(root, args.verbose, log)
    before = {p: stat_id(p) for p in (table_path, results_path)}
    cmd = pal_command(pal, args, table_path)
    if args.verbose:
        log("$ " + " ".join(cmd))
    try:
        return subprocess.Popen(cmd), before
    except OSError as e:
        raise palbin.PalError(f"cannot run {pal}: {e.strerror}")


def main(argv: Sequence[str], script: str) -> int:
    args = parse_args(argv)
    root = os.path.dirname(os.path.dirname(os.path.abspath(script)))
    log: Callable[[str], None] = _log
    out_dir = args.paths[-1]
    table_path = os.path.join(out_dir, "table.csv")
    results_path = os.path.join(out_dir, "results.json")
    handed_over = interpreter.adopted()
    if handed_over:  # re-executed: pal analyze is already running
        proc, before = handed_over
    else:
        try:
            proc, before = _start_pal(args, root, table_path, results_path, log)
        except palbin.PalError as e:
            log(f"error: {e}")
            return 1
    missing = interpreter.missing_here()
    tried: List[Tuple[str, str]] = []
    if missing and not interpreter.is_reexecuted():
        other, tried = interpreter.find_other(root)
        if other:
            if args.verbose:
                log(f"{sys.executable} lacks {', '.join(missing)}: running under {other}")
            try:
                interpreter.reexec(other, script, argv, proc.pid, before)
            except OSError as e:
                tried.append((other, f"cannot be started: {e.strerror}"))
    if missing:  # no interpreter with both
        rc = proc.wait()
        log(interpreter.missing_message(missing, tried))
        if rc == 2:
            return 2
        state = "were written" if fresh(results_path, before[results_path]) else "were NOT written either"
        log(f"pal analyze's plots and results.json {state} ({out_dir}); no Python plotter ran")
        return 1
    from . import session  # pandas, matplotlib and the plotters load while pal analyze runs

    return session.run(proc, args, out_dir, table_path, results_path, before, log)
