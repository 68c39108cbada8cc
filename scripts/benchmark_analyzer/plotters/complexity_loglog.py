"""Latency vs sequence length on log-log axes, with fitted complexity per series.

Series: family x kernel x source x dtype x op (split further by any other dimension
that varies inside one), rows of families that sweep seq_len, three or more distinct
seq_len values. Per series, a least-squares line in log space gives the measured
exponent (latency ~ n^k), and O(n), O(n log n) and O(n^2) curves, each with its
constant fitted to the series, are drawn thin in the series' colour over that
series' own seq_len range only; the one with the smallest squared log residual is
the series' best fit. The references never set the y range (the data does).
Prefill and decode get separate panels (their latencies differ by orders of magnitude).
"""
from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from benchmark_analyzer import figures

DESCRIPTION = "log-log latency vs seq_len per series, with fitted O(n), O(n log n), O(n^2) references"
REQUIRED_COLUMNS = ["seq_len", "latency_ms"]
NAME = "complexity_loglog"
GROUP = ("family", "kernel", "source", "dtype", "op")
MIN_POINTS = 3
# name, log of the model's shape g(n), legend dash pattern
REFERENCES: Tuple[Tuple[str, Any, Any], ...] = (
    ("O(n)", lambda n: np.log(n), (0, (1, 1.5))),
    ("O(n log n)", lambda n: np.log(n) + np.log(np.log2(n)), (0, (6, 2, 1, 2))),
    ("O(n^2)", lambda n: 2 * np.log(n), (0, (3, 2))),
)


def fit(n: np.ndarray, t: np.ndarray) -> Dict[str, Any]:
    """The log-space least-squares exponent, and each reference's constant and residual.

    The exponent is the slope of log t against log n; a reference g(n) gets the constant
    c minimising sum((log t - g(n) - c)^2), which is the mean residual."""
    ln, lt = np.log(n), np.log(t)
    slope, intercept = np.polyfit(ln, lt, 1)
    resid = lt - (slope * ln + intercept)
    total = float(((lt - lt.mean()) ** 2).sum())
    refs = {}
    for name, shape, _ in REFERENCES:
        if name == "O(n log n)" and n.min() < 2:  # log2(n) <= 0: undefined
            continue
        g = shape(n)
        c = float((lt - g).mean())
        refs[name] = {"log_constant": c, "sse": float(((lt - g - c) ** 2).sum())}
    best = min(refs, key=lambda k: refs[k]["sse"])
    return {"exponent": float(slope), "r2": 1.0 - float((resid ** 2).sum()) / total if total > 0 else None,
            "best_fit": best, "references": refs}


def _rows(df: pd.DataFrame) -> pd.DataFrame:
    rows = df[(df["seq_len"] > 0) & (df["latency_ms"] > 0)]
    if "study" in rows.columns and (rows["study"] == "seq_len").any():
        rows = rows[rows["study"] == "seq_len"]  # the seq_len sweeps, not rows that merely carry one
    return rows


def plot(df: pd.DataFrame, output_dir: str, **options: Any) -> Dict[str, Any]:
    style = options["style"]
    rows = _rows(df)
    lines = figures.series(rows, "seq_len", keys=GROUP, min_points=MIN_POINTS)
    if not lines:
        return {"skipped": f"no series has a latency at {MIN_POINTS} or more seq_len values "
                           f"({len(rows)} rows with seq_len and latency)"}
    fits = {id(s): fit(s.rows["seq_len"].to_numpy(dtype=float), s.rows["latency_ms"].to_numpy(dtype=float))
            for s in lines}
    panels = figures.by_op(lines)
    stat = figures.statistic_label(rows)
    fig, axes = figures.figure(style, ncols=len(panels))
    looks = figures.Looks(style)
    sections = []
    out: List[Dict[str, Any]] = []
    for (op, panel), ax in zip(panels, axes):
        figures.log_axis(ax, "x", base=2)
        figures.log_axis(ax, "y")
        handles, texts = [], []
        for s, base in zip(panel, figures.labels(panel, omit=("op",))):
            f = fits[id(s)]
            text = f"{base}: n^{f['exponent']:.2f} ~ {f['best_fit']}"
            handles.append(figures.draw(ax, s, "seq_len", "latency_ms", style, text, len(out),
                                        "latency_ms_low", "latency_ms_high", looks))
            texts.append(text)
            n = s.rows["seq_len"].to_numpy(dtype=float)
            out.append({"label": f"{base} [{op or 'op unknown'}]", **{k: s.key.get(k) for k in GROUP},
                        "points": int(len(n)), "seq_len_min": float(n.min()), "seq_len_max": float(n.max()), **f})
        sections.append((figures.panel_title(op, panel), handles, texts))
        ax.set_ylim(ax.get_ylim())  # the data's range; the references below must not widen it
        for s in panel:
            n = s.rows["seq_len"].to_numpy(dtype=float)
            xs = np.geomspace(n.min(), n.max(), 24)
            colour = figures.look(s.rows, style)["color"]
            for name, shape, dash in REFERENCES:
                ref = fits[id(s)]["references"].get(name)
                if ref is not None:
                    ax.plot(xs, np.exp(ref["log_constant"] + shape(xs)), color=colour, linestyle=dash,
                            linewidth=0.8, alpha=0.4, scalex=False, scaley=False)
        ax.set_xlabel("Sequence length (tokens)")
        ax.set_ylabel(f"Latency (ms per call, {stat})")
        figures.set_title(ax, figures.panel_title(op, panel))
        ax.grid(True, which="major", alpha=0.3)
    refs = [Line2D([], [], color="#555555", linestyle=dash, linewidth=0.9) for _, _, dash in REFERENCES]
    sections.append(("references (fitted per series, its colour)", refs, [name for name, _, _ in REFERENCES]))
    fig.suptitle("Latency vs sequence length (log-log): fitted exponent and best reference per series")
    figures.legend_outside(fig, sections, style)
    figures.save(fig, output_dir, NAME, style)
    return {"x": "seq_len", "y": "latency_ms", "statistic": stat,
            "references": [name for name, _, _ in REFERENCES], "series": out}
