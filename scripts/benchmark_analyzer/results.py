"""Adding the Python plotters' entries to pal analyze's results.json.

pal analyze writes results.json (strict JSON, docs/ANALYZE.md "results.json"); this
module adds, per Python plotter, what the C plots have:

  plots[name]           {"status": "drawn"|"skipped"|"failed", "description", "note",
                         "needs", "files": {...}, "plotter": "python", "module": path}
  summary_metrics[name] the dict the plotter returned (drawn plotters)
  plot_files[name]      its first PNG (drawn plotters; the seed's key)

and rewrites the file atomically: a temporary file in the same folder, then
os.replace, so a reader never sees half a file. Values a plotter returns are made
JSON-safe first (numpy scalars and arrays, NaN/Infinity -> null, tuples, sets,
non-string keys). Standard library only (numpy types are recognised by duck typing).
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from typing import Any, Dict, Optional


def json_safe(value: Any) -> Any:
    """`value` as plain JSON types: what json.dump(allow_nan=False) accepts."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [json_safe(v) for v in sorted(value, key=str)]
    if hasattr(value, "tolist") and callable(value.tolist):  # numpy arrays and scalars, pandas
        return json_safe(value.tolist())
    if hasattr(value, "item") and callable(value.item):  # other numpy-like scalars
        return json_safe(value.item())
    if hasattr(value, "isoformat") and callable(value.isoformat):  # dates, pandas Timestamps
        return value.isoformat()
    return str(value)


def load(path: str) -> Optional[Dict[str, Any]]:
    """results.json as a dict; None when it cannot be read."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def add_plot(doc: Dict[str, Any], name: str, entry: Dict[str, Any], summary: Optional[Dict[str, Any]],
             first_png: Optional[str]) -> None:
    """Records one Python plotter in `doc` (see the module docstring)."""
    doc.setdefault("plots", {})[name] = json_safe(entry)
    if summary is not None:
        doc.setdefault("summary_metrics", {})[name] = json_safe(summary)
    if first_png:
        doc.setdefault("plot_files", {})[name] = first_png


def write_atomic(path: str, doc: Dict[str, Any]) -> None:
    """Writes `doc` as strict JSON to `path` through a temporary file + os.replace,
    keeping the old file's permissions."""
    folder = os.path.dirname(os.path.abspath(path))
    text = json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".results.json.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        except OSError:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
