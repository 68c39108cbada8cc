"""Hostile calls, one regression test per way a caller can hurt the binding:
outputs that share memory with what the call reads, vLLM's
combined K/V cache, scale 0, NaN/Inf in the inputs, empty pools, zero
strides and huge ints. Every rejection is an exception that names the
argument in the caller's words, and a failed call writes nothing."""

import re

import numpy as np
import pytest

import pal
from reference import (as_f64, assert_lse_close, assert_out_close, attend, random, ref_decode,
                       ref_fill, ref_prefill, ref_sdpa, tiled_score_tol)
from test_decode import make_case, page_table_args

HAVE_PREFILL = hasattr(pal, "prefill")
needs_prefill = pytest.mark.skipif(not HAVE_PREFILL, reason="libpal has no pal_prefill")


def names(message, *args):
    """Every one of `args` appears in message as a name of its own."""
    for a in args:
        assert re.search(rf"(?<![\w.]){re.escape(a)}(?!\w)", message), (a, message)


def alias_error(fn, *args, **kwargs):
    with pytest.raises(pal.PalError) as info:
        fn(*args, **kwargs)
    assert info.value.status == "PAL_E_ALIAS", str(info.value)
    return str(info.value)


def small_decode(rng, S=2, hq=4, hkv=2, D=64, ps=16, lens=(20, 5)):
    q, k, v, seq_pages = make_case(rng, "fp32", "hnd", ps, hkv, hq, D, list(lens))
    return q, k, v, seq_pages, list(lens)


# ---------------------------------------------------------------- (a), (b): aliasing


def test_out_sharing_block_table_is_alias_error(rng):
    """out's memory holds block_table (old code: the kernel wrote the page
    table it still read - a crash)."""
    q, k, v, seq_pages, lens = small_decode(rng)
    args = page_table_args("block", seq_pages, lens, 16)
    buf = np.zeros(q.size + 16, np.float32)
    out = buf[: q.size].reshape(q.shape)
    bt = buf[8:8 + args["block_table"].size].view(np.int32).reshape(args["block_table"].shape)
    bt[:] = args["block_table"]
    before = buf.tobytes()
    msg = alias_error(pal.decode, q, k, v, bt, args["seq_lens"], out=out)
    names(msg, "out", "block_table")
    assert buf.tobytes() == before


def test_lse_sharing_block_table_is_alias_error(rng):
    q, k, v, seq_pages, lens = small_decode(rng)
    args = page_table_args("block", seq_pages, lens, 16)
    buf = np.zeros(q.shape[0] * q.shape[1], np.float32)  # exactly lse's size
    lse = buf.reshape(q.shape[:2])
    bt = buf[: args["block_table"].size].view(np.int32).reshape(args["block_table"].shape)
    bt[:] = args["block_table"]
    out = np.full_like(q, 42.0)
    before = buf.tobytes()
    msg = alias_error(pal.decode, q, k, v, bt, args["seq_lens"], out=out, lse=lse)
    names(msg, "lse", "block_table")
    assert buf.tobytes() == before and np.all(out == 42.0)


def test_out_sharing_kv_indices_is_alias_error(rng):
    q, k, v, seq_pages, lens = small_decode(rng)
    args = page_table_args("csr", seq_pages, lens, 16)
    buf = np.zeros(q.size, np.float32)
    out = buf.reshape(q.shape)
    idx = buf[100:100 + args["kv_indices"].size].view(np.int32)
    idx[:] = args["kv_indices"]
    args["kv_indices"] = idx
    before = buf.tobytes()
    msg = alias_error(pal.decode, q, k, v, out=out, **args)
    names(msg, "out", "kv_indices")
    assert buf.tobytes() == before


def test_out_sharing_seq_lens_is_alias_error(rng):
    q, k, v, seq_pages, lens = small_decode(rng)
    args = page_table_args("block", seq_pages, lens, 16)
    buf = np.zeros(q.size, np.float32)
    out = buf.reshape(q.shape)
    sl = buf[-2:].view(np.int32)  # the last two elements of out
    sl[:] = lens
    before = buf.tobytes()
    msg = alias_error(pal.decode, q, k, v, args["block_table"], sl, out=out)
    names(msg, "out", "seq_lens")
    assert buf.tobytes() == before


