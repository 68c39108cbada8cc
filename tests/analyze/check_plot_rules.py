#!/usr/bin/env python3
"""check_plot_rules.py - the plots tell the truth at a glance.

Renders every plot of `pal analyze` from a mixed corpus (C + Python, decode +
prefill + fill, two dtypes, the model configurations: gen_mixed_corpus.py),
plus a family that claims to sweep head_dim but varies on tokens, then checks
the written NAME.gp / NAME.dat / results.json against the rules of
docs/ANALYZE.md ("What a series is", "How a plot looks"):

  * no series has two points at one x;
  * no two series in a panel look the same (colour + dash + marker, or fill);
  * one colour per (kernel, op, dtype); C vs Python of one kernel differ by
    line style and marker, never by colour alone;
  * legends are outside the panels: every panel says `unset key`, one legend
    strip (a plot of NaN items) carries every entry;
  * reference lines lie within the data's x range and within 10x of the
    y range of the panel they are drawn in;
  * prefill and decode never share a panel;
  * a family that does not vary along a plot's x is left out with a note;
  * two families that would share a series are told apart by name;
  * the seed's four file names exist as PNG, SVG, .gp and .dat.

It runs the analyzer twice: newest run per instance, and --all-runs over
three runs (each run its own series). Standard library only.

usage: check_plot_rules.py PAL_BINARY
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SEED_PLOTS = ["latency_vs_seq_len", "latency_vs_head_dim", "latency_vs_effective_items", "model_configs_comparison"]
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def read_dat(path):
    """{index: (label, rows)}; a row is a list of fields (strings)."""
    blocks, cur = {}, None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"# index (\d+): (.*)$", line)
            if m:
                cur = int(m.group(1))
                blocks[cur] = (m.group(2), [])
            elif line and not line.startswith("#") and cur is not None:
                blocks[cur][1].append(line.split("\t"))
    return blocks


def num(s):
    try:
        return float(s)
    except ValueError:
        return float("nan")


def read_gp(path):
    """[(section name, [lines])]: '# panel G.K' and '# legend' sections."""
    sections, cur = [], None
    with open(path) as f:
        for line in f:
            s = line.strip()
            if s.startswith("# panel ") or s.startswith("# legend"):
                cur = (s, [])
                sections.append(cur)
            elif s == "unset multiplot":
                cur = None
            elif cur is not None:
                cur[1].append(line.rstrip("\n"))
    return sections


def plot_items(lines):
    text = "\n".join(lines)
    i = text.find("  plot")
    if i < 0:
        return []
    body = text[i + len("  plot"):]
    items = (it.strip().lstrip("\\").strip() for it in re.split(r",\s*\\\n", body))
    return [it for it in items if it]


def look(item):
    def grab(pat):
        m = re.search(pat, item)
        return m.group(1) if m else None
    return (grab(r'lc rgb "(#[0-9A-Fa-f]{6})"'), grab(r"\bdt (\d+)"), grab(r"\bpt (-?\d+)"),
            grab(r"\bfs (solid [\d.]+|pattern \d+)"))


def check_plot(out, name, results, series_meta):
    gp, dat = os.path.join(out, name + ".gp"), os.path.join(out, name + ".dat")
    blocks = read_dat(dat)
    refs = {i for i, (label, _) in blocks.items() if label.startswith("reference")}
    for i, (label, rows) in blocks.items():
        if i in refs or name == "roofline":  # a scatter's points may share an x
            continue
        xs = [r[0] for r in rows]
        if len(xs) != len(set(xs)):
            fail(f"{name}: series {label!r} has two points at one x: {sorted(xs)}")
    sections = read_gp(gp)
    panels = [s for s in sections if s[0].startswith("# panel")]
    legends = [s for s in sections if s[0].startswith("# legend")]
    if not panels:
        fail(f"{name}: no panel sections in {gp}")
    if len(legends) != 1:
        fail(f"{name}: {len(legends)} legend sections, want 1")
    else:
        leg = legends[0][1]
        if not any("set key at screen" in l for l in leg):
            fail(f"{name}: the legend is not placed in its own strip")
        for it in plot_items(leg):
            if not it.startswith("NaN"):
                fail(f"{name}: the legend plot draws data: {it[:80]}")
    drawn = set()
    for title, lines in panels:
        if not any(re.search(r"\bunset key\b", l) for l in lines) or any(re.match(r"\s*set key\b", l) for l in lines):
            fail(f"{name} {title}: a legend inside the panel")
        looks, ys, xs, panel_refs, ops = {}, [], [], [], set()
        for it in plot_items(lines):
            m = re.match(r"datafile index (\d+) using (\S+)", it)
            if not m:
                continue
            idx = int(m.group(1))
            if idx in refs:
                panel_refs.append(idx)
                continue
            if "with vectors" in it:  # the bars' error-bar overlay of a series already counted
                continue
            drawn.add(idx)
            lk = look(it)
            if lk in looks.values():
                other = [blocks[j][0] for j, v in looks.items() if v == lk]
                fail(f"{name} {title}: series {blocks[idx][0]!r} looks like {other} ({lk})")
            looks[idx] = lk
            cols = re.findall(r"\d+", m.group(2).split(":")[1])
            col = int(cols[0]) - 1
            for r in blocks[idx][1]:
                y = num(r[col])
                if y == y:
                    ys.append(y)
                    xs.append(num(r[0]))
            meta = series_meta.get(blocks[idx][0].split(" [")[0])
            if meta:
                ops.add(meta["op"])
        if len(ops) > 1 and name != "roofline":
            fail(f"{name} {title}: ops {sorted(ops)} share one panel")
        for ri in panel_refs:
            label, rows = blocks[ri]
            pos = [y for y in ys if y > 0]
            if not pos:
                fail(f"{name} {title}: reference {label!r} in a panel without positive data")
                continue
            lo, hi = min(pos), max(pos)
            for r in rows:
                x, y = num(r[0]), num(r[1])
                if not (lo / 10 <= y <= hi * 10):
                    fail(f"{name} {title}: reference {label!r} at y={y:g} outside 10x of the data's {lo:g}..{hi:g}")
                    break
                if not (min(xs) * (1 - 1e-9) <= x <= max(xs) * (1 + 1e-9)):
                    fail(f"{name} {title}: reference {label!r} at x={x:g} outside the data's {min(xs):g}..{max(xs):g}")
                    break
    for i, (label, _) in blocks.items():
        if i not in refs and i not in drawn:
            fail(f"{name}: series {label!r} is in the .dat but in no panel")
    # colour per (kernel, op, dtype); C vs Python never by colour alone
    ser = results["summary_metrics"][name].get("series", [])
    by_colour = {}
    for s in ser:
        meta = series_meta.get(s["label"])
        if not meta:
            continue
        triple = (meta["kernel"], meta["op"], meta["dtype"])
        by_colour.setdefault(s["colour"], set()).add(triple)
    ntriples = len({t for v in by_colour.values() for t in v})
    for c, triples in by_colour.items():
        if len(triples) > 1 and ntriples <= 10:
            fail(f"{name}: colour {c} used by several (kernel, op, dtype): {sorted(triples)}")
    for a in ser:
        for b in ser:
            ma, mb = series_meta.get(a["label"]), series_meta.get(b["label"])
            if a is b or not ma or not mb or ma["source"] == mb["source"]:
                continue
            style = "gnuplot_fill_pattern" if "gnuplot_fill_pattern" in a else "gnuplot_dash"  # bars: the fill
            if a["colour"] == b["colour"] and a.get(style) == b.get(style):
                fail(f"{name}: {a['label']!r} and {b['label']!r} differ by source but not by {style}")


def series_metadata(results):
    """label -> kernel/op/dtype/source, from the points of every plot."""
    meta = {}
    for name, data in results["summary_metrics"].items():
        if not isinstance(data, dict):
            continue
        for p in data.get("points", []) or []:
            if "series" in p:
                meta[p["series"]] = {"kernel": p.get("kernel"), "op": p.get("op"), "dtype": p.get("dtype"),
                                     "source": p.get("source")}
    return meta


def head_dim_impostor(corpus):
    """A copy of the fill family whose names put head_dim first (so it counts
    as a head_dim sweep) while it varies on tokens: the series rule must
    leave it out of latency_vs_head_dim with a note, not draw a vertical line."""
    src = [f for f in os.listdir(corpus) if "FillKVPages" in f][0]
    with open(os.path.join(corpus, src)) as f:
        d = json.load(f)
    for b in d["benchmarks"]:
        for k in ("name", "run_name"):
            if k in b:
                parts = b[k].split("/")
                hd = [p for p in parts if p.startswith("head_dim:")]
                rest = [p for p in parts[1:] if not p.startswith("head_dim:")]
                b[k] = "/".join(["BM_PAL_FillVsHeadDim"] + hd + rest)
        b["family"] = "BM_PAL_FillVsHeadDim"
    with open(os.path.join(corpus, src.replace("FillKVPages", "FillVsHeadDim")), "w") as f:
        json.dump(d, f)


def twin_family(corpus):
    """A copy of the fp16 PAL decode seq_len sweep under another family name:
    same kernel, source, op, dtype and axes, so the two families would share
    one series; they must be told apart by family name instead."""
    src = sorted(f for f in os.listdir(corpus) if "BM_PAL_LatencyVsSeqLen" in f)[0]
    with open(os.path.join(corpus, src)) as f:
        d = json.load(f)
    for b in d["benchmarks"]:
        for k in ("name", "run_name", "family"):
            if k in b:
                b[k] = b[k].replace("BM_PAL_LatencyVsSeqLen", "BM_PAL_DecodeVsSeqLen")
    with open(os.path.join(corpus, src.replace("LatencyVsSeqLen", "DecodeVsSeqLen")), "w") as f:
        json.dump(d, f)


def run(pal, corpus, out, *extra):
    r = subprocess.run([pal, "analyze", corpus, out, *extra], capture_output=True, text=True)
    if r.returncode != 0:
        fail(f"pal analyze {' '.join(extra)} exited {r.returncode}: {r.stderr[-800:]}")
    with open(os.path.join(out, "results.json")) as f:
        return json.load(f)


def check_run(pal, corpus, out, *extra):
    results = run(pal, corpus, out, *extra)
    meta = series_metadata(results)
    for name, info in results["plots"].items():
        if info["status"] != "drawn":
            fail(f"{name} ({' '.join(extra) or 'newest'}): {info['status']}: {info.get('note', '')}")
            continue
        check_plot(out, name, results, meta)
    for name in SEED_PLOTS:
        for ext in ("png", "svg", "gp", "dat"):
            p = os.path.join(out, f"{name}.{ext}")
            if not os.path.isfile(p) or os.path.getsize(p) == 0:
                fail(f"missing or empty {p}")
    return results


def main():
    pal = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="pal-plot-rules-")
    try:
        corpus = os.path.join(tmp, "corpus")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_mixed_corpus.py"), corpus], check=True,
                       stdout=subprocess.DEVNULL)
        head_dim_impostor(corpus)
        twin_family(corpus)
        results = check_run(pal, corpus, os.path.join(tmp, "out"))
        labels = [x["label"] for x in results["summary_metrics"]["latency_vs_seq_len"]["series"]]
        if not any("BM_PAL_DecodeVsSeqLen" in l for l in labels):
            fail(f"latency_vs_seq_len: twin families are not told apart by name: {labels}")
        notes = results["plots"]["latency_vs_head_dim"].get("left_out", [])
        if not any("BM_PAL_FillVsHeadDim" in n and "tokens" in n for n in notes):
            fail(f"latency_vs_head_dim: the tokens-varying family is not noted as left out: {notes}")
        hd = results["summary_metrics"]["latency_vs_head_dim"]["points"]
        if any(p.get("family") == "BM_PAL_FillVsHeadDim" for p in hd):
            fail("latency_vs_head_dim: the tokens-varying family was drawn")
        for name in ("latency_vs_seq_len", "model_configs_comparison"):
            rows = results["summary_metrics"][name].get("panel_rows")
            if rows != ["decode", "prefill"]:
                fail(f"{name}: panel rows {rows}, want decode and prefill apart")
        runs = os.path.join(tmp, "runs")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_mixed_corpus.py"), runs, "--runs", "3"], check=True,
                       stdout=subprocess.DEVNULL)
        check_run(pal, runs, os.path.join(tmp, "out_all_runs"), "--all-runs")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"check_plot_rules: {len(failures)} failure(s)")
        return 1
    print("check_plot_rules: every plot follows the rules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
