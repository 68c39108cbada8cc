"""Drawing helpers for plotters: series from table rows, their look, the legend
outside the axes, PNG + SVG written atomically.

Plotters may use them or not (a user's plotter can use pyplot directly); the built-in
ones do, so they look like the C plots: one colour per (kernel, op, dtype), line
style and marker per source, series split by every dimension that varies, legend
off the data. Figures are matplotlib `Figure` objects on the Agg canvas, not pyplot
figures: nothing global to leak from one plotter to the next.
"""
from __future__ import annotations

import os
import traceback
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

SERIES_KEYS = ("family", "kernel", "source", "dtype", "op")
# Dimensions that split a series further when they vary inside it (so a line is one
# sweep, never a zigzag through two configurations).
SPLIT_COLUMNS = ("machine", "model", "layout", "cache", "params", "seq_len", "head_dim", "items",
                 "batch", "num_q_heads", "num_kv_heads", "page_size")
KERNEL_LABELS = {"pal": "PAL", "sdpa": "SDPA"}


@dataclass
class Series:
    """Rows of one line, sorted by x, and the values that identify it."""

    key: Dict[str, Any]
    rows: pd.DataFrame


def figure(style: Dict[str, Any], ncols: int = 1, nrows: int = 1) -> Tuple[Figure, List[Any]]:
    """A figure of nrows x ncols panels of style["panel_size"] (the C plots' 700 x 560
    px) and its axes, placed by fixed margins in inches (style["margins"]), so no
    tight-bbox pass is needed at save time (it doubles the drawing cost)."""
    w, h = style["panel_size"]
    m = style["margins"]
    fig = Figure(figsize=(w * ncols, h * nrows), dpi=style["dpi"])
    FigureCanvasAgg(fig)
    fw, fh = w * ncols, h * nrows
    axes = []
    for r in range(nrows):
        for c in range(ncols):
            left, bottom = c * w + m["left"], (nrows - 1 - r) * h + m["bottom"]
            axes.append(fig.add_axes([left / fw, bottom / fh, (w - m["left"] - m["right"]) / fw,
                                      (h - m["bottom"] - m["top"]) / fh]))
    return fig, axes


def log_axis(ax: Any, which: str = "x", base: float = 10) -> None:
    """A log axis with plain tick labels (64, 128, 0.5, as in the C plots): every power
    of `base` (and 2x, 5x for base 10), no minor ticks (they halve the drawing speed)."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log", base=base)
    axis.set_major_locator(LogLocator(base=base, subs=(1.0, 2.0, 5.0) if base == 10 else (1.0,)))
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _present(value: Any) -> bool:
    return not (value is None or (isinstance(value, float) and np.isnan(value)))


def _groups(df: pd.DataFrame, columns: Sequence[str]) -> Iterable[Tuple[tuple, pd.DataFrame]]:
    """(values tuple, rows) per distinct combination of `columns`, missing values included."""
    if not columns:
        yield (), df
        return
    by = list(columns) if len(columns) > 1 else columns[0]  # one name: no 1-tuple warning
    for values, rows in df.groupby(by, dropna=False, sort=True):
        yield (values if isinstance(values, tuple) else (values,)), rows


def series(df: pd.DataFrame, x: str, keys: Sequence[str] = SERIES_KEYS,
           split: Sequence[str] = SPLIT_COLUMNS, min_points: int = 2) -> List[Series]:
    """The lines of `df` along `x`: one per distinct `keys`, split further by every
    column of `split` that varies inside it; lines with fewer than `min_points`
    distinct x values are left out. Missing values are a value of their own."""
    keys = [k for k in keys if k in df.columns]
    rows = df[df[x].notna()] if x in df.columns else df.iloc[0:0]
    if rows.empty:
        return []
    out: List[Series] = []
    for values, group in _groups(rows, keys):
        base = dict(zip(keys, values))
        varying = [c for c in split if c != x and c not in keys and c in group.columns
                   and group[c].nunique(dropna=False) > 1]
        for sub_values, part in _groups(group, varying):
            if part[x].nunique() < min_points:
                continue
            key = dict(base)
            key.update(zip(varying, sub_values))
            out.append(Series(key=key, rows=part.sort_values(x, kind="mergesort")))
    return out


OP_ORDER = ("prefill", "decode")


def by_op(all_series: Sequence[Series]) -> List[Tuple[str, List[Series]]]:
    """The series grouped into panels by `op`: prefill, decode, the others by name,
    unknown last. Prefill and decode latencies differ by orders of magnitude: one
    panel each keeps both readable."""
    panels: Dict[str, List[Series]] = {}
    for s in all_series:
        op = s.key.get("op")
        panels.setdefault(str(op) if _present(op) else "", []).append(s)

    def rank(op: str) -> Tuple[int, str]:
        return (OP_ORDER.index(op) if op in OP_ORDER else len(OP_ORDER) + (op == ""), op)

    return [(op, panels[op]) for op in sorted(panels, key=rank)]


def statistic_label(df: pd.DataFrame) -> str:
    """"p50" when every row's time is a median, else the statistics used."""
    used = sorted(df["statistic"].dropna().unique()) if "statistic" in df.columns else []
    if used == ["median"]:
        return "p50"
    return "/".join(used) if used else "statistic unknown"


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# The order label fields are considered in: a field is shown only when it tells
# apart series that the fields before it do not (so a family name appears only when
# two series of one kernel, source, dtype, ... differ in it).
LABEL_ORDER = ("dtype", "machine", "model", "layout", "cache", "params", "seq_len", "head_dim", "items",
               "batch", "num_q_heads", "num_kv_heads", "page_size", "op", "family")


