"""The standard-library parts of scripts/benchmark_analyzer, tested in-process (the
venv running these tests has no pandas): JSON safety, atomic results.json rewrite,
plotter discovery order and overrides, interpreter candidates, pal freshness."""
import json
import math
import os

import pytest

from benchmark_analyzer import discovery, files, interpreter, palbin, results


class FakeNumpyScalar:
    def __init__(self, v):
        self.v = v

    def item(self):
        return self.v


def test_json_safe():
    doc = {1: float("nan"), "inf": [float("inf"), -float("inf"), 1.5], "t": (1, 2), "s": {3, 1},
           "np": FakeNumpyScalar(float("nan")), "ok": True, "none": None}
    safe = results.json_safe(doc)
    assert safe == {"1": None, "inf": [None, None, 1.5], "t": [1, 2], "s": [1, 3], "np": None, "ok": True,
                    "none": None}
    json.dumps(safe, allow_nan=False)


def test_write_atomic_keeps_mode_and_is_strict(tmp_path):
    path = tmp_path / "results.json"
    path.write_text("{}")
    os.chmod(path, 0o640)
    results.write_atomic(str(path), {"a": 1})
    assert json.loads(path.read_text()) == {"a": 1}
    assert (path.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
    with pytest.raises(ValueError):
        results.write_atomic(str(path), {"a": math.nan})
    assert json.loads(path.read_text()) == {"a": 1} and len(list(tmp_path.iterdir())) == 1


def test_add_plot():
    doc = {"plots": {"roofline": {"status": "drawn"}}, "summary_metrics": {}, "plot_files": {}}
    results.add_plot(doc, "mine", {"status": "drawn", "files": {"png": "mine.png"}}, {"x": float("nan")}, "mine.png")
    assert doc["plots"]["mine"]["files"] == {"png": "mine.png"} and "roofline" in doc["plots"]
    assert doc["summary_metrics"]["mine"] == {"x": None} and doc["plot_files"]["mine"] == "mine.png"


def test_discovery_order_and_override(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for folder, names in ((a, ["zeta", "alpha", "_helper", "shared"]), (b, ["shared", "beta"])):
        folder.mkdir()
        for n in names:
            (folder / f"{n}.py").write_text("def plot(df, output_dir, **options):\n    return {}\n")
    (a / "notes.txt").write_text("not python")
    found = discovery.find([str(a), str(b)])
    assert [(p.name, os.path.basename(os.path.dirname(p.path))) for p in found] == \
           [("alpha", "a"), ("zeta", "a"), ("beta", "b"), ("shared", "b")]
    assert found[-1].replaces == [str(a / "shared.py")]


def test_discovery_import_error_and_helpers(tmp_path):
    (tmp_path / "bad.py").write_text("def plot(:\n")
    (tmp_path / "helper.py").write_text("VALUE = 1\n")
    (tmp_path / "good.py").write_text('"""Good one.\n\nMore."""\ndef plot(df, output_dir, **o):\n    return {}\n')
    plotters = [discovery.load(p, i) for i, p in enumerate(discovery.find([str(tmp_path)]))]
    by_name = {p.name: p for p in plotters}
    assert by_name["bad"].error.startswith("import failed: SyntaxError") and by_name["bad"].traceback
    assert not discovery.is_plotter(by_name["helper"]) and discovery.is_plotter(by_name["bad"])
    assert discovery.description(by_name["good"]) == "Good one."


def test_interpreter_candidates(monkeypatch, tmp_path):
    monkeypatch.delenv(interpreter.ENV_PYTHON, raising=False)
    monkeypatch.delenv(interpreter.ENV_PYTHON_ONLY, raising=False)
    root = str(tmp_path)
    assert interpreter.candidates(root) == [f"{root}/.venv/bin/python", "/usr/bin/python3"]
    monkeypatch.setenv(interpreter.ENV_PYTHON, "/opt/py/bin/python")
    assert interpreter.candidates(root)[0] == "/opt/py/bin/python"
    monkeypatch.setenv(interpreter.ENV_PYTHON_ONLY, "1")
    assert interpreter.candidates(root) == ["/opt/py/bin/python"]
    assert interpreter.missing_in(str(tmp_path / "no-python")) is None
    msg = interpreter.missing_message(["pandas"], [("/usr/bin/python3", "lacks pandas")])
    assert "sudo apt-get install python3-pandas python3-matplotlib" in msg and "/usr/bin/python3 lacks pandas" in msg


def test_pal_freshness(tmp_path, monkeypatch):
    monkeypatch.delenv(palbin.ENV_PAL_BIN, raising=False)
    (tmp_path / "src" / "x").mkdir(parents=True)
    (tmp_path / "src" / "x" / "a.c").write_text("")
    (tmp_path / "CMakeLists.txt").write_text("")
    (tmp_path / "build").mkdir()
    exe = tmp_path / "build" / "pal"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    os.utime(tmp_path / "src" / "x" / "a.c", (1000, 1000))
    os.utime(tmp_path / "CMakeLists.txt", (1000, 1000))
    os.utime(exe, (2000, 2000))
    assert palbin.newest_source(str(tmp_path))[0] == 1000
    logs = []
    assert palbin.find_or_build(str(tmp_path), False, logs.append) == str(exe) and not logs
    monkeypatch.setenv(palbin.ENV_PAL_BIN, str(tmp_path / "missing"))
    with pytest.raises(palbin.PalError, match="not an executable file"):
        palbin.find_or_build(str(tmp_path), False, logs.append)


def test_fresh(tmp_path):
    p = tmp_path / "f"
    before = files.stat_id(str(p))
    assert before is None and not files.fresh(str(p), before)
    p.write_text("1")
    assert files.fresh(str(p), before)
    now = files.stat_id(str(p))
    assert not files.fresh(str(p), now)
    tmp = tmp_path / "g"
    tmp.write_text("2")
    os.replace(tmp, p)  # pal writes by rename: a new inode
    assert files.fresh(str(p), now)


def test_python_copies_of_c_facts_agree():
    """The table columns, the palette and the source looks exist in C (table_csv.h,
    style.c) and, for plotters that make up series, in Python (table.py, style.py):
    any drift between the two fails here."""
    import re

    from benchmark_analyzer import style, table

    root = os.path.join(os.path.dirname(__file__), "..", "..", "..")
    with open(os.path.join(root, "src", "analyze", "table_csv.h")) as f:
        h = f.read()
    macro = h[h.index("#define ANZ_TABLE_CSV_HEADER"):]
    macro = macro[:macro.index("\n\n")]
    assert tuple("".join(re.findall(r'"([^"]*)"', macro)).split(",")) == table.COLUMNS
    assert set(table.STRING_COLUMNS) <= set(table.COLUMNS)
    with open(os.path.join(root, "src", "analyze", "style.c")) as f:
        c = f.read()
    pal = c[c.index("anz_palette[ANZ_PALETTE_SIZE] ="):]
    assert tuple(re.findall(r'"(#[0-9A-Fa-f]{6})"', pal[:pal.index(";")])) == style.PALETTE
    for fn, key in (("anz_source_linestyle", "linestyle"), ("anz_source_marker", "marker")):
        body = c[c.index("const char *" + fn):]
        body = body[:body.index("}")]
        m = re.search(r'ANZ_SRC_CPP \? "([^"]*)" : s == ANZ_SRC_PY \? "([^"]*)" : "([^"]*)"', body)
        assert m, fn
        assert (m.group(1), m.group(2), m.group(3)) == tuple(style.default_style()[key][s]
                                                             for s in ("cpp", "py", "nvbench"))
