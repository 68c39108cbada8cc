"""Bad input: a clear exception that names the argument, and nothing written."""

import numpy as np
import pytest

import pal


def decode_args(dtype=np.float32, S=2, hq=4, hkv=2, D=64, ps=16, pages=4):
    q = np.ones((S, hq, D), dtype)
    k = np.ones((pages, hkv, ps, D), dtype)
    v = np.ones((pages, hkv, ps, D), dtype)
    bt = np.array([[0, 1], [2, 3]], np.int32)[:S]
    sl = np.array([20, 5], np.int32)[:S]
    return q, k, v, bt, sl


def raises(exc, match, fn, *args, **kwargs):
    with pytest.raises(exc, match=match) as info:
        fn(*args, **kwargs)
    return info.value


def test_not_an_array_is_rejected_not_converted():
    q, k, v, bt, sl = decode_args()
    raises(TypeError, "q must be a numpy.ndarray", pal.decode, q.tolist(), k, v, bt, sl)


def test_wrong_dtypes_name_the_fix():
    q, k, v, bt, sl = decode_args()
    raises(TypeError, r"q has dtype float64.*astype", pal.decode, q.astype(np.float64), k, v, bt, sl)
    raises(TypeError, r"block_table must have dtype int32, got int64", pal.decode, q, k, v,
           bt.astype(np.int64), sl)
    raises(TypeError, r"seq_lens must have dtype int32", pal.decode, q, k, v, bt, sl.astype(np.uint32))
    raises(TypeError, r"v_cache has dtype float16 but k_cache has dtype float32", pal.decode, q, k,
           v.astype(np.float16), bt, sl)
    k_new = np.ones((1, 2, 64), np.float32)
    raises(TypeError, r"slot_mapping must have dtype int64", pal.fill_kv_pages, k_new, k_new,
           np.zeros(1, np.int32), k, v)


def test_non_contiguous_and_read_only_inputs():
    q, k, v, bt, sl = decode_args()
    qq = np.ones((2, 8, 64), np.float32)[:, ::2]
    raises(ValueError, r"q must be C-contiguous.*ascontiguousarray", pal.decode, qq, k, v, bt, sl)
    raises(ValueError, r"block_table must be C-contiguous", pal.decode, q, k, v,
           np.asfortranarray(np.array([[0, 1], [2, 3]], np.int32)), sl)
    raises(ValueError, r"contiguous head_dim", pal.decode, q, k[..., ::2], v[..., ::2], bt, sl)
    ro = k.copy()
    ro.flags.writeable = False
    k_new = np.ones((1, 2, 64), np.float32)
    raises(ValueError, r"k_cache is read-only", pal.fill_kv_pages, k_new, k_new,
           np.zeros(1, np.int64), ro, v)
    out = np.empty_like(q)
    out.flags.writeable = False
    raises(ValueError, r"out is read-only", pal.decode, q, k, v, bt, sl, out=out)


def test_shapes_that_disagree():
    q, k, v, bt, sl = decode_args()
    raises(ValueError, r"q must have 3 dimensions", pal.decode, q[0], k, v, bt, sl)
    raises(ValueError, r"q.shape\[2\] is 32 but must be 64 \(head_dim of k_cache\)", pal.decode,
           q[..., :32].copy(), k, v, bt, sl)
    raises(ValueError, r"block_table.shape\[0\] is 1 but must be 2", pal.decode, q, k, v, bt[:1], sl)
    raises(ValueError, r"seq_lens.shape\[0\] is 3", pal.decode, q, k, v, bt,
           np.zeros(3, np.int32))
    raises(ValueError, r"same shape and strides", pal.decode, q, k, v[:3], bt, sl)
    raises(ValueError, r"layout must be 'hnd'", pal.decode, q, k, v, bt, sl, layout="HND ")
    raises(ValueError, r"out.shape\[1\] is 2 but must be 4", pal.decode, q, k, v, bt, sl,
           out=np.empty((2, 2, 64), np.float32))
    raises(TypeError, r"lse must have dtype float32", pal.decode, q, k, v, bt, sl,
           lse=np.empty((2, 4), np.float64))
    raises(ValueError, r"k.shape\[3\] is 32", pal.sdpa, np.ones((1, 2, 1, 64), np.float32),
           np.ones((1, 2, 5, 32), np.float32), np.ones((1, 2, 5, 32), np.float32))


def test_page_table_forms():
    q, k, v, bt, sl = decode_args()
    raises(TypeError, r"exactly one form", pal.decode, q, k, v)
    raises(TypeError, r"exactly one form", pal.decode, q, k, v, bt)
    indptr = np.array([0, 2, 4], np.int32)
    raises(TypeError, r"exactly one form", pal.decode, q, k, v, bt, sl, kv_indptr=indptr,
           kv_indices=np.arange(4, dtype=np.int32), kv_last_page_len=np.array([4, 5], np.int32))
    raises(ValueError, r"kv_indptr\[2\] = 4 is outside kv_indices \(length 3\)", pal.decode, q, k, v,
           kv_indptr=indptr, kv_indices=np.arange(3, dtype=np.int32),
           kv_last_page_len=np.array([4, 5], np.int32))


