"""scripts/analyze_benchmarks.py end to end: the seed guide's commands verbatim in a
clean copy, with `python` lacking pandas (see conftest.py), and the plotter contract:
discovery, --plotters, REQUIRED_COLUMNS, isolation of broken plotters, --kernel, no
interpreter with pandas, the docs' example, and (slow) building pal from scratch."""
import json
import os
import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from conftest import REPO, input_hashes

GUIDE = "python scripts/analyze_benchmarks.py .benchmarks/ .benchmarks/"
SHIPPED = ("complexity_loglog", "latency_vs_page_size")
SEED_C_PLOTS = ("latency_vs_seq_len", "latency_vs_head_dim", "latency_vs_effective_items",
                "model_configs_comparison")


def results(copy):
    with open(Path(copy) / ".benchmarks" / "results.json", encoding="utf-8") as f:
        return json.load(f)  # strict: NaN would raise in the checks below (json accepts it, so check too)


def python_plots(doc):
    return {n: e for n, e in doc["plots"].items() if e.get("plotter") == "python"}


def c_plots(doc):
    return {n: e for n, e in doc["plots"].items() if e.get("plotter") != "python"}


def add_plotter(folder, name, body):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(body))


RECORDER = """
    \"\"\"Records what it was given.\"\"\"
    import os

    from matplotlib.figure import Figure


    def plot(df, output_dir, **options):
        fig = Figure(figsize=(3, 2))
        fig.add_subplot().plot([1, 2], [1, 2])
        fig.savefig(os.path.join(output_dir, "recorder.png"))
        return {"rows": len(df), "kernels": sorted(df["kernel"].dropna().unique()),
                "option_keys": sorted(options), "verbose": options["verbose"],
                "style_keys": sorted(options["style"])}
"""


def test_guide_commands_verbatim(repo_copy, run, pal_bin, nopandas_python, tmp_path):
    """The guide's two commands, as written, from a clean copy; `python` has no pandas."""
    assert subprocess.run([str(tmp_path / "bin" / "python"), "-c", "import pandas"],
                          capture_output=True).returncode != 0
    bench = repo_copy / ".benchmarks"
    before = input_hashes(bench)
    alone = tmp_path / "c_only"
    subprocess.run([pal_bin, "analyze", str(bench), str(alone)], check=True, capture_output=True)
    with open(alone / "results.json", encoding="utf-8") as f:
        c_only = json.load(f)

    done = run(GUIDE)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    doc = results(repo_copy)
    for name in SHIPPED:
        for ext in ("png", "svg"):
            path = bench / f"{name}.{ext}"
            assert path.is_file() and path.stat().st_size > 1000, path
        entry = doc["plots"][name]
        assert entry["status"] == "drawn", entry
        assert entry["files"] == {"png": f"{name}.png", "svg": f"{name}.svg"}
        assert entry["plotter"] == "python" and entry["module"].endswith(f"plotters/{name}.py")
        assert doc["plot_files"][name] == f"{name}.png"
    fits = doc["summary_metrics"]["complexity_loglog"]["series"]
    assert fits and all(isinstance(s["exponent"], float) and s["best_fit"] in ("O(n)", "O(n log n)", "O(n^2)")
                        for s in fits)
    assert {s["op"] for s in fits} >= {"prefill", "decode"}
    pages = doc["summary_metrics"]["latency_vs_page_size"]["series"]
    assert len(pages) == 2 and all(s["page_sizes"] == [8, 16, 32, 64, 128] for s in pages)
    assert all(s["best_page_size"] == 128 for s in pages)
    # every C plot is still there, as pal analyze alone reports it, and its images exist
    assert {n: e["status"] for n, e in c_plots(doc).items()} == \
           {n: e["status"] for n, e in c_only["plots"].items()}
    for name in SEED_C_PLOTS:
        assert doc["plots"][name]["status"] == "drawn"
        assert (bench / f"{name}.png").stat().st_size > 1000
        assert doc["plot_files"][name] == f"{name}.png"
    assert "NaN" not in (bench / "results.json").read_text()

    done = run(GUIDE + " --verbose")
    assert done.returncode == 0, done.stderr
    assert "running under /usr/bin/python3" in done.stderr  # it found the interpreter itself
    assert "plotter complexity_loglog.py: drawn complexity_loglog.png, complexity_loglog.svg" in done.stderr
    assert python_plots(results(repo_copy)).keys() == set(SHIPPED)
    assert input_hashes(bench) == before  # inputs never modified