def labels(all_series: Sequence[Series], always: Sequence[str] = ("kernel", "source"),
           omit: Sequence[str] = ()) -> List[str]:
    """A legend label per series: "KERNEL (source)", then only the fields needed to
    tell the series apart (like the C plots' series names), never those in `omit`
    (e.g. the op when each panel is one op)."""
    fields = [f for f in LABEL_ORDER if any(f in s.key for s in all_series)]
    fields += [f for s in all_series for f in s.key if f not in fields]
    shown: List[str] = []
    for f in fields:
        if f in always or f in omit or f in shown:
            continue
        seen: Dict[tuple, set] = {}
        for s in all_series:
            seen.setdefault(tuple(_fmt(s.key.get(g)) for g in (*always, *shown)), set()).add(_fmt(s.key.get(f)))
        if any(len(v) > 1 for v in seen.values()):
            shown.append(f)
    out = []
    for s in all_series:
        k = s.key
        kernel = k.get("kernel")
        text = KERNEL_LABELS.get(kernel, str(kernel)) if _present(kernel) else "?"
        if _present(k.get("source")):
            text += f" ({k['source']})"
        for f in shown:
            v = k.get(f)
            if _present(v):
                text += " " + (_fmt(v) if f in ("dtype", "family", "machine", "model") else f"{f}={_fmt(v)}")
        out.append(text)
    return out


def common(all_series: Sequence[Series], fields: Sequence[str] = ("dtype",)) -> str:
    """The values of `fields` that every series shares ("bf16"), for a panel title."""
    out = []
    for f in fields:
        values = {_fmt(s.key.get(f)) for s in all_series if _present(s.key.get(f))}
        if len(values) == 1 and all(_present(s.key.get(f)) for s in all_series):
            out.append(values.pop())
    return ", ".join(out)


def set_title(ax: Any, text: str) -> None:
    """The panel's title at a fixed height: matplotlib otherwise measures every tick
    label at each draw to place it (a fifth of the drawing time)."""
    ax.set_title(text, y=1.0, pad=6)


def panel_title(op: str, panel: Sequence[Series]) -> str:
    """"op: prefill (bf16)": the panel's op and what all its series share."""
    shared = common(panel)
    return (f"op: {op}" if op else "op unknown") + (f" ({shared})" if shared else "")


def look(rows: pd.DataFrame, style: Dict[str, Any], index: int = 0) -> Dict[str, Any]:
    """Colour, line style and marker of a series: its first row's table columns, else
    the palette by series index and the source's style."""
    cols, fb = style["columns"], style["fallback"]
    first = rows.iloc[0]

    def value(column: str) -> Optional[str]:
        v = first.get(column) if column in rows.columns else None
        return v if isinstance(v, str) and v else None

    source = value("source")
    return {
        "color": value(cols["colour"]) or style["palette"][index % len(style["palette"])],
        "linestyle": value(cols["linestyle"]) or style["linestyle"].get(source, fb["linestyle"]),
        "marker": value(cols["marker"]) or style["marker"].get(source, fb["marker"]),
    }


# Like the C plots (plot.c assign_looks): a series that would look like an earlier one
# of the same figure gets the next free marker, then the next dash pattern.
MARKERS = ("o", "^", "D", "s", "v", "p", "h", "X", "P", "*", "<", ">", "d", "H", "8")
DASHES = ("-", "--", ":", "-.", (0, (5, 1)), (0, (1, 3)), (0, (8, 2, 1, 2)))


class Looks:
    """The looks already used in one figure, so no two series look alike."""

    def __init__(self, style: Dict[str, Any]) -> None:
        self.style = style
        self.used: List[Tuple[str, str, str]] = []

    def take(self, rows: pd.DataFrame, index: int = 0) -> Dict[str, Any]:
        want = look(rows, self.style, index)
        candidates = [(want["linestyle"], want["marker"])]
        candidates += [(want["linestyle"], m) for m in MARKERS if m != want["marker"]]
        candidates += [(d, m) for d in DASHES if d != want["linestyle"] for m in MARKERS]
        for dash, marker in candidates:
            key = (want["color"], str(dash), marker)
            if key not in self.used:
                self.used.append(key)
                return dict(want, linestyle=dash, marker=marker)
        return want


