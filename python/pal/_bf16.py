"""bfloat16 as uint16 bit patterns: NumPy has no bfloat16 dtype, so pal reads a
uint16 array as the upper 16 bits of float32 values (ml_dtypes.bfloat16
arrays are accepted as they are)."""

import numpy as np


def to_bf16(x):
    """float32 (or anything NumPy casts to float32 exactly) -> uint16 bfloat16
    bit patterns, rounding to nearest even; NaN stays a quiet NaN."""
    f = np.ascontiguousarray(x, dtype=np.float32)
    b = f.view(np.uint32)
    rounded = (b + np.uint32(0x7FFF) + ((b >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)
    nan = np.isnan(f)
    if nan.any():
        rounded = np.where(nan, (b >> np.uint32(16)) | np.uint32(0x0040), rounded)
    return rounded.astype(np.uint16)


def bf16_to_float32(h):
    """uint16 bfloat16 bit patterns -> float32 (exact)."""
    h = np.asarray(h)
    if h.dtype != np.uint16:
        raise TypeError(f"bf16_to_float32: expected uint16 bit patterns, got {h.dtype}")
    return (h.astype(np.uint32) << np.uint32(16)).view(np.float32)