def test_library_errors_become_pal_error_and_write_nothing():
    q, k, v, bt, sl = decode_args()
    out = np.full_like(q, 42.0)
    lse = np.full((2, 4), 42.0, np.float32)
    cases = [
        ("PAL_E_PAGE_ID", dict(block_table=np.array([[0, 9], [2, 3]], np.int32), seq_lens=sl)),
        ("PAL_E_SEQ_LEN", dict(block_table=bt, seq_lens=np.array([33, 5], np.int32))),
        ("PAL_E_SEQ_LEN", dict(block_table=bt, seq_lens=np.array([-1, 5], np.int32))),
    ]
    for status, kw in cases:
        e = raises(pal.PalError, status, pal.decode, q, k, v, out=out, lse=lse, **kw)
        assert e.status == status and isinstance(e.code, int) and isinstance(e, ValueError)
        assert np.all(out == 42.0) and np.all(lse == 42.0)
    e = raises(pal.PalError, "PAL_E_HEADS", pal.decode, np.ones((2, 3, 64), np.float32), k, v, bt, sl)
    assert e.status == "PAL_E_HEADS"
    small = np.ones((4, 2, 16, 8), np.float32)
    raises(pal.PalError, "PAL_E_HEAD_DIM", pal.decode, np.ones((2, 4, 8), np.float32), small, small,
           bt, sl)
    raises(pal.PalError, "PAL_E_ARG", pal.decode, q, k, v, bt, sl, num_threads=-1)


def test_fill_bad_slot_writes_nothing():
    _, k, v, _, _ = decode_args()
    before = k.copy(), v.copy()
    k_new = np.zeros((3, 2, 64), np.float32)
    for bad in (4 * 16, -2):
        e = raises(pal.PalError, "PAL_E_SLOT", pal.fill_kv_pages, k_new, k_new,
                   np.array([0, bad, 5], np.int64), k, v)
        assert e.status == "PAL_E_SLOT"
        assert np.array_equal(k, before[0]) and np.array_equal(v, before[1])


def test_outputs_must_not_overlap_inputs():
    """libpal checks every output against every input (PAL_E_ALIAS); the
    message uses the Python names (test_hostile.py has the cases)."""
    q, k, v, bt, sl = decode_args()
    e = raises(pal.PalError, r"out shares memory with q", pal.decode, q, k, v, bt, sl, out=q)
    assert e.status == "PAL_E_ALIAS"
    inside_k = k.reshape(-1, 2, 64)[:1]  # a view of the first rows of k_cache
    before = k.copy()
    e = raises(pal.PalError, r"k_cache shares memory with k_new", pal.fill_kv_pages, inside_k,
               np.zeros((1, 2, 64), np.float32), np.zeros(1, np.int64), k, v)
    assert e.status == "PAL_E_ALIAS" and np.array_equal(k, before)
    e = raises(pal.PalError, r"k_cache shares memory with v_cache", pal.fill_kv_pages,
               np.zeros((1, 2, 64), np.float32), np.zeros((1, 2, 64), np.float32),
               np.zeros(1, np.int64), k, k)
    assert e.status == "PAL_E_ALIAS"


def test_arguments_and_contexts():
    q, k, v, bt, sl = decode_args()
    raises(TypeError, r"unexpected keyword argument 'blocktable'", pal.decode, q, k, v, blocktable=bt)
    raises(TypeError, r"multiple values for argument 'block_table'", pal.decode, q, k, v, bt, sl,
           block_table=bt)
    raises(ValueError, r"scale=nan is not a finite", pal.decode, q, k, v, bt, sl, scale=float("nan"))
    raises(ValueError, r"scale=0.0: libpal reserves", pal.decode, q, k, v, bt, sl, scale=0.0)
    raises(TypeError, r"context must be a pal.Context", pal.decode, q, k, v, bt, sl, context="avx2")
    raises(ValueError, r"unknown isa 'sse9'", pal.Context, isa="sse9")
    unsupported = [i for i in ("avx2", "avx512", "amx") if not pal.isa_supported(i)]
    for isa in unsupported:
        e = raises(pal.PalError, "PAL_E_ISA", pal.Context, isa=isa)
        assert e.status == "PAL_E_ISA"
    ctx = pal.Context(isa="scalar", num_threads=1)
    assert (ctx.isa, ctx.num_threads) == ("scalar", 1) and "scalar" in repr(ctx)
    assert pal.default_context() is pal.default_context()
