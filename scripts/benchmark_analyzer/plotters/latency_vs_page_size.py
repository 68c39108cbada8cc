"""Latency (p50) vs KV page size, one line per series that sweeps the page size.

A series is a (family, kernel, source, dtype, op) group, split further by any other
dimension that varies inside it (seq_len, batch, ...), kept when its rows cover at
least two page sizes. One panel per op. Page sizes are powers of two in practice,
so the x axis is log2 with a tick at each measured size. Nothing varies in page size
(the default sweeps fix it at 16): skipped, with the note saying so.
"""
from __future__ import annotations

from typing import Any, Dict

import numpy as np
import pandas as pd

from benchmark_analyzer import figures

DESCRIPTION = "p50 latency vs KV page size per (family, kernel, source, dtype, op) series"
REQUIRED_COLUMNS = ["page_size", "latency_ms"]
NAME = "latency_vs_page_size"
GROUP = ("family", "kernel", "source", "dtype", "op")


def _skip_note(rows: pd.DataFrame) -> str:
    sizes = sorted(rows["page_size"].dropna().unique())
    shown = ", ".join(f"{s:g}" for s in sizes[:6]) + (", ..." if len(sizes) > 6 else "")
    return (f"no (family, kernel, source, dtype, op) series has rows at two or more page sizes "
            f"({len(rows)} rows with a page_size; page sizes seen: {shown or 'none'})")


def plot(df: pd.DataFrame, output_dir: str, **options: Any) -> Dict[str, Any]:
    style = options["style"]
    rows = df[(df["page_size"] > 0) & (df["latency_ms"] > 0)]
    lines = figures.series(rows, "page_size", keys=GROUP, min_points=2)
    if not lines:
        return {"skipped": _skip_note(rows)}
    panels = figures.by_op(lines)
    stat = figures.statistic_label(rows)
    fig, axes = figures.figure(style, ncols=len(panels))
    looks = figures.Looks(style)
    sections, out = [], []
    for (op, panel), ax in zip(panels, axes):
        sizes = sorted({float(v) for s in panel for v in s.rows["page_size"]})
        handles, texts = [], []
        for s, text in zip(panel, figures.labels(panel, omit=("op",))):
            handles.append(figures.draw(ax, s, "page_size", "latency_ms", style, text, len(out),
                                        "latency_ms_low", "latency_ms_high", looks))
            texts.append(text)
            best = s.rows.loc[s.rows["latency_ms"].idxmin()]
            out.append({"label": f"{text} [{op or 'op unknown'}]", **{k: s.key.get(k) for k in GROUP},
                        "page_sizes": s.rows["page_size"].tolist(), "latency_ms": s.rows["latency_ms"].tolist(),
                        "best_page_size": best["page_size"], "best_latency_ms": best["latency_ms"]})
        sections.append((figures.panel_title(op, panel), handles, texts))
        ax.set_xscale("log", base=2)
        ax.set_xticks(sizes)
        ax.set_xticklabels([f"{v:g}" for v in sizes])
        ax.minorticks_off()
        ys = np.concatenate([s.rows["latency_ms"].to_numpy(dtype=float) for s in panel])
        if ys.max() >= 10 * ys.min():
            figures.log_axis(ax, "y")
        ax.set_xlabel("Page size (tokens per page)")
        ax.set_ylabel(f"Latency (ms per call, {stat})")
        figures.set_title(ax, figures.panel_title(op, panel))
        ax.grid(True, which="major", alpha=0.3)
    fig.suptitle("Latency vs KV page size")
    figures.legend_outside(fig, sections, style)
    figures.save(fig, output_dir, NAME, style)
    return {"x": "page_size", "y": "latency_ms", "statistic": stat, "series": out}
