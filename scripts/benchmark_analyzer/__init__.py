"""benchmark_analyzer - the Python side of PAL's benchmark analyzer.

`pal analyze` (C) reads the result files, normalises them into one table, draws the
built-in plots and writes results.json. This package adds the seed guide's Python
plotters on top of it: `scripts/analyze_benchmarks.py` runs `pal analyze --table`,
reads that table into a pandas DataFrame and hands it to every plotter module found
in `plotters/` (and in `--plotters DIR`), recording what each drew in results.json.

Modules, one job each:
  cli          the command line and the order of the steps
  interpreter  which Python has pandas + matplotlib (re-exec when `python` lacks them)
  palbin       finding or building the `pal` executable
  discovery    finding and importing plotter modules
  table        reading the table CSV (pandas), the --kernel filter, REQUIRED_COLUMNS
  style        the look shared with the C plots (figure size, colours, line styles)
  figures      drawing helpers for plotters (series, legend outside, PNG + SVG)
  runner       running one plotter in isolation, detecting the files it wrote
  results      merging the plotters' entries into results.json (atomically)

Everything up to the import of pandas is standard library only, so the script can
explain a missing pandas instead of crashing on it (docs/ANALYZE.md).
"""

PROG = "analyze_benchmarks.py"
# The table's `kernel` classes (src/analyze/table.h anz_kernel); --kernel also takes
# "paged_attention" (= pal) and any kernel_name the files give (pal analyze decides).
KERNELS = ("pal", "sdpa", "other")
