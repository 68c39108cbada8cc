"""pal.sdpa (the dense baseline) against the float64 reference."""

import numpy as np
import pytest

import pal
from reference import assert_lse_close, assert_out_close, random, ref_sdpa, tiled_score_tol

# (batch, Hq, Hkv, q_len, kv_len, D): decode rows, prefill rows, causal with
# q_len > kv_len (rows that see nothing), empty kv, GQA 4/8, MQA
CASES = [
    (1, 8, 2, 1, 300, 64),
    (2, 4, 4, 5, 5, 80),
    (1, 16, 2, 7, 40, 96),
    (3, 6, 1, 2, 17, 128),
    (1, 2, 2, 6, 3, 256),
    (2, 4, 1, 3, 0, 64),
]


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("dtype", ["fp32", "fp16", "bf16"])
def test_sdpa_matches_reference(rng, dtype, causal):
    for B, hq, hkv, lq, lk, D in CASES:
        q = random(rng, (B, hq, lq, D), dtype)
        k = random(rng, (B, hkv, lk, D), dtype)
        v = random(rng, (B, hkv, lk, D), dtype)
        out, lse = pal.sdpa(q, k, v, causal=causal, return_lse=True)
        assert out.shape == q.shape and out.dtype == q.dtype and lse.shape == q.shape[:3]
        ref, ref_lse, bound = ref_sdpa(q, k, v, causal)
        what = f"{dtype} causal={causal} B={B} Hq={hq} Hkv={hkv} Lq={lq} Lk={lk} D={D}"
        tol = tiled_score_tol(dtype)  # q_len > 1 runs on the tiled engine
        assert_out_close(out, ref, bound, what, tol)
        assert_lse_close(lse, ref_lse, bound, what, tol)


def test_sdpa_out_scale_and_threads(rng):
    q = random(rng, (2, 8, 1, 128), "fp16")
    k = random(rng, (2, 2, 600, 128), "fp16")
    v = random(rng, (2, 2, 600, 128), "fp16")
    out = np.empty_like(q)
    assert pal.sdpa(q, k, v, scale=0.05, out=out, num_threads=2) is out
    ref, _, bound = ref_sdpa(q, k, v, scale=0.05)
    assert_out_close(out, ref, bound, "scale 0.05")
    assert np.array_equal(out, pal.sdpa(q, k, v, scale=0.05, num_threads=2))


def test_sdpa_equals_paged_decode_on_the_same_data(rng):
    """The dense baseline and the paged kernel agree on one decode step."""
    L, hkv, hq, D, ps = 100, 2, 8, 64, 16
    k = random(rng, (1, hkv, L, D), "fp32")
    v = random(rng, (1, hkv, L, D), "fp32")
    q = random(rng, (1, hq, 1, D), "fp32")
    pages = -(-L // ps)
    kc = np.zeros((pages, hkv, ps, D), np.float32)
    vc = np.zeros_like(kc)
    for t in range(L):
        kc[t // ps, :, t % ps] = k[0, :, t]
        vc[t // ps, :, t % ps] = v[0, :, t]
    dense = pal.sdpa(q, k, v)[:, :, 0]
    paged = pal.decode(q[:, :, 0].copy(), kc, vc, np.arange(pages, dtype=np.int32)[None],
                       np.array([L], np.int32))
    np.testing.assert_allclose(paged, dense, rtol=1e-5, atol=1e-6)
