"""Float64 NumPy references for pal's kernels, and the tolerances of the C
test suite (tests/test_common.h explains each one).

The references read the very values stored in the arrays (fp16 / bf16 decoded
exactly), gather pages through the page table themselves, and compute in
float64, so the only error left is libpal's fp32 arithmetic and the final
rounding of the output."""

import numpy as np

import pal

RTOL = {"fp32": 1e-5, "fp16": 1e-3, "bf16": 8e-3}
ATOL = 1e-6
TOL_SCORE = 1e-6
TOL_LSE_ATOL = 1e-5
TOL_LSE_RTOL = 2e-6
# The tiled prefill engine (pal.prefill, pal.sdpa with q_len > 1 or options,
# decode with options) on the AMX level takes bf16 tile products: Q and P as
# hi + lo bf16 parts, 2^-17 per product (tests/test_prefill.c, TOL_SCORE_AMX).
TOL_SCORE_AMX = 1e-5


def tiled_score_tol(kv_dtype):
    """Score tolerance for results of the tiled (prefill) engine."""
    amx = pal.default_context().isa == "amx"
    return TOL_SCORE_AMX if amx and kv_dtype != "fp32" else TOL_SCORE

NP_DTYPES = {"fp32": np.float32, "fp16": np.float16, "bf16": np.uint16}


def dtype_name(a):
    if a.dtype == np.float32:
        return "fp32"
    if a.dtype == np.float16:
        return "fp16"
    if a.dtype == np.uint16 or a.dtype.name == "bfloat16":
        return "bf16"
    raise TypeError(a.dtype)


def as_f64(a):
    if a.dtype == np.uint16:
        return pal.bf16_to_float32(a).astype(np.float64)
    return a.astype(np.float64)


def from_f64(x, dtype):
    """float64 -> storage dtype (fp32 / fp16 RNE by NumPy, bf16 RNE via float32)."""
    if dtype == "bf16":
        return pal.to_bf16(np.asarray(x, dtype=np.float32))
    return np.asarray(x).astype(NP_DTYPES[dtype])


def random(rng, shape, dtype, amp=1.0):
    return from_f64(rng.uniform(-amp, amp, size=shape), dtype)


def nan_like(shape, dtype):
    if dtype == "bf16":
        return np.full(shape, 0x7FC0, dtype=np.uint16)
    return np.full(shape, np.nan, dtype=NP_DTYPES[dtype])


def attend(q, keys, vals, scale):
    """q [G, D], keys/vals [n, D] -> out [G, D], lse [G], score bound [G]."""
    G, D = q.shape
    if keys.shape[0] == 0:
        return np.zeros((G, D)), np.full(G, -np.inf), np.zeros(G)
    s = (q @ keys.T) * scale
    bound = np.abs(scale) * (np.abs(q) @ np.abs(keys).T).max(axis=1)
    m = s.max(axis=1, keepdims=True)
    p = np.exp(s - m)
    total = p.sum(axis=1, keepdims=True)
    return (p @ vals) / total, (m + np.log(total))[:, 0], bound


def hnd(cache, layout):
    """A pool as float64 [pages, kv_heads, page_size, D] whatever its layout."""
    c = as_f64(cache)
    return c if layout == "hnd" else c.transpose(0, 2, 1, 3)