def draw(ax: Any, s: Series, x: str, y: str, style: Dict[str, Any], label: str, index: int = 0,
         low: Optional[str] = None, high: Optional[str] = None, looks: Optional[Looks] = None) -> Any:
    """One series as a line with markers (error bars from `low`/`high` when given),
    in its rows' look (`looks`: the figure's Looks, so it differs from the others)."""
    xs = s.rows[x].to_numpy(dtype=float)
    ys = s.rows[y].to_numpy(dtype=float)
    kw = dict(looks.take(s.rows, index) if looks else look(s.rows, style, index),
              linewidth=style["line_width"], markersize=style["marker_size"], label=label)
    if low and high and low in s.rows.columns and high in s.rows.columns:
        lo = np.nan_to_num(ys - s.rows[low].to_numpy(dtype=float), nan=0.0).clip(min=0)
        hi = np.nan_to_num(s.rows[high].to_numpy(dtype=float) - ys, nan=0.0).clip(min=0)
        if lo.any() or hi.any():
            return ax.errorbar(xs, ys, yerr=[lo, hi], capsize=2, elinewidth=0.8, **kw)
    return ax.plot(xs, ys, **kw)[0]


def legend_outside(fig: Figure, sections: Sequence[Tuple[Optional[str], Sequence[Any], Sequence[str]]],
                   style: Dict[str, Any], ax: Any = None) -> Any:
    """One legend for the figure, right of `ax` (default: the last panel), never over
    the data; the figure grows on the right to hold it (the panels keep their size)
    and the legend takes more columns when it is taller than the panel.
    `sections` is [(title or None, handles, texts)]: with several, each title (e.g.
    the panel's op) heads its entries in bold."""
    handles: List[Any] = []
    texts: List[str] = []
    bold: List[int] = []
    for title, hs, ts in sections:
        if title and len(sections) > 1:
            bold.append(len(texts))
            handles.append(Line2D([], [], linestyle="none"))
            texts.append(title)
        handles += list(hs)
        texts += list(ts)
    ax = ax if ax is not None else fig.axes[-1]
    renderer = fig.canvas.get_renderer()
    room = ax.get_window_extent(renderer).height
    ncol = 1
    while True:
        legend = fig.legend(handles, texts, fontsize=style["font_size"] - 1, bbox_transform=ax.transAxes,
                            ncol=ncol, **style["legend"])
        for i in bold:
            legend.get_texts()[i].set_fontweight("bold")
        box = legend.get_window_extent(renderer)
        if box.height <= room or ncol >= 4:
            break
        legend.remove()
        ncol += 1
    fw, fh = fig.get_size_inches()
    needed = box.x1 / fig.dpi + style["margins"]["right"]
    if needed > fw:
        positions = [(a, a.get_position()) for a in fig.axes]
        fig.set_size_inches(needed, fh)
        for a, p in positions:  # same place and size in inches
            a.set_position([p.x0 * fw / needed, p.y0, p.width * fw / needed, p.height])
    return legend


def _write(fig: Figure, jobs: Sequence[Tuple[str, str, str]], dpi: float, tight: bool) -> None:
    """Draws `fig` into each (format, temporary path, final path), renaming into place."""
    for fmt, tmp, final in jobs:
        try:
            fig.savefig(tmp, format=fmt, dpi=dpi, metadata={"Date": None} if fmt == "svg" else None,
                        bbox_inches="tight" if tight else None)
            os.replace(tmp, final)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def save(fig: Figure, output_dir: str, name: str, style: Dict[str, Any], tight: bool = False) -> Dict[str, str]:
    """Writes NAME.png and NAME.svg (style["formats"]) into output_dir, each through a
    temporary file renamed into place; returns {"png": "NAME.png", "svg": "NAME.svg"}.

    Each format is a whole drawing of the figure. With style["parallel_save"] a forked
    child draws the other formats while this process draws the first: by then pal
    analyze is mostly done and a core is free (0.15 s less per figure on the 2-core VM).
    tight=True trims the image to its content (for figures not laid out by figure();
    it costs a second layout pass per format)."""
    jobs = [(fmt, os.path.join(output_dir, f".{name}.tmp.{fmt}"), os.path.join(output_dir, f"{name}.{fmt}"))
            for fmt in style["formats"]]
    dpi = style["dpi"]
    pid = os.fork() if style.get("parallel_save") and len(jobs) > 1 and hasattr(os, "fork") else -1
    if pid == 0:  # the child: the other formats, then out without the parent's cleanup
        code = 1
        try:
            _write(fig, jobs[1:], dpi, tight)
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _write(fig, jobs if pid < 0 else jobs[:1], dpi, tight)
    if pid > 0:
        _, status = os.waitpid(pid, 0)
        if status != 0:
            raise RuntimeError(f"drawing {', '.join(os.path.basename(j[2]) for j in jobs[1:])} failed (above)")
    return {fmt: os.path.basename(final) for fmt, _, final in jobs}
