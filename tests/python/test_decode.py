"""pal.decode against the float64 reference on the awkward shapes of the C
test matrix: page boundaries, empty and one-token sequences, partial last
pages, shuffled pages, GQA 1/4/8 and MQA, head_dim 64..256, both page-table
forms, both layouts, every dtype and every ISA level this machine runs."""

import itertools

import numpy as np
import pytest

import pal
from reference import (assert_lse_close, assert_out_close, nan_like, random, ref_decode)

HEAD_DIMS = [64, 80, 96, 128, 256]
GROUPS = {"G1": (3, 3), "G4": (2, 8), "G8": (2, 16), "MQA": (1, 6)}  # (Hkv, Hq)
PAGE_SIZES = [1, 7, 16, 64]


def make_case(rng, dtype, layout, page_size, hkv, hq, D, lens, q_dtype=None):
    """Pools full of NaN except the slots sequences use (so a kernel reading a
    slot past seq_len, or a padding entry, poisons its row), pages shuffled."""
    pages_per = [-(-n // page_size) for n in lens]
    num_pages = sum(pages_per) + 3  # spare pages nobody uses
    shape = ((num_pages, hkv, page_size, D) if layout == "hnd"
             else (num_pages, page_size, hkv, D))
    k, v = nan_like(shape, dtype), nan_like(shape, dtype)
    perm = rng.permutation(num_pages)
    seq_pages, at = [], 0
    for s, n in enumerate(lens):
        pages = perm[at:at + pages_per[s]]
        at += pages_per[s]
        seq_pages.append(pages)
        for t in range(n):
            p, off = pages[t // page_size], t % page_size
            idx = (p, slice(None), off) if layout == "hnd" else (p, off)
            k[idx] = random(rng, (hkv, D), dtype)
            v[idx] = random(rng, (hkv, D), dtype)
    q = random(rng, (len(lens), hq, D), q_dtype or dtype)
    return q, k, v, seq_pages


def page_table_args(form, seq_pages, lens, page_size):
    if form == "block":
        width = max([len(p) for p in seq_pages] + [1])
        bt = np.full((len(lens), width), 2**31 - 1, dtype=np.int32)  # padding is never read
        for s, p in enumerate(seq_pages):
            bt[s, :len(p)] = p
        return {"block_table": bt, "seq_lens": np.asarray(lens, dtype=np.int32)}
    indptr = np.concatenate([[0], np.cumsum([len(p) for p in seq_pages])]).astype(np.int32)
    indices = np.concatenate([np.asarray(p) for p in seq_pages] + [np.zeros(0)]).astype(np.int32)
    last = np.array([(n - 1) % page_size + 1 if n else 0 for n in lens], dtype=np.int32)
    return {"kv_indptr": indptr, "kv_indices": indices, "kv_last_page_len": last}


def lens_for(page_size, j):
    awkward = [0, 1, page_size - 1, page_size, page_size + 1, 2 * page_size + 3, 300]
    picks = [awkward[(j + i) % len(awkward)] for i in range(3)]
    return [max(n, 0) for n in picks]


@pytest.mark.parametrize("form", ["block", "csr"])
@pytest.mark.parametrize("layout", ["hnd", "nhd"])
@pytest.mark.parametrize("dtype", ["fp32", "fp16", "bf16"])
def test_decode_matrix(rng, dtype, layout, form):
    # every (head_dim, group) pair once per (dtype, layout, form), page sizes rotating
    for j, (D, (gname, (hkv, hq))) in enumerate(itertools.product(HEAD_DIMS, GROUPS.items())):
        ps = PAGE_SIZES[j % len(PAGE_SIZES)]
        lens = lens_for(ps, j)
        q, k, v, seq_pages = make_case(rng, dtype, layout, ps, hkv, hq, D, lens)
        args = page_table_args(form, seq_pages, lens, ps)
        out, lse = pal.decode(q, k, v, layout=layout, return_lse=True, **args)
        assert out.shape == q.shape and out.dtype == q.dtype
        ref, ref_lse, bound = ref_decode(q, k, v, seq_pages, lens, layout)
        what = f"{dtype} {layout} {form} D={D} {gname} page_size={ps} lens={lens}"
        assert_out_close(out, ref, bound, what)
        assert_lse_close(lse, ref_lse, bound, what)


@pytest.mark.parametrize("isa", pal.isa_levels())
def test_decode_every_isa_level(rng, isa):
    ctx = pal.Context(isa=isa, num_threads=2)
    assert ctx.isa == isa
    for dtype in ("fp32", "fp16", "bf16"):
        lens = [0, 1, 15, 16, 17, 700]
        q, k, v, seq_pages = make_case(rng, dtype, "hnd", 16, 2, 8, 128, lens)
        args = page_table_args("block", seq_pages, lens, 16)
        out = pal.decode(q, k, v, context=ctx, **args)
        ref, _, bound = ref_decode(q, k, v, seq_pages, lens)
        assert_out_close(out, ref, bound, f"isa={isa} {dtype}")


def test_mixed_q_and_kv_dtypes(rng):
    lens = [5, 33]
    for q_dtype, kv_dtype in [("fp32", "bf16"), ("fp16", "fp32"), ("bf16", "fp16")]:
        q, k, v, seq_pages = make_case(rng, kv_dtype, "nhd", 16, 2, 4, 64, lens, q_dtype=q_dtype)
        out = pal.decode(q, k, v, layout="nhd", **page_table_args("csr", seq_pages, lens, 16))
        assert out.dtype == q.dtype
        ref, _, bound = ref_decode(q, k, v, seq_pages, lens, "nhd")
        assert_out_close(out, ref, bound, f"q {q_dtype} over {kv_dtype}")


def test_scale_out_and_lse_arrays(rng):
    lens = [40, 0, 3]
    q, k, v, seq_pages = make_case(rng, "fp32", "hnd", 16, 2, 8, 64, lens)
    args = page_table_args("block", seq_pages, lens, 16)
    out = np.full_like(q, 7.0)
    lse = np.full(q.shape[:2], 7.0, dtype=np.float32)
    res = pal.decode(q, k, v, scale=0.3, out=out, lse=lse, **args)
    assert res[0] is out and res[1] is lse  # written in place, not copies
    ref, ref_lse, bound = ref_decode(q, k, v, seq_pages, lens, scale=0.3)
    assert_out_close(out, ref, bound, "scale 0.3")
    assert_lse_close(lse, ref_lse, bound, "scale 0.3")
    assert np.all(out[1] == 0) and np.all(np.isneginf(lse[1]))  # seq_len 0: zeros, lse -inf


def test_strided_pools_are_used_in_place(rng):
    """K and V as views into one combined [pages, 2, Hkv, page_size, D + pad]
    allocation: non-contiguous pools go through by strides, without a copy."""
    ps, hkv, hq, D, pages = 16, 2, 4, 64, 6
    combined = random(rng, (pages, 2, hkv, ps, D + 16), "fp16")
    k, v = combined[:, 0, :, :, :D], combined[:, 1, :, :, :D]
    assert not k.flags.c_contiguous
    lens = [50, 17]
    seq_pages = [np.array([5, 0, 3, 1]), np.array([2, 4])]
    q = random(rng, (2, hq, D), "fp16")
    args = page_table_args("block", seq_pages, lens, ps)
    out = pal.decode(q, k, v, **args)
    ref, _, bound = ref_decode(q, k, v, seq_pages, lens)
    assert_out_close(out, ref, bound, "strided pools")
    combined[5, 0, :, 0, :] = 0  # the pool is read where it lives: a change shows
    assert not np.array_equal(pal.decode(q, k, v, **args)[0], out[0])


def test_deterministic_per_thread_count(rng):
    lens = [5000, 2500]
    q, k, v, seq_pages = make_case(rng, "bf16", "hnd", 16, 2, 8, 128, lens)
    args = page_table_args("block", seq_pages, lens, 16)
    for threads in (1, 2):
        a = pal.decode(q, k, v, num_threads=threads, **args)
        b = pal.decode(q, k, v, num_threads=threads, **args)
        assert np.array_equal(a, b)
    ref, _, bound = ref_decode(q, k, v, seq_pages, lens)
    assert_out_close(a, ref, bound, "split-KV over 2 threads")


def test_ml_dtypes_bfloat16(rng):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    lens = [20]
    q, k, v, seq_pages = make_case(rng, "bf16", "hnd", 16, 1, 2, 64, lens)
    view = lambda a: a.view(ml_dtypes.bfloat16)  # noqa: E731
    out = pal.decode(view(q), view(k), view(v), **page_table_args("block", seq_pages, lens, 16))
    assert out.dtype == ml_dtypes.bfloat16
    assert np.array_equal(out.view(np.uint16),
                          pal.decode(q, k, v, **page_table_args("block", seq_pages, lens, 16)))
