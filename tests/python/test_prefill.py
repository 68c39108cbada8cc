"""pal.prefill (varlen, causal over the paged history) against the float64
reference; skipped when the libpal this package was built against has no
pal_prefill."""

import numpy as np
import pytest

import pal
from reference import (assert_lse_close, assert_out_close, random, ref_decode, ref_prefill,
                       tiled_score_tol)
from test_decode import make_case, page_table_args

pytestmark = pytest.mark.skipif(not hasattr(pal, "prefill"), reason="libpal has no pal_prefill")

# (seq_len, q_len) per sequence: no history, one new token, a chunk crossing a
# page boundary, an empty chunk, a long history with a short chunk
SEQS = [(16, 16), (37, 1), (40, 21), (9, 0), (300, 5)]


def qo_indptr_of(qlens):
    return np.concatenate([[0], np.cumsum(qlens)]).astype(np.int32)


@pytest.mark.parametrize("form", ["block", "csr"])
@pytest.mark.parametrize("layout", ["hnd", "nhd"])
@pytest.mark.parametrize("dtype", ["fp32", "fp16", "bf16"])
def test_prefill_matches_reference(rng, dtype, layout, form):
    for D, (hkv, hq), ps in [(64, (2, 8), 16), (128, (1, 4), 7), (80, (3, 3), 1)]:
        lens = [n for n, _ in SEQS]
        qlens = [ql for _, ql in SEQS]
        _, k, v, seq_pages = make_case(rng, dtype, layout, ps, hkv, hq, D, lens)
        qo = qo_indptr_of(qlens)
        q = random(rng, (int(qo[-1]), hq, D), dtype)
        out, lse = pal.prefill(q, qo, k, v, layout=layout, return_lse=True,
                               **page_table_args(form, seq_pages, lens, ps))
        assert out.shape == q.shape and out.dtype == q.dtype and lse.shape == q.shape[:2]
        ref, ref_lse, bound = ref_prefill(q, qo, k, v, seq_pages, lens, layout)
        what = f"{dtype} {layout} {form} D={D} Hkv={hkv} Hq={hq} page_size={ps}"
        tol = tiled_score_tol(dtype)
        assert_out_close(out, ref, bound, what, tol)
        assert_lse_close(lse, ref_lse, bound, what, tol)


def test_prefill_options_window_softcap_alibi(rng):
    lens, qlens, ps, hkv, hq, D = [50, 20], [7, 20], 16, 2, 4, 64
    _, k, v, seq_pages = make_case(rng, "fp32", "hnd", ps, hkv, hq, D, lens)
    qo = qo_indptr_of(qlens)
    q = random(rng, (int(qo[-1]), hq, D), "fp32", amp=3.0)
    slopes = np.array([0.5, 0.25, 0.125, 0.0625], np.float32)
    args = page_table_args("block", seq_pages, lens, ps)
    for opts in (dict(window=8), dict(softcap=2.0), dict(alibi_slopes=slopes),
                 dict(window=5, softcap=1.5, alibi_slopes=slopes, scale=0.2)):
        out = pal.prefill(q, qo, k, v, **args, **opts)
        ref, _, bound = ref_prefill(q, qo, k, v, seq_pages, lens, **opts)
        assert_out_close(out, ref, bound, f"options {sorted(opts)}")


def test_prefill_of_one_token_is_decode(rng):
    lens = [1, 17, 64]
    q, k, v, seq_pages = make_case(rng, "fp16", "hnd", 16, 2, 8, 128, lens)
    args = page_table_args("block", seq_pages, lens, 16)
    pre = pal.prefill(q, np.arange(4, dtype=np.int32), k, v, **args)
    ref, _, bound = ref_decode(q, k, v, seq_pages, lens)
    assert_out_close(pre, ref, bound, "prefill q_len 1", tiled_score_tol("fp16"))
    assert_out_close(pal.decode(q, k, v, **args), ref, bound, "decode")


def test_prefill_errors(rng):
    lens = [20, 5]
    _, k, v, seq_pages = make_case(rng, "fp32", "hnd", 16, 2, 4, 64, lens)
    args = page_table_args("block", seq_pages, lens, 16)
    q = random(rng, (6, 4, 64), "fp32")
    with pytest.raises(ValueError, match=r"qo_indptr\[-1\] = 5 must equal .* q.shape\[0\] = 6"):
        pal.prefill(q, np.array([0, 3, 5], np.int32), k, v, **args)
    with pytest.raises(ValueError, match=r"qo_indptr\[1\] = 9 is outside"):
        pal.prefill(q, np.array([0, 9, 6], np.int32), k, v, **args)
    out = np.full_like(q, 3.0)
    with pytest.raises(pal.PalError, match="PAL_E_SEQ_LEN") as e:  # 6 queries, 5 tokens
        pal.prefill(q, np.array([0, 0, 6], np.int32), k, v, out=out, **args)
    assert e.value.status == "PAL_E_SEQ_LEN" and np.all(out == 3.0)
    with pytest.raises(TypeError, match="qo_indptr must have dtype int32"):
        pal.prefill(q, np.array([0, 3, 6], np.int64), k, v, **args)
    with pytest.raises(ValueError, match=r"alibi_slopes.shape\[0\] is 2"):
        pal.prefill(q, np.array([0, 3, 6], np.int32), k, v, alibi_slopes=np.ones(2, np.float32),
                    **args)


def test_decode_takes_the_same_options(rng):
    lens = [40, 3]
    q, k, v, seq_pages = make_case(rng, "fp32", "nhd", 16, 2, 4, 64, lens)
    args = page_table_args("csr", seq_pages, lens, 16)
    slopes = np.array([0.3, 0.2, 0.1, 0.05], np.float32)
    out = pal.decode(q, k, v, layout="nhd", window=9, softcap=1.5, alibi_slopes=slopes, **args)
    ref, _, bound = ref_prefill(q, np.arange(3, dtype=np.int32), k, v, seq_pages, lens, "nhd",
                                window=9, softcap=1.5, alibi_slopes=slopes)
    assert_out_close(out, ref, bound, "decode with window, softcap, ALiBi")
