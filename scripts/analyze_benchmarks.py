#!/usr/bin/env python3
"""analyze_benchmarks.py - the seed guide's analyzer command, with Python plotters.

    python scripts/analyze_benchmarks.py .benchmarks/ .benchmarks/ [--verbose]
    python scripts/analyze_benchmarks.py RESULTS_DIR|FILE... OUTPUT_DIR
        [--verbose] [--kernel NAME]... [--plotters DIR]... [--strict]

Runs `pal analyze` (built-in plots + results.json; pal is built when missing or
stale), then every Python plotter of scripts/benchmark_analyzer/plotters/ and of
each --plotters DIR on the analyzer's table, and records them in results.json.
Works with any `python`: without pandas/matplotlib it re-runs itself under an
interpreter that has them. See docs/ANALYZE.md, "Python plotters".
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchmark_analyzer.cli import main  # noqa: E402  (needs the path above)

if __name__ == "__main__":
    status = main(sys.argv[1:], os.path.abspath(__file__))
    sys.stdout.flush()
    sys.stderr.flush()
    # Every file is written and closed by now; tearing down pandas and matplotlib at
    # interpreter exit would cost a third of a second for nothing.
    os._exit(status)
