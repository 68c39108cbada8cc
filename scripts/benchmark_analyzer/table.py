"""The analyzer's normalised table as a pandas DataFrame.

`pal analyze --table FILE` writes one row per benchmark instance it used, with the
columns below in this order (docs/ANALYZE.md, "The table (`--table`): the plotters'
contract"). An empty field means unknown and reads as NaN. String columns are read
as strings (never guessed as numbers or dates), numbers as floats. With --kernel,
pal analyze writes only the rows of those kernels (its matching rules: class or
kernel_name), so the table is already what the plotters get.
pandas is imported when a table is read, so the column contract can be imported (and
checked against pal analyze's header) without it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, List

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = (
    "name", "family", "source", "kernel", "kernel_name", "study", "op", "dtype", "model",
    "layout", "cache", "machine", "run", "seq_len", "head_dim", "items", "batch",
    "num_q_heads", "num_kv_heads", "page_size", "effective_items", "params", "latency_ms",
    "latency_ms_low", "latency_ms_high", "statistic", "spread", "samples",
    "throughput_items_per_sec", "bytes_per_second", "flops_per_second", "items_per_second",
    "bw_util", "flop_util", "roofline_util", "arithmetic_intensity", "foreign_load", "bw_peak",
    "peak_compute_flops", "flop_peak", "bw_roof", "flop_roof", "probe_suspect", "colour",
    "linestyle", "marker", "run_epoch", "file",
)
STRING_COLUMNS = (
    "name", "family", "source", "kernel", "kernel_name", "study", "op", "dtype", "model",
    "layout", "cache", "machine", "run", "params", "statistic", "spread", "bw_roof",
    "flop_roof", "colour", "linestyle", "marker", "file",
)


def read_table(path: str) -> pd.DataFrame:
    """Reads the table CSV in one C-engine pass: empty fields are NaN, nothing else is."""
    import pandas as pd

    with open(path, "r", encoding="utf-8", newline="") as f:
        header = f.readline().rstrip("\r\n").split(",")
    dtypes = {c: str for c in STRING_COLUMNS if c in header}
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=dtypes, engine="c")


def missing_columns(df: pd.DataFrame, required: Iterable[str]) -> List[str]:
    """The required columns the data lacks or holds no value in (REQUIRED_COLUMNS)."""
    return [c for c in required if c not in df.columns or not df[c].notna().any()]


def unknown_columns(df: pd.DataFrame) -> List[str]:
    """Contract columns the file does not have (a table from another pal version)."""
    return [c for c in COLUMNS if c not in df.columns]
