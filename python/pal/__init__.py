"""pal: libpal's paged-attention kernels on NumPy arrays.

The kernels (decode, fill_kv_pages, sdpa) are a C extension over libpal: they
validate every argument, never copy an input, and release the GIL while they
run. PagedKVCache is a small page allocator for trying them. See docs/PYTHON.md.
"""

from ._pal import (
    Context,
    PalError,
    cpu_info,
    decode,
    default_context,
    fill_kv_pages,
    isa_levels,
    isa_supported,
    library_version,
    sdpa,
)
from . import _pal
from ._bf16 import bf16_to_float32, to_bf16
from .kv_cache import OutOfPagesError, PagedKVCache

__version__ = "0.1.0"

# pal.prefill is there when the libpal it was built against has pal_prefill
if hasattr(_pal, "prefill"):
    prefill = _pal.prefill

__all__ = [
    "Context",
    "OutOfPagesError",
    "PagedKVCache",
    "PalError",
    "bf16_to_float32",
    "cpu_info",
    "decode",
    "default_context",
    "fill_kv_pages",
    "isa_levels",
    "isa_supported",
    "library_version",
    "sdpa",
    "to_bf16",
] + (["prefill"] if hasattr(_pal, "prefill") else [])