def ref_decode(q, k_cache, v_cache, seq_pages, seq_lens, layout="hnd", scale=None):
    """seq_pages[s]: page ids of sequence s in order; seq_lens[s]: its tokens."""
    qf = as_f64(q)
    S, Hq, D = qf.shape
    K, V = hnd(k_cache, layout), hnd(v_cache, layout)
    Hkv, ps = K.shape[1], K.shape[2]
    G = Hq // Hkv
    scale = 1.0 / np.sqrt(D) if not scale else scale
    out = np.zeros((S, Hq, D))
    lse = np.zeros((S, Hq))
    bound = np.zeros((S, Hq))
    for s in range(S):
        n = int(seq_lens[s])
        pages = np.asarray(seq_pages[s][: -(-n // ps)], dtype=np.int64)
        for h in range(Hkv):
            keys = K[pages, h].reshape(-1, D)[:n]
            vals = V[pages, h].reshape(-1, D)[:n]
            rows = slice(h * G, (h + 1) * G)
            out[s, rows], lse[s, rows], bound[s, rows] = attend(qf[s, rows], keys, vals, scale)
    return out, lse, bound


def ref_sdpa(q, k, v, causal=False, scale=None):
    qf, kf, vf = as_f64(q), as_f64(k), as_f64(v)
    B, Hq, Lq, D = qf.shape
    Hkv, Lk = kf.shape[1], kf.shape[2]
    G = Hq // Hkv
    scale = 1.0 / np.sqrt(D) if not scale else scale
    out = np.zeros((B, Hq, Lq, D))
    lse = np.zeros((B, Hq, Lq))
    bound = np.zeros((B, Hq, Lq))
    for b in range(B):
        for hq in range(Hq):
            h = hq // G
            for i in range(Lq):
                n = min(max(Lk - Lq + i + 1, 0), Lk) if causal else Lk
                o, l, bd = attend(qf[b, hq, i][None], kf[b, h, :n], vf[b, h, :n], scale)
                out[b, hq, i], lse[b, hq, i], bound[b, hq, i] = o[0], l[0], bd[0]
    return out, lse, bound


def assert_out_close(got, ref, bound, what="", score_tol=TOL_SCORE):
    """Per output row: |got - ref| <= atol + rtol * max|ref row| + 2 * TOL_SCORE * bound;
    a row that sees no token must be exact zeros."""
    g = as_f64(got).reshape(-1, ref.shape[-1])
    r = ref.reshape(g.shape)
    b = np.asarray(bound).reshape(-1)
    rowmax = np.abs(r).max(axis=1)
    lim = ATOL + RTOL[dtype_name(got)] * rowmax + 2 * score_tol * b
    err = np.abs(g - r).max(axis=1)
    bad = ~(err <= lim)
    if bad.any():
        i = int(np.argmax(bad))
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {len(bad)} rows out of tolerance; row {i}: "
            f"max |err| {err[i]:.3g} > tol {lim[i]:.3g} (rowmax {rowmax[i]:.4g}, bound {b[i]:.4g})")


def assert_lse_close(got, ref, bound, what="", score_tol=TOL_SCORE):
    g = np.asarray(got, dtype=np.float64).reshape(-1)
    r = np.asarray(ref).reshape(-1)
    b = np.asarray(bound).reshape(-1)
    empty = np.isneginf(r)
    assert np.all(np.isneginf(g[empty])), f"{what}: lse of rows that see no token must be -inf"
    lim = TOL_LSE_ATOL + TOL_LSE_RTOL * np.abs(r[~empty]) + score_tol * b[~empty]
    err = np.abs(g[~empty] - r[~empty])
    assert np.all(err <= lim), f"{what}: lse max |err| {err.max():.3g} (tol {lim.min():.3g}..)"


def ref_fill(k_new, v_new, slot_mapping, k_cache, v_cache, layout="hnd"):
    """The pools after fill_kv_pages, as new arrays (later duplicates win)."""
    kc, vc = k_cache.copy(), v_cache.copy()
    ps = kc.shape[2] if layout == "hnd" else kc.shape[1]
    dt = dtype_name(kc)
    kn, vn = as_f64(k_new), as_f64(v_new)
    for i, slot in enumerate(np.asarray(slot_mapping)):
        if slot == -1:
            continue
        page, off = divmod(int(slot), ps)
        for dst, src in ((kc, kn), (vc, vn)):
            row = from_f64(src[i], dt)
            if layout == "hnd":
                dst[page, :, off] = row
            else:
                dst[page, off] = row
    return kc, vc


def attend_masked(q, keys, vals, scale, positions, p, window=0, softcap=0.0, slopes=None):
    """Rows q [G, D] at query position p over keys at `positions`, with the
    prefill options (window, softcap, ALiBi slopes [G]) as pal.h defines them."""
    G, D = q.shape
    keep = positions <= p
    if window > 0:
        keep &= positions > p - window
    keys, vals, pos = keys[keep], vals[keep], positions[keep]
    if keys.shape[0] == 0:
        return np.zeros((G, D)), np.full(G, -np.inf), np.zeros(G)
    s = (q @ keys.T) * scale
    bound = np.abs(scale) * (np.abs(q) @ np.abs(keys).T)
    if softcap > 0:
        s = softcap * np.tanh(s / softcap)
    if slopes is not None:
        s = s + np.outer(slopes, pos - p)
        bound = bound + np.abs(np.outer(slopes, pos - p))
    m = s.max(axis=1, keepdims=True)
    w = np.exp(s - m)
    total = w.sum(axis=1, keepdims=True)
    return (w @ vals) / total, (m + np.log(total))[:, 0], bound.max(axis=1)


def ref_prefill(q, qo_indptr, k_cache, v_cache, seq_pages, seq_lens, layout="hnd", scale=None,
                window=0, softcap=0.0, alibi_slopes=None):
    """Query row qo_indptr[s] + i of sequence s sits at position seq_len - q_len + i."""
    qf = as_f64(q)
    T, Hq, D = qf.shape
    K, V = hnd(k_cache, layout), hnd(v_cache, layout)
    Hkv, ps = K.shape[1], K.shape[2]
    G = Hq // Hkv
    scale = 1.0 / np.sqrt(D) if not scale else scale
    slopes = None if alibi_slopes is None else np.asarray(alibi_slopes, np.float64)
    out, lse, bound = np.zeros((T, Hq, D)), np.zeros((T, Hq)), np.zeros((T, Hq))
    for s in range(len(seq_lens)):
        n = int(seq_lens[s])
        first, q_len = int(qo_indptr[s]), int(qo_indptr[s + 1] - qo_indptr[s])
        pages = np.asarray(seq_pages[s][: -(-n // ps)], dtype=np.int64)
        for h in range(Hkv):
            keys = K[pages, h].reshape(-1, D)[:n]
            vals = V[pages, h].reshape(-1, D)[:n]
            rows = slice(h * G, (h + 1) * G)
            for i in range(q_len):
                r = first + i
                out[r, rows], lse[r, rows], bound[r, rows] = attend_masked(
                    qf[r, rows], keys, vals, scale, np.arange(n), n - q_len + i, window, softcap,
                    None if slopes is None else slopes[rows])
    return out, lse, bound
