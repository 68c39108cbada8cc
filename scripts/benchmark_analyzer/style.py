"""The look the Python plotters share with the C plots (src/analyze/style.c, gnuplot.c).

A plotter gets this as `options["style"]`, a fresh copy per plotter (changing it
affects nobody else). The table already carries each row's look:

  colour     "#RRGGBB", one per (kernel, op, dtype), the colour the C plots use
  linestyle  the source: "-" cpp (Google Benchmark), "--" py (pytest-benchmark), ":" nvbench
  marker     the source: "o" cpp, "^" py, "D" nvbench

so a series drawn with its first row's colour/linestyle/marker looks like the same
series in the gnuplot images. Sizes follow gnuplot's: 700 x 560 px per panel at 100
dpi, 10 pt text, 14 pt titles; the legend goes outside the axes, never over the data.
Standard library only.
"""
from __future__ import annotations

import copy
from typing import Any, Dict

# Okabe-Ito without yellow, then three of Tableau 10: style.c's anz_palette, in its
# order, for rows whose colour is unknown and for series a plotter makes up itself.
# A copy of C facts (this, and the linestyle/marker maps below):
# tests/analyze/python/test_analyzer_units.py fails when they drift apart.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000",
           "#56B4E9", "#E69F00", "#9C755F", "#B07AA1", "#59A14F")

_STYLE: Dict[str, Any] = {
    "panel_size": (7.0, 5.6),  # inches per panel (gnuplot: 700 x 560 px)
    "dpi": 100,
    "font_size": 10,
    "title_size": 14,
    "line_width": 1.5,
    "marker_size": 5,
    "palette": PALETTE,
    "columns": {"colour": "colour", "linestyle": "linestyle", "marker": "marker"},
    "colour_by": ("kernel", "op", "dtype"),
    "linestyle": {"cpp": "-", "py": "--", "nvbench": ":"},
    "marker": {"cpp": "o", "py": "^", "nvbench": "D"},
    "fallback": {"colour": "#555555", "linestyle": "-", "marker": "o"},
    "meaning": {
        "colour": "one colour per (kernel, op, dtype), the same as the C plots",
        "linestyle": "the source: '-' cpp (Google Benchmark), '--' py (pytest-benchmark), ':' nvbench",
        "marker": "the source: 'o' cpp, '^' py, 'D' nvbench",
    },
    # matplotlib 3.6 (Debian 12) has no loc="outside right": figures.legend_outside
    # anchors this in the last panel's axes coordinates (just right of it) and widens
    # the figure to hold it.
    "legend": {"loc": "upper left", "bbox_to_anchor": (1.03, 1.0), "frameon": False},
    # inches around each panel's axes: tick labels + axis label, title + figure title
    "margins": {"left": 0.95, "right": 0.25, "bottom": 0.6, "top": 0.85},
    "formats": ("png", "svg"),
    "parallel_save": True,  # figures.save: a forked child draws the SVG while the PNG is drawn
}


def default_style() -> Dict[str, Any]:
    """A fresh copy of the shared style (see the module docstring for its keys)."""
    return copy.deepcopy(_STYLE)
