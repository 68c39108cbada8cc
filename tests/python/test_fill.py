"""pal.fill_kv_pages against a reference that writes slot by slot."""

import numpy as np
import pytest

import pal
from reference import random, ref_fill


def pools(rng, dtype, layout, pages, ps, hkv, D):
    shape = (pages, hkv, ps, D) if layout == "hnd" else (pages, ps, hkv, D)
    return random(rng, shape, dtype), random(rng, shape, dtype)


@pytest.mark.parametrize("layout", ["hnd", "nhd"])
@pytest.mark.parametrize("src", ["fp32", "fp16", "bf16"])
@pytest.mark.parametrize("dst", ["fp32", "fp16", "bf16"])
def test_fill_matches_reference(rng, src, dst, layout):
    pages, ps, hkv, D = 5, 7, 3, 80
    k, v = pools(rng, dst, layout, pages, ps, hkv, D)
    T = 20
    k_new, v_new = random(rng, (T, hkv, D), src), random(rng, (T, hkv, D), src)
    slots = rng.permutation(pages * ps)[:T].astype(np.int64)
    slots[3] = -1  # skipped
    slots[7] = slots[11]  # duplicate: the later token wins
    ref_k, ref_v = ref_fill(k_new, v_new, slots, k, v, layout)
    assert pal.fill_kv_pages(k_new, v_new, slots, k, v, layout=layout) is None
    assert np.array_equal(k, ref_k) and np.array_equal(v, ref_v)


def test_fill_zero_tokens_changes_nothing(rng):
    k, v = pools(rng, "fp16", "hnd", 2, 16, 2, 64)
    before = k.copy(), v.copy()
    empty = np.zeros((0, 2, 64), np.float16)
    pal.fill_kv_pages(empty, empty, np.zeros(0, np.int64), k, v)
    assert np.array_equal(k, before[0]) and np.array_equal(v, before[1])


def test_fill_then_decode_reads_what_was_written(rng):
    """A page boundary crossed mid-append (16 + 1 tokens, the seed's production case)."""
    ps, hkv, hq, D = 16, 2, 4, 128
    k, v = (np.zeros((4, hkv, ps, D), np.float32) for _ in range(2))
    k_new, v_new = random(rng, (17, hkv, D), "fp32"), random(rng, (17, hkv, D), "fp32")
    pages = np.array([2, 0], np.int64)
    t = np.arange(17)
    pal.fill_kv_pages(k_new, v_new, pages[t // ps] * ps + t % ps, k, v)
    assert np.array_equal(k[0, :, 0], k_new[16]) and np.array_equal(v[2, :, 15], v_new[15])
    q = random(rng, (1, hq, 1, D), "fp32")
    dense = pal.sdpa(q, k_new.transpose(1, 0, 2)[None].copy(), v_new.transpose(1, 0, 2)[None].copy())
    paged = pal.decode(q[:, :, 0].copy(), k, v, pages.astype(np.int32)[None], np.array([17], np.int32))
    np.testing.assert_allclose(paged, dense[:, :, 0], rtol=1e-5, atol=1e-6)