def test_user_plotter_in_builtin_folder(repo_copy, run):
    """A module dropped into plotters/ is discovered; its dict lands in results.json."""
    add_plotter(repo_copy / "scripts" / "benchmark_analyzer" / "plotters", "recorder", RECORDER)
    done = run(GUIDE)
    assert done.returncode == 0, done.stderr
    doc = results(repo_copy)
    assert doc["plots"]["recorder"]["status"] == "drawn"
    assert doc["plots"]["recorder"]["files"] == {"png": "recorder.png"}
    assert doc["plots"]["recorder"]["description"] == "Records what it was given."
    got = doc["summary_metrics"]["recorder"]
    table_rows = sum(1 for _ in open(repo_copy / ".benchmarks" / "table.csv")) - 1
    assert got["rows"] == table_rows > 0
    assert got["kernels"] == ["pal", "sdpa"]
    assert {"verbose", "style", "kernels", "table", "inputs"} <= set(got["option_keys"])
    assert got["verbose"] is False
    assert {"panel_size", "dpi", "font_size", "columns", "linestyle", "marker", "legend"} <= set(got["style_keys"])


def test_broken_plotters_are_isolated(repo_copy, run):
    plotters = repo_copy / "scripts" / "benchmark_analyzer" / "plotters"
    add_plotter(plotters, "broken_raises", """
        def plot(df, output_dir, **options):
            raise ValueError("boom in plot")
    """)
    add_plotter(plotters, "broken_import", """
        import no_such_module_for_pal_tests
        def plot(df, output_dir, **options):
            return {}
    """)
    add_plotter(plotters, "broken_nothing", """
        def plot(df, output_dir, **options):
            return {"drew": 0}
    """)
    add_plotter(plotters, "broken_returns", """
        def plot(df, output_dir, **options):
            return [1, 2]
    """)
    add_plotter(plotters, "broken_exit", """
        import sys
        def plot(df, output_dir, **options):
            sys.exit(3)
    """)
    done = run(GUIDE)
    assert done.returncode == 1, done.stderr
    err = done.stderr
    assert re.search(r"plotter broken_raises\.py failed: raised ValueError: boom in plot\n", err)
    assert re.search(r"plotter broken_import\.py failed: import failed: ModuleNotFoundError: "
                     r"No module named 'no_such_module_for_pal_tests'\n", err)
    assert "plotter broken_nothing.py failed: wrote no file" in err
    assert "plotter broken_returns.py failed: plot() returned list, not a dict or None" in err
    assert "plotter broken_exit.py failed: raised SystemExit: 3" in err
    assert "Traceback" not in err
    doc = results(repo_copy)
    for name in ("broken_raises", "broken_import", "broken_nothing", "broken_returns", "broken_exit"):
        assert doc["plots"][name]["status"] == "failed" and doc["plots"][name]["note"]
        assert name not in doc["summary_metrics"] and name not in doc["plot_files"]
    for name in SHIPPED:
        assert doc["plots"][name]["status"] == "drawn"
    for name in SEED_C_PLOTS:
        assert doc["plots"][name]["status"] == "drawn"

    done = run(GUIDE + " --verbose")
    assert done.returncode == 1
    assert "traceback of broken_raises.py:\nTraceback (most recent call last):" in done.stderr
    assert 'raise ValueError("boom in plot")' in done.stderr
    assert "traceback of broken_import.py:" in done.stderr


def test_required_columns(repo_copy, run):
    add_plotter(repo_copy / "scripts" / "benchmark_analyzer" / "plotters", "needs_more", """
        REQUIRED_COLUMNS = ["latency_ms", "no_such_column", "model_flops"]
        def plot(df, output_dir, **options):
            raise AssertionError("must not run")
    """)
    done = run(GUIDE)
    assert done.returncode == 0, done.stderr
    assert ("plotter needs_more.py skipped: needs columns no_such_column, model_flops: "
            "absent from the table or without a value") in done.stderr
    entry = results(repo_copy)["plots"]["needs_more"]
    assert entry["status"] == "skipped" and "no_such_column, model_flops" in entry["note"]
    assert entry["needs"] == "columns: latency_ms, no_such_column, model_flops"
    assert run(GUIDE + " --strict").returncode == 1
    (repo_copy / "scripts" / "benchmark_analyzer" / "plotters" / "needs_more.py").unlink()
    assert run(GUIDE + " --strict").returncode == 0  # the corpus itself has nothing skipped


def test_plotters_dir_and_override(repo_copy, run, tmp_path):
    mine = tmp_path / "my_plotters"
    add_plotter(mine, "recorder", RECORDER)
    add_plotter(mine, "latency_vs_page_size", """
        \"\"\"My page-size plot replaces the built-in one.\"\"\"
        def plot(df, output_dir, **options):
            open(output_dir + "/latency_vs_page_size.png", "wb").write(b"png")
            return {"mine": True}
    """)
    add_plotter(mine, "_helper", "raise RuntimeError('helpers are not plotters')\n")
    done = run(f"{GUIDE} --plotters {mine} --verbose")
    assert done.returncode == 0, done.stderr
    assert "replaces" in done.stderr and "helpers are not plotters" not in done.stderr
    doc = results(repo_copy)
    assert doc["plots"]["recorder"]["status"] == "drawn"
    assert doc["plots"]["recorder"]["module"] == str(mine / "recorder.py")
    assert doc["summary_metrics"]["recorder"]["verbose"] is True
    assert doc["plots"]["latency_vs_page_size"]["module"] == str(mine / "latency_vs_page_size.py")
    assert doc["summary_metrics"]["latency_vs_page_size"] == {"mine": True}
    assert list(python_plots(doc)) == ["complexity_loglog", "latency_vs_page_size", "recorder"]
    assert run(f"{GUIDE} --plotters {tmp_path / 'nowhere'}").returncode == 2


