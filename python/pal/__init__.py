"""pal: libpal's paged-attention kernels on NumPy arrays.

The kernels (decode, prefill, fill_kv_pages, sdpa) are a C extension over
libpal: they validate every argument, never copy an input, and release the GIL
while they run. PagedKVCache is a small page allocator for trying them. See docs/PYTHON.md.
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
    prefill,
    sdpa,
)
from . import _pal
from ._bf16 import bf16_to_float32, to_bf16
from .kv_cache import OutOfPagesError, PagedKVCache

# the version set once, in CMake's project(PAL VERSION ...) (pal/version.h)
__version__ = _pal.__version__

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
    "prefill",
    "sdpa",
    "to_bf16",
]