@needs_prefill
def test_out_sharing_alibi_slopes_is_alias_error(rng):
    q, k, v, seq_pages, lens = small_decode(rng)
    args = page_table_args("block", seq_pages, lens, 16)
    out = np.zeros_like(q)
    slopes = out.reshape(-1)[5:5 + q.shape[1]]
    slopes[:] = 0.25
    before = out.tobytes()
    msg = alias_error(pal.decode, q, k, v, out=out, alibi_slopes=slopes, **args)
    names(msg, "out", "alibi_slopes")
    assert out.tobytes() == before


@needs_prefill
def test_prefill_out_sharing_qo_indptr_is_alias_error(rng):
    lens, qlens = [20, 9], [4, 3]
    _, k, v, seq_pages = make_case(rng, "fp32", "hnd", 16, 2, 4, 64, lens)
    q = random(rng, (sum(qlens), 4, 64), "fp32")
    buf = np.zeros(q.size, np.float32)
    out = buf.reshape(q.shape)
    qo = buf[3:6].view(np.int32)
    qo[:] = [0, 4, 7]
    before = buf.tobytes()
    msg = alias_error(pal.prefill, q, qo, k, v, out=out,
                      **page_table_args("block", seq_pages, lens, 16))
    names(msg, "out", "qo_indptr")
    assert buf.tobytes() == before


def test_out_sharing_q_pools_and_lse_sharing_out(rng):
    """The overlaps Python used to check itself now come from libpal, as
    PalError PAL_E_ALIAS in the caller's names."""
    q, k, v, seq_pages, lens = small_decode(rng)
    args = page_table_args("block", seq_pages, lens, 16)
    names(alias_error(pal.decode, q, k, v, out=q, **args), "out", "q")
    inside_v = v.reshape(-1)[64:64 + q.size].reshape(q.shape)
    names(alias_error(pal.decode, q, k, v, out=inside_v, **args), "out", "v_cache")
    out = np.zeros_like(q)
    lse = out.reshape(-1)[: q.shape[0] * q.shape[1]].reshape(q.shape[:2])
    names(alias_error(pal.decode, q, k, v, out=out, lse=lse, **args), "lse", "out")
    qq = np.ones((1, 2, 3, 64), np.float32)
    kk = np.ones((1, 2, 5, 64), np.float32)
    inside_k = kk.reshape(-1)[64:64 + qq.size].reshape(qq.shape)
    names(alias_error(pal.sdpa, qq, kk, kk, out=inside_k), "out", "k")


def test_read_only_kernels_accept_k_cache_as_v_cache(rng):
    q, k, _, seq_pages, lens = small_decode(rng)
    args = page_table_args("block", seq_pages, lens, 16)
    out = pal.decode(q, k, k, **args)
    ref, _, bound = ref_decode(q, k, k, seq_pages, lens)
    assert_out_close(out, ref, bound, "k_cache as v_cache")


# ---------------------------------------------------------------- (c): vLLM's combined cache