def test_kernel_filter(repo_copy, run):
    add_plotter(repo_copy / "scripts" / "benchmark_analyzer" / "plotters", "recorder", RECORDER)
    done = run(GUIDE + " --kernel sdpa")
    assert done.returncode == 0, done.stderr
    doc = results(repo_copy)
    assert doc["summary_metrics"]["recorder"]["kernels"] == ["sdpa"]
    assert doc["summary_metrics"]["kernels"] == ["sdpa"]
    assert {s["kernel"] for s in doc["summary_metrics"]["complexity_loglog"]["series"]} == {"sdpa"}
    table = (repo_copy / ".benchmarks" / "table.csv").read_text().splitlines()
    kernel = table[0].split(",").index("kernel")
    assert {line.split(",")[kernel] for line in table[1:] if '"' not in line} == {"sdpa"}


def test_unknown_kernel(repo_copy, run):
    done = run(GUIDE + " --kernel nosuch")
    assert done.returncode == 2
    assert "nosuch" in done.stderr and re.search(r"known: .*pal.*sdpa", done.stderr)


def test_usage_errors(repo_copy, run):
    assert run("python scripts/analyze_benchmarks.py").returncode == 2
    assert run("python scripts/analyze_benchmarks.py .benchmarks/").returncode == 2
    assert run("python scripts/analyze_benchmarks.py --bogus .benchmarks/ out").returncode == 2


def test_no_interpreter_with_pandas(repo_copy, run, nopandas_python):
    bench = repo_copy / ".benchmarks"
    before = input_hashes(bench)
    done = run(GUIDE, env={"PAL_ANALYZE_PYTHON": nopandas_python, "PAL_ANALYZE_PYTHON_ONLY": "1"})
    assert done.returncode == 1
    err = done.stderr
    assert "need pandas and matplotlib" in err and "lacks pandas" in err
    assert "sudo apt-get install python3-pandas python3-matplotlib" in err
    assert "pip install pandas matplotlib" in err
    assert "Traceback" not in err
    doc = results(repo_copy)  # the C analyzer still ran
    assert not python_plots(doc)
    for name in SEED_C_PLOTS:
        assert doc["plots"][name]["status"] == "drawn" and (bench / f"{name}.png").is_file()
    assert not (bench / "complexity_loglog.png").exists()
    assert input_hashes(bench) == before


def docs_example():
    """The code block of docs/ANALYZE.md's "Write your own plotter in Python"."""
    text = (REPO / "docs" / "ANALYZE.md").read_text(encoding="utf-8")
    section = text.split("### Write your own plotter in Python", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_docs_example_plotter(repo_copy, run, tmp_path):
    mine = tmp_path / "my_plotters"
    mine.mkdir()
    (mine / "latency_by_family.py").write_text(docs_example())
    done = run(f"{GUIDE} --plotters {mine}")
    assert done.returncode == 0, done.stderr
    doc = results(repo_copy)
    assert doc["plots"]["latency_by_family"]["status"] == "drawn"
    assert doc["plots"]["latency_by_family"]["files"] == {"png": "latency_by_family.png"}
    got = doc["summary_metrics"]["latency_by_family"]
    assert got["families"] > 5 and got["slowest"].startswith("BM_")
    assert (repo_copy / ".benchmarks" / "latency_by_family.png").stat().st_size > 1000


@pytest.mark.slow
def test_builds_pal_itself(repo_copy, run):
    """No PAL_BIN, no build/: the script configures and builds pal like benchmarks.sh."""
    assert not (repo_copy / "build").exists()
    done = run(GUIDE, pal=False, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "build/pal not found: building it" in done.stderr
    assert (repo_copy / "build" / "pal").is_file()
    assert results(repo_copy)["plots"]["complexity_loglog"]["status"] == "drawn"
    done = run(GUIDE, pal=False)  # now fresh: used as is, quietly
    assert done.returncode == 0 and "building" not in done.stderr
    os.utime(repo_copy / "src" / "cli" / "main.c")  # a source newer than build/pal: rebuilt
    done = run(GUIDE, pal=False, timeout=1800)
    assert done.returncode == 0 and "is older than src/cli/main.c: rebuilding it" in done.stderr