@pytest.mark.parametrize("dtype", ["fp32", "fp16", "bf16"])
def test_vllm_combined_cache_fill_and_decode(rng, dtype):
    """kv_cache [num_blocks, 2, page, heads, D]: K = kv_cache[:, 0] and V =
    kv_cache[:, 1] interleave page by page without sharing an element."""
    blocks, ps, hkv, hq, D = 6, 16, 2, 4, 64
    np_dt = {"fp32": np.float32, "fp16": np.float16, "bf16": np.uint16}[dtype]
    kv_cache = np.zeros((blocks, 2, ps, hkv, D), np_dt)
    k_cache, v_cache = kv_cache[:, 0], kv_cache[:, 1]
    lens = [37, 5]
    seq_pages = [np.array([4, 0, 2]), np.array([5])]
    slots = np.concatenate([[p[t // ps] * ps + t % ps for t in range(n)]
                            for p, n in zip(seq_pages, lens)]).astype(np.int64)
    k_new = random(rng, (len(slots), hkv, D), "fp32")
    v_new = random(rng, (len(slots), hkv, D), "fp32")
    want_k, want_v = ref_fill(k_new, v_new, slots, k_cache, v_cache, "nhd")
    pal.fill_kv_pages(k_new, v_new, slots, k_cache, v_cache, layout="nhd")
    assert np.array_equal(kv_cache[:, 0], want_k) and np.array_equal(kv_cache[:, 1], want_v)
    q = random(rng, (2, hq, D), dtype)
    out, lse = pal.decode(q, k_cache, v_cache, layout="nhd", return_lse=True,
                          **page_table_args("block", seq_pages, lens, ps))
    ref, ref_lse, bound = ref_decode(q, want_k, want_v, seq_pages, lens, "nhd")
    assert_out_close(out, ref, bound, f"combined cache {dtype}")
    assert_lse_close(lse, ref_lse, bound, f"combined cache {dtype}")


def test_fill_pools_that_truly_overlap_are_alias_error():
    kv_cache = np.zeros((4, 2, 16, 2, 64), np.float32)
    k_cache = kv_cache[:, 0]
    k_new = np.ones((1, 2, 64), np.float32)
    before = kv_cache.tobytes()
    msg = alias_error(pal.fill_kv_pages, k_new, k_new, np.zeros(1, np.int64), k_cache, k_cache,
                      layout="nhd")
    names(msg, "k_cache", "v_cache")
    assert "pool" not in msg
    # V shifted by one token row inside K's pages: the same strides, shared elements
    flat = np.zeros(4 * 16 * 2 * 64 + 128, np.float32)
    k = flat[:-128].reshape(4, 16, 2, 64)
    v = flat[128:].reshape(4, 16, 2, 64)
    names(alias_error(pal.fill_kv_pages, k_new, k_new, np.zeros(1, np.int64), k, v,
                      layout="nhd"), "k_cache", "v_cache")
    assert kv_cache.tobytes() == before and not flat.any()


# ---------------------------------------------------------------- (d): scale


def test_scale_zero_is_refused_naming_scale(rng):
    q, k, v, seq_pages, lens = small_decode(rng)
    args = page_table_args("block", seq_pages, lens, 16)
    calls = [lambda s: pal.decode(q, k, v, scale=s, **args),
             lambda s: pal.sdpa(q[None], k[:1, :, :16], v[:1, :, :16], scale=s)]
    if HAVE_PREFILL:
        qo = np.array([0, 1, 2], np.int32)
        calls.append(lambda s: pal.prefill(q, qo, k, v, scale=s, **args))
    for call in calls:
        for zero in (0.0, -0.0, 0, np.float32(0)):
            with pytest.raises(ValueError, match=r"\bscale\b.*scale=None") as info:
                call(zero)
            assert not isinstance(info.value, pal.PalError)
        with pytest.raises(ValueError, match=r"scale=1e-50 rounds to 0"):
            call(1e-50)


def test_scale_none_is_one_over_sqrt_head_dim(rng):
    q, k, v, seq_pages, lens = small_decode(rng, D=64)
    args = page_table_args("block", seq_pages, lens, 16)
    default = pal.decode(q, k, v, scale=None, **args)
    assert np.array_equal(default, pal.decode(q, k, v, **args))
    assert np.array_equal(default, pal.decode(q, k, v, scale=0.125, **args))
    ref, _, bound = ref_decode(q, k, v, seq_pages, lens, scale=0.125)
    assert_out_close(default, ref, bound, "scale None")
    qs = random(rng, (1, 4, 3, 64), "fp32")
    ks, vs = random(rng, (1, 2, 9, 64), "fp32"), random(rng, (1, 2, 9, 64), "fp32")
    assert np.array_equal(pal.sdpa(qs, ks, vs), pal.sdpa(qs, ks, vs, scale=0.125))
    # a negative scale is used as given, not taken for the default
    neg = pal.decode(q, k, v, scale=-0.125, **args)
    ref, _, bound = ref_decode(q, k, v, seq_pages, lens, scale=-0.125)
    assert_out_close(neg, ref, bound, "scale -0.125")


# ---------------------------------------------------------------- (e): NaN / Inf


def rows_nan(a):
    """Per row (last axis): all NaN -> True, none -> False, a mix fails."""
    a = as_f64(a)
    every, some = np.isnan(a).all(axis=-1), np.isnan(a).any(axis=-1)
    assert np.array_equal(every, some), "a row with some NaN and some numbers"
    return every


@pytest.mark.parametrize("isa", pal.isa_levels())
def test_nan_query_row_poisons_exactly_its_row(rng, isa):
    ctx = pal.Context(isa=isa)
    q, k, v, seq_pages, lens = small_decode(rng, S=3, lens=(20, 5, 33))
    args = page_table_args("block", seq_pages, lens, 16)
    ref, ref_lse, bound = ref_decode(q, k, v, seq_pages, lens)
    q[1, 2, 7] = np.nan
    out, lse = pal.decode(q, k, v, return_lse=True, context=ctx, **args)
    bad = np.zeros(q.shape[:2], bool)
    bad[1, 2] = True
    assert np.array_equal(rows_nan(out), bad) and np.array_equal(np.isnan(lse), bad)
    assert_out_close(out[~bad], ref[~bad], bound[~bad], f"{isa} clean rows")
    assert_lse_close(lse[~bad], ref_lse[~bad], bound[~bad], f"{isa} clean rows")


@pytest.mark.parametrize("isa", pal.isa_levels())
def test_inf_key_gives_nan_where_the_score_is_inf(rng, isa):
    """+Inf in K at (seq 0, KV head 1, token 3, dim 7): the query row with
    q[..., 7] > 0 scores +inf there (NaN row, NaN lse); the one with
    q[..., 7] < 0 scores -inf (that key weighs 0, the row stays finite)."""
    ctx = pal.Context(isa=isa)
    q, k, v, seq_pages, lens = small_decode(rng, S=3, lens=(20, 5, 33))
    args = page_table_args("block", seq_pages, lens, 16)
    ref, ref_lse, bound = ref_decode(q, k, v, seq_pages, lens)
    q[0, 2, 7], q[0, 3, 7] = -0.5, 0.5  # query heads 2, 3 read KV head 1
    ref, ref_lse, bound = ref_decode(q, k, v, seq_pages, lens)
    page0 = seq_pages[0][0]
    k[page0, 1, 3, 7] = np.inf
    out, lse = pal.decode(q, k, v, return_lse=True, context=ctx, **args)
    bad = np.zeros(q.shape[:2], bool)
    bad[0, 3] = True
    assert np.array_equal(rows_nan(out), bad) and np.array_equal(np.isnan(lse), bad)
    keep = ~bad
    keep[0, 2] = False  # compared below against the reference without token 3
    assert_out_close(out[keep], ref[keep], bound[keep], f"{isa} rows without the Inf")
    assert_lse_close(lse[keep], ref_lse[keep], bound[keep], f"{isa} rows without the Inf")
    keys = np.delete(as_f64(k[seq_pages[0], 1]).reshape(-1, 64)[:20], 3, axis=0)
    vals = np.delete(as_f64(v[seq_pages[0], 1]).reshape(-1, 64)[:20], 3, axis=0)
    r, rl, b = attend(as_f64(q[0, 2:3]), keys, vals, 1 / 8)
    assert_out_close(out[0, 2:3], r, b, f"{isa} score -inf")
    assert_lse_close(lse[0, 2:3], rl, b, f"{isa} score -inf")


def test_every_key_scoring_minus_inf_is_nan_not_an_empty_row(rng):
    """One token whose score is -inf: exp(-inf - -inf) is NaN, and the row
    must not pass for an empty sequence (zeros, lse -inf)."""
    q, k, v, seq_pages, lens = small_decode(rng, S=2, lens=(1, 5))
    q[0, :, 7] = 0.5
    k[seq_pages[0][0], :, 0, 7] = -np.inf
    out, lse = pal.decode(q, k, v, return_lse=True, **page_table_args("block", seq_pages, lens, 16))
    assert rows_nan(out[0]).all() and np.isnan(lse[0]).all()
    assert np.isfinite(out[1]).all() and np.isfinite(lse[1]).all()


def test_nan_value_poisons_out_not_lse(rng):
    q, k, v, seq_pages, lens = small_decode(rng, S=3, lens=(20, 5, 33))
    args = page_table_args("block", seq_pages, lens, 16)
    ref, ref_lse, bound = ref_decode(q, k, v, seq_pages, lens)
    v[seq_pages[2][1], 0, 0, 5] = np.nan  # sequence 2, KV head 0, token 16
    out, lse = pal.decode(q, k, v, return_lse=True, **args)
    bad = np.zeros(q.shape[:2], bool)
    bad[2, :2] = True
    assert np.array_equal(np.isnan(out).any(axis=-1), bad) and np.all(np.isnan(out[2, :2, 5]))
    assert_out_close(out[~bad], ref[~bad], bound[~bad], "rows without the NaN value")
    assert_lse_close(lse, ref_lse, bound, "lse does not read V")


def test_nan_in_unused_slots_never_reaches_an_output(rng):
    """make_case fills every slot no sequence uses (past seq_len, padding,
    spare pages) with NaN; block-table padding is INT32_MAX."""
    for form in ("block", "csr"):
        q, k, v, seq_pages, lens = small_decode(rng, S=4, lens=(17, 0, 1, 31))
        out, lse = pal.decode(q, k, v, return_lse=True,
                              **page_table_args(form, seq_pages, lens, 16))
        assert np.isfinite(out).all() and not np.isnan(lse).any()
        ref, ref_lse, bound = ref_decode(q, k, v, seq_pages, lens)
        assert_out_close(out, ref, bound, f"NaN in unused slots, {form}")
        assert_lse_close(lse, ref_lse, bound, f"NaN in unused slots, {form}")


@needs_prefill
@pytest.mark.parametrize("window", [0, 4])
def test_prefill_nan_key_reaches_only_the_rows_that_see_it(rng, window):
    """A NaN key at position t of a 12-token chunk: causal rows before t, and
    (with a window) rows past t + window - 1, do not see it and stay exact."""
    n, q_len, t = 24, 12, 17
    _, k, v, seq_pages = make_case(rng, "fp32", "hnd", 8, 1, 2, 64, [n])
    qo = np.array([0, q_len], np.int32)
    q = random(rng, (q_len, 2, 64), "fp32")
    args = page_table_args("block", seq_pages, [n], 8)
    ref, ref_lse, bound = ref_prefill(q, qo, k, v, seq_pages, [n], window=window)
    k[seq_pages[0][t // 8], 0, t % 8, 3] = np.nan
    out, lse = pal.prefill(q, qo, k, v, window=window, return_lse=True, **args)
    pos = n - q_len + np.arange(q_len)
    sees = (pos >= t) & ((pos - window < t) if window else True)
    bad = np.repeat(sees[:, None], 2, axis=1)
    assert np.array_equal(rows_nan(out), bad) and np.array_equal(np.isnan(lse), bad)
    tol = tiled_score_tol("fp32")
    assert_out_close(out[~bad], ref[~bad], bound[~bad], "rows that do not see t", tol)
    assert_lse_close(lse[~bad], ref_lse[~bad], bound[~bad], "rows that do not see t", tol)


def test_sdpa_nan_query_and_causal_nan_key(rng):
    q = random(rng, (1, 2, 5, 64), "fp32")
    kk, vv = random(rng, (1, 1, 9, 64), "fp32"), random(rng, (1, 1, 9, 64), "fp32")
    ref, ref_lse, bound = ref_sdpa(q, kk, vv, causal=True)
    q[0, 1, 2, 0] = np.nan
    kk[0, 0, 6, 1] = np.nan  # seen by causal rows i with 9 - 5 + i >= 6: i >= 2
    out, lse = pal.sdpa(q, kk, vv, causal=True, return_lse=True)
    bad = np.zeros((1, 2, 5), bool)
    bad[0, :, 2:] = True
    bad[0, 1, 2] = True
    assert np.array_equal(rows_nan(out), bad) and np.array_equal(np.isnan(lse), bad)
    tol = tiled_score_tol("fp32")
    assert_out_close(out[~bad], ref[~bad], bound[~bad], "sdpa clean rows", tol)
    assert_lse_close(lse[~bad], ref_lse[~bad], bound[~bad], "sdpa clean rows", tol)


# ---------------------------------------------------------------- (f): zero sizes


@pytest.mark.parametrize("layout", ["hnd", "nhd"])
def test_empty_pool_with_empty_sequences(layout):
    """A cache before its first request: num_pages 0 (NumPy gives the arrays
    zero strides, which the binding used to refuse as a non-contiguous head_dim)."""
    shape = (0, 2, 16, 64) if layout == "hnd" else (0, 16, 2, 64)
    k = np.zeros(shape, np.float16)
    q = np.ones((3, 4, 64), np.float16)
    out, lse = pal.decode(q, k, k.copy(), np.zeros((3, 0), np.int32), np.zeros(3, np.int32),
                          layout=layout, return_lse=True)
    assert np.all(out == 0) and np.all(np.isneginf(lse))
    out = pal.decode(q, k, k, kv_indptr=np.zeros(4, np.int32), kv_indices=np.zeros(0, np.int32),
                     kv_last_page_len=np.zeros(3, np.int32), layout=layout)
    assert np.all(out == 0)
    pal.fill_kv_pages(np.zeros((0, 2, 64), np.float32), np.zeros((0, 2, 64), np.float32),
                      np.zeros(0, np.int64), k, k.copy(), layout=layout)
    # a token for it has no slot: the library says so, not a stride check
    with pytest.raises(pal.PalError) as info:
        pal.fill_kv_pages(np.zeros((1, 2, 64), np.float32), np.zeros((1, 2, 64), np.float32),
                          np.zeros(1, np.int64), k, k.copy(), layout=layout)
    assert info.value.status == "PAL_E_SLOT"
    with pytest.raises(pal.PalError) as info:
        pal.decode(q, k, k, np.zeros((3, 1), np.int32), np.array([0, 1, 0], np.int32),
                   layout=layout)
    assert info.value.status == "PAL_E_PAGE_ID"
    if HAVE_PREFILL:
        out = pal.prefill(np.ones((0, 4, 64), np.float16), np.zeros(4, np.int32), k, k,
                          np.zeros((3, 0), np.int32), np.zeros(3, np.int32), layout=layout)
        assert out.shape == (0, 4, 64)


@pytest.mark.parametrize("layout", ["hnd", "nhd"])
def test_page_size_zero_is_shape_error_naming_page_size(layout):
    shape = (4, 2, 0, 64) if layout == "hnd" else (4, 0, 2, 64)
    k = np.zeros(shape, np.float32)
    q = np.ones((1, 4, 64), np.float32)
    with pytest.raises(pal.PalError) as info:
        pal.decode(q, k, k, np.zeros((1, 1), np.int32), np.zeros(1, np.int32), layout=layout)
    assert info.value.status == "PAL_E_SHAPE"
    names(str(info.value), "page_size", "k_cache")
    assert "pool" not in str(info.value)
    with pytest.raises(pal.PalError) as info:
        pal.fill_kv_pages(np.zeros((1, 2, 64), np.float32), np.zeros((1, 2, 64), np.float32),
                          np.zeros(1, np.int64), k, k.copy(), layout=layout)
    assert info.value.status == "PAL_E_SHAPE"
    names(str(info.value), "page_size")


# ---------------------------------------------------------------- (g): strides, huge ints


def test_zero_token_stride_error_names_k_cache(rng):
    q, k, v, seq_pages, lens = small_decode(rng)
    args = page_table_args("block", seq_pages, lens, 16)
    kz = np.broadcast_to(k[:, :, :1], k.shape)  # every token of a page is one row
    assert kz.strides[2] == 0
    with pytest.raises(pal.PalError) as info:
        pal.decode(q, kz, kz, **args)
    assert info.value.status == "PAL_E_LAYOUT"
    msg = str(info.value)
    names(msg, "k_cache")
    assert "pool" not in msg and "stride_token" not in msg, msg
    # a zero page stride: fine to read, refused for writing (slots would share memory)
    base = np.zeros((1, 2, 16, 64), np.float32)
    kp = np.lib.stride_tricks.as_strided(base, (4, 2, 16, 64), (0,) + base.strides[1:],
                                         writeable=True)
    vp = np.lib.stride_tricks.as_strided(base.copy(), kp.shape, kp.strides, writeable=True)
    with pytest.raises(pal.PalError) as info:
        pal.fill_kv_pages(np.ones((1, 2, 64), np.float32), np.ones((1, 2, 64), np.float32),
                          np.array([17], np.int64), kp, vp)
    assert info.value.status == "PAL_E_LAYOUT"
    names(str(info.value), "k_cache")
    assert "pool" not in str(info.value) and not base.any()


def test_huge_ints_are_value_errors_naming_the_argument(rng):
    q, k, v, seq_pages, lens = small_decode(rng)
    args = page_table_args("block", seq_pages, lens, 16)
    cases = [("num_threads", 2**40), ("num_threads", -2**31 - 1), ("num_threads", 2**70),
             ("num_threads", -2**70), ("num_threads", 10**5000)]
    if HAVE_PREFILL:
        cases += [("window", 2**40), ("window", 2**64), ("window", -2**80)]
    for name, value in cases:
        with pytest.raises(ValueError, match=rf"\b{name}\b.*out of range") as info:
            pal.decode(q, k, v, **args, **{name: value})
        assert not isinstance(info.value, (OverflowError, pal.PalError))
    with pytest.raises(ValueError, match=r"\bsoftcap\b"):
        pal.decode(q, k, v, **args, softcap=10**400) if HAVE_PREFILL else pal.decode(
            q, k, v, **args, scale=10**400)
    with pytest.raises(ValueError, match=r"\bscale\b"):
        pal.sdpa(q[None], k[:1], v[:1], scale=-(10**400))


def test_library_messages_use_the_callers_names(rng):
    """libpal's C names (pool.*, options.*) never reach the user."""
    q, k, v, seq_pages, lens = small_decode(rng)
    args = page_table_args("block", seq_pages, lens, 16)
    with pytest.raises(pal.PalError) as info:
        pal.decode(q, k, v, num_threads=-1, **args)
    names(str(info.value), "num_threads")
    assert "options." not in str(info.value)
    with pytest.raises(pal.PalError) as info:
        pal.decode(np.ones((2, 3, 64), np.float32), k, v, **args)
    names(str(info.value), "q", "k_cache")
    with pytest.raises(pal.PalError) as info:
        pal.decode(q, k, v, args["block_table"][:, :1].copy(), args["seq_lens"])
    names(str(info.value), "seq_lens", "block_table")
    assert "max_pages_per_seq" not in str(info.value)
    if HAVE_PREFILL:
        for kw, name in ((dict(window=-1), "window"), (dict(softcap=-1.0), "softcap"),
                         (dict(alibi_slopes=np.full(4, np.inf, np.float32)), "alibi_slopes")):
            with pytest.raises(pal.PalError) as info:
                pal.decode(q, k, v, **args, **kw)
            names(str(info.value), name)
            assert "options." not in str(info.value)
        with pytest.raises(pal.PalError) as info:
            pal.prefill(q, np.array([0, 2, 2], np.int32), k, v, args["block_table"],
                        np.array([1, 5], np.int32))
        names(str(info.value), "qo_indptr")
