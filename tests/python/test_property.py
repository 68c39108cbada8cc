"""Property test: pal's kernels against a hostile caller.

A seeded random driver starts from a valid call of pal.decode, pal.prefill,
pal.fill_kv_pages or pal.sdpa and mutates it the ways a hostile caller would:
wrong shapes, dtypes, strides, byte order, alignment, read-only outputs,
negative / out-of-range page ids, slots and lengths, broken indptr arrays,
outputs that share memory with every input (and with each other), NaN/Inf
values, zero sizes, huge ints and wrong types. Every mutated call must

  * leave the process alive (the calls run in-process: a crash fails the run),
  * return, or raise TypeError, ValueError or pal.PalError - never
    OverflowError, SystemError, or MemoryError on these small inputs,
  * when it raises, leave every array the caller passed (out=, lse=, the
    pools of fill_kv_pages, and the inputs) byte-identical; when it returns,
    leave every array that shares no memory with an output unchanged,
  * when it raises, name an argument the caller passed (one of the
    function's keyword names, or the unknown keyword the caller gave),
  * fail with PAL_E_ALIAS when an output was placed on memory the call reads.

Why a hand-written driver and not Hypothesis: the project adds no test
dependency for it; the rng comes from conftest.py's fixture, seeded from the
test's name, so a failure reproduces exactly (the message gives the call
number and its mutations); and a fixed number of tiny calls runs in a few
seconds, where a shrinking search would not.
"""

import collections
import re
import time
import warnings

import numpy as np
import pytest

import pal

HAVE_PREFILL = hasattr(pal, "prefill")
ROUNDS = 300  # calls per kernel

KEYWORDS = {
    "decode": ["q", "k_cache", "v_cache", "block_table", "seq_lens", "kv_indptr", "kv_indices",
               "kv_last_page_len", "layout", "scale", "out", "lse", "return_lse", "num_threads",
               "context"] + (["window", "softcap", "alibi_slopes"] if HAVE_PREFILL else []),
    "fill_kv_pages": ["k_new", "v_new", "slot_mapping", "k_cache", "v_cache", "layout",
                      "context"],
    "sdpa": ["q", "k", "v", "causal", "scale", "out", "lse", "return_lse", "num_threads",
             "context"],
}
if HAVE_PREFILL:
    KEYWORDS["prefill"] = ["qo_indptr"] + KEYWORDS["decode"]
OUTPUTS = {"decode": ("out", "lse"), "prefill": ("out", "lse"), "sdpa": ("out", "lse"),
           "fill_kv_pages": ("k_cache", "v_cache")}
INT_ARRAYS = ("block_table", "seq_lens", "kv_indptr", "kv_indices", "kv_last_page_len",
              "qo_indptr", "slot_mapping")


def pick(rng, seq):
    return seq[int(rng.integers(len(seq)))] if len(seq) else None


def floats(rng, shape, dtype):
    x = rng.uniform(-1, 1, size=shape).astype(np.float32)
    return pal.to_bf16(x) if dtype == "bf16" else x.astype(dtype)


# ------------------------------------------------------------------ valid calls


def paged_sizes(rng, zero=None):
    z = dict(S=int(rng.integers(1, 4)), Hkv=int(rng.integers(1, 3)), G=pick(rng, [1, 2, 4]),
             D=pick(rng, [16, 32, 64]), ps=pick(rng, [1, 3, 8, 16]),
             maxp=int(rng.integers(1, 4)), dtype=pick(rng, ["float32", "float16", "bf16"]),
             layout=pick(rng, ["hnd", "nhd"]), form=pick(rng, ["block", "csr"]))
    z["P"] = z["S"] * z["maxp"] + 1
    if zero:
        z[zero] = 0
    return z


def pools(rng, z):
    shape = ((z["P"], z["Hkv"], z["ps"], z["D"]) if z["layout"] == "hnd"
             else (z["P"], z["ps"], z["Hkv"], z["D"]))
    return floats(rng, shape, z["dtype"]), floats(rng, shape, z["dtype"])


def page_table(rng, z, lens):
    S, ps, maxp, P = z["S"], z["ps"], z["maxp"], z["P"]
    bt = np.zeros((S, maxp), np.int32)
    if P >= S * maxp and S * maxp:
        bt[:] = rng.permutation(P)[: S * maxp].reshape(S, maxp)
    if z["form"] == "block":
        return dict(block_table=bt, seq_lens=np.asarray(lens, np.int32))
    n = [-(-int(x) // ps) if ps else 0 for x in lens]
    indptr = np.concatenate([[0], np.cumsum(n)]).astype(np.int32)
    indices = np.concatenate([bt[s, :n[s]] for s in range(S)] + [np.zeros(0)]).astype(np.int32)
    last = np.array([int(x) - (m - 1) * ps if m else 0 for x, m in zip(lens, n)], np.int32)
    return dict(kv_indptr=indptr, kv_indices=indices, kv_last_page_len=last)


def seq_lens_for(rng, z):
    cap = z["maxp"] * z["ps"] if z["P"] else 0
    return [int(rng.integers(0, cap + 1)) for _ in range(z["S"])]


def options(rng, z, kw, rows):
    Hq = z["Hkv"] * z["G"]
    if rng.random() < 0.4:
        kw["out"] = np.full((rows, Hq, z["D"]), 7, kw["q"].dtype)
    if rng.random() < 0.4:
        kw["lse"] = np.full((rows, Hq), 7, np.float32)
    elif rng.random() < 0.3:
        kw["return_lse"] = True
    if rng.random() < 0.3:
        kw["scale"] = float(rng.uniform(0.05, 1))
    if rng.random() < 0.5:
        kw["num_threads"] = int(rng.integers(1, 3))
    if HAVE_PREFILL and rng.random() < 0.3:
        kw["window"] = int(rng.integers(0, 6))
        kw["softcap"] = pick(rng, [0.0, 2.0])
        if rng.random() < 0.5:
            kw["alibi_slopes"] = rng.uniform(0, 1, Hq).astype(np.float32)


def valid_decode(rng, zero=None):
    z = paged_sizes(rng, zero)
    k, v = pools(rng, z)
    lens = seq_lens_for(rng, z)
    q = floats(rng, (z["S"], z["Hkv"] * z["G"], z["D"]), pick(rng, [z["dtype"], "float32"]))
    kw = dict(q=q, k_cache=k, v_cache=v, layout=z["layout"], **page_table(rng, z, lens))
    options(rng, z, kw, z["S"])
    return kw


def valid_prefill(rng, zero=None):
    z = paged_sizes(rng, zero)
    k, v = pools(rng, z)
    lens = seq_lens_for(rng, z)
    qlens = [int(rng.integers(0, n + 1)) for n in lens]
    qo = np.concatenate([[0], np.cumsum(qlens)]).astype(np.int32)
    q = floats(rng, (int(qo[-1]), z["Hkv"] * z["G"], z["D"]), z["dtype"])
    kw = dict(q=q, qo_indptr=qo, k_cache=k, v_cache=v, layout=z["layout"],
              **page_table(rng, z, lens))
    options(rng, z, kw, q.shape[0])
    return kw


def valid_fill(rng, zero=None):
    z = paged_sizes(rng, zero)
    z["T"] = int(rng.integers(1, 6)) if zero != "T" else 0
    k, v = pools(rng, z)
    slots = z["P"] * z["ps"]
    shape = (z["T"], z["Hkv"], z["D"])
    src = pick(rng, [z["dtype"], "float32"])
    sm = rng.integers(-1, slots, z["T"]) if slots else np.full(z["T"], -1)
    return dict(k_new=floats(rng, shape, src), v_new=floats(rng, shape, src),
                slot_mapping=sm.astype(np.int64), k_cache=k, v_cache=v, layout=z["layout"])


def valid_sdpa(rng, zero=None):
    z = dict(B=int(rng.integers(1, 3)), Hkv=int(rng.integers(1, 3)), G=pick(rng, [1, 2]),
             Lq=int(rng.integers(1, 5)), Lk=int(rng.integers(1, 9)), D=pick(rng, [16, 32]),
             dtype=pick(rng, ["float32", "float16", "bf16"]))
    if zero:
        z[zero] = 0
    Hq = z["Hkv"] * z["G"]
    kv = (z["B"], z["Hkv"], z["Lk"], z["D"])
    kw = dict(q=floats(rng, (z["B"], Hq, z["Lq"], z["D"]), z["dtype"]),
              k=floats(rng, kv, z["dtype"]), v=floats(rng, kv, z["dtype"]),
              causal=bool(rng.random() < 0.5))
    if rng.random() < 0.4:
        kw["out"] = np.full(kw["q"].shape, 7, kw["q"].dtype)
    if rng.random() < 0.4:
        kw["lse"] = np.full(kw["q"].shape[:3], 7, np.float32)
    if rng.random() < 0.3:
        kw["num_threads"] = 1
    return kw


VALID = {"decode": valid_decode, "prefill": valid_prefill, "fill_kv_pages": valid_fill,
         "sdpa": valid_sdpa}
ZEROS = {"decode": ["S", "P", "ps", "Hkv", "D", "maxp", "G"],
         "prefill": ["S", "P", "ps", "Hkv", "D", "maxp", "G"],
         "fill_kv_pages": ["T", "P", "ps", "Hkv", "D"],
         "sdpa": ["B", "Hkv", "G", "Lq", "Lk", "D"]}


# ------------------------------------------------------------------ mutations
# Each takes (rng, kw, fname) and changes kw in place; it returns a short
# description, or None when it does not apply to this call. Expectations go
# into kw["__expect"].


def arrays(kw):
    return [k for k, v in kw.items() if isinstance(v, np.ndarray) and not k.startswith("__")]


def is_array(kw, *names):
    return all(isinstance(kw.get(n), np.ndarray) for n in names)


def m_drop(rng, kw, fname):
    name = pick(rng, arrays(kw))
    if name is None:
        return None
    del kw[name]
    return f"drop {name}"


def m_not_array(rng, kw, fname):
    name = pick(rng, arrays(kw))
    if name is None:
        return None
    kw[name] = pick(rng, [kw[name].tolist(), 3, "abc", np.float32(1), memoryview(b"abcd")])
    return f"{name} not an array"


def m_dtype(rng, kw, fname):
    name = pick(rng, arrays(kw))
    if name is None:
        return None
    dt = pick(rng, [np.float64, np.int64, np.int32, np.uint16, np.float16, np.float32, np.bool_,
                    np.complex64, np.int8, np.uint32])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # complex -> real, NaN -> int: the point
        kw[name] = kw[name].astype(dt)
    return f"{name} as {np.dtype(dt)}"


def m_ndim(rng, kw, fname):
    name = pick(rng, arrays(kw))
    if name is None:
        return None
    a = kw[name]
    kw[name] = pick(rng, [a[None], a.reshape(-1), a[..., None], np.zeros(())])
    return f"{name} ndim {kw[name].ndim}"


def m_dim(rng, kw, fname):
    name = pick(rng, arrays(kw))
    if name is None:
        return None
    a = kw[name]
    if a.ndim == 0:
        return None
    ax = int(rng.integers(a.ndim))
    if rng.random() < 0.5:  # one shorter
        kw[name] = np.take(a, np.arange(a.shape[ax] - 1), axis=ax)
    else:  # two longer
        extra = np.zeros_like(a, shape=a.shape[:ax] + (2,) + a.shape[ax + 1:])
        kw[name] = np.concatenate([a, extra], axis=ax)
    return f"{name} axis {ax} -> {kw[name].shape[ax]}"


def m_layout(rng, kw, fname):
    if "layout" not in kw and fname == "sdpa":
        return None
    kw["layout"] = pick(rng, ["hnd" if kw.get("layout") == "nhd" else "nhd", "HND", "", 5,
                              b"hnd", None])
    return f"layout={kw['layout']!r}"


def m_noncontig(rng, kw, fname):
    name = pick(rng, arrays(kw))
    if name is None:
        return None
    a = kw[name]
    if a.ndim == 0:
        return None
    ax = int(rng.integers(a.ndim))
    kw[name] = np.repeat(a, 2, axis=ax)[(slice(None),) * ax + (slice(None, None, 2),)]
    return f"{name} strided on axis {ax}"


def m_reversed(rng, kw, fname):
    name = pick(rng, arrays(kw))
    if name is None:
        return None
    a = kw[name]
    if a.ndim == 0:
        return None
    ax = int(rng.integers(a.ndim))
    kw[name] = np.flip(a, axis=ax)
    return f"{name} negative stride on axis {ax}"


def m_zero_stride(rng, kw, fname):
    name = pick(rng, arrays(kw))
    if name is None:
        return None
    a = kw[name]
    if a.ndim == 0 or a.size == 0:
        return None
    ax = int(rng.integers(a.ndim))
    one = np.take(a, [0], axis=ax).copy()
    kw[name] = np.lib.stride_tricks.as_strided(one, a.shape, one.strides[:ax] + (0,) +
                                               one.strides[ax + 1:], writeable=True)
    return f"{name} zero stride on axis {ax}"


def m_pool_strides(rng, kw, fname):
    """Both pools with one stride 0 (pages, heads or tokens sharing memory)."""
    if not all(isinstance(kw.get(n), np.ndarray) and kw[n].ndim == 4 and kw[n].size
               for n in ("k_cache", "v_cache")):
        return None
    ax = int(rng.integers(3))
    for n in ("k_cache", "v_cache"):
        a = kw[n]
        one = np.take(a, [0], axis=ax).copy()
        kw[n] = np.lib.stride_tricks.as_strided(one, a.shape, one.strides[:ax] + (0,) +
                                                one.strides[ax + 1:], writeable=True)
    return f"pools with stride 0 on axis {ax}"


def m_byteswap(rng, kw, fname):
    name = pick(rng, arrays(kw))
    if name is None:
        return None
    a = kw[name]
    kw[name] = a.byteswap().view(a.dtype.newbyteorder())
    return f"{name} byteswapped"


def m_misaligned(rng, kw, fname):
    name = pick(rng, arrays(kw))
    if name is None:
        return None
    a = kw[name]
    if a.itemsize == 1:
        return None
    raw = np.zeros(a.nbytes + 1, np.uint8)
    b = raw[1:].view(a.dtype).reshape(a.shape) if a.nbytes else raw[1:1].view(a.dtype)
    if a.nbytes:
        b[...] = a
    kw[name] = b.reshape(a.shape)
    return f"{name} misaligned"


def m_read_only(rng, kw, fname):
    outs = [n for n in OUTPUTS[fname] if isinstance(kw.get(n), np.ndarray)]
    if not outs:
        return None
    name = pick(rng, outs)
    kw[name] = kw[name].copy()
    kw[name].flags.writeable = False
    return f"{name} read-only"


HOSTILE_INTS = [-1, -2, -(2**31), 2**31 - 1, 2**30, 1 << 20, 0]


def m_int_values(rng, kw, fname):
    names = [n for n in INT_ARRAYS if is_array(kw, n) and kw[n].size and kw[n].dtype.kind in "iu"]
    if not names:
        return None
    name = pick(rng, names)
    a = kw[name].copy()
    i = tuple(int(rng.integers(d)) for d in a.shape)
    if name == "slot_mapping":
        val = pick(rng, [-2, -(2**63), 2**63 - 1, 2**40, int(a.max()) + 10**6, -(2**65)])
    else:
        val = pick(rng, HOSTILE_INTS + [int(a[i]) + 1, int(a[i]) - 1])
    if a.dtype.kind in "iu":  # an earlier mutation may have changed the dtype
        val = min(max(val, int(np.iinfo(a.dtype).min)), int(np.iinfo(a.dtype).max))
    with np.errstate(all="ignore"):
        a[i] = val
    kw[name] = a
    return f"{name}[{i}] = {a[i]}"


def m_float_values(rng, kw, fname):
    names = [n for n in ("q", "k_cache", "v_cache", "k", "v", "k_new", "v_new", "alibi_slopes")
             if is_array(kw, n) and kw[n].size and (kw[n].dtype.kind == "f" or
                                                     kw[n].dtype == np.uint16)]
    if not names:
        return None
    name = pick(rng, names)
    a = kw[name].copy()
    val = pick(rng, [np.nan, np.inf, -np.inf, 3e38, -3e38])
    idx = tuple(int(rng.integers(d)) for d in a.shape)
    if rng.random() < 0.3:
        idx = Ellipsis
    with np.errstate(all="ignore"):
        a[idx] = pal.to_bf16(np.array([val], np.float32))[0] if a.dtype == np.uint16 else val
    kw[name] = a
    return f"{name}[{idx}] = {val}"


SCALARS = {
    "scale": [0.0, -0.0, 0, np.nan, np.inf, -np.inf, 1e-50, 1e300, 10**400, -(10**400), "1",
              [1.0], np.float32(0.5), np.float64(-2.0), np.array([1.0, 2.0]), True, 2**70],
    "num_threads": [-1, 2**31, 2**63, 2**70, -(2**70), 10**5000, 1.5, "2", np.int64(1), True,
                    None, np.array([1, 2]), np.uint64(2**64 - 1), np.float64(1.0)],
    "window": [-1, 2**31, 2**40, 2**70, -(2**70), 1.0, "3", np.int32(2)],
    "softcap": [-1.0, np.nan, np.inf, 1e-50, 10**400, "x", 3e38],
    "return_lse": [np.array([1, 2]), "yes", 0, np.array([True])],
    "causal": [np.array([1, 0]), 2, None],
    "context": ["avx2", 5, object(), pal.Context(isa="scalar", num_threads=1)],
    "blocktable": [np.zeros((1, 1), np.int32)],
    "alibi_slopes": [np.full(1, np.nan, np.float32), np.ones(3, np.float64)],
}


def m_scalar(rng, kw, fname):
    names = [n for n in SCALARS if n in KEYWORDS[fname] or n == "blocktable"]
    name = pick(rng, names)
    kw[name] = pick(rng, SCALARS[name])
    v = kw[name]  # repr() of 10**5000 itself raises: say how big it is
    return f"{name}={v!r:.40}" if not isinstance(v, int) or abs(v) < 2**64 else \
        f"{name}=<int of {v.bit_length()} bits>"


def m_form(rng, kw, fname):
    if fname not in ("decode", "prefill"):
        return None
    csr = dict(kv_indptr=np.zeros(2, np.int32), kv_indices=np.zeros(1, np.int32),
               kv_last_page_len=np.ones(1, np.int32))
    if "block_table" in kw and rng.random() < 0.5:
        kw.update(pick(rng, [csr, {"kv_indptr": csr["kv_indptr"]}]))
    else:
        for n in ("block_table", "seq_lens", "kv_indptr", "kv_indices", "kv_last_page_len"):
            if n in kw and rng.random() < 0.5:
                del kw[n]
    return "page-table form"


def m_indptr(rng, kw, fname):
    names = [n for n in ("kv_indptr", "qo_indptr")
             if is_array(kw, n) and kw[n].size and kw[n].dtype == np.int32]
    if not names:
        return None
    name = pick(rng, names)
    a = kw[name].astype(np.int64)  # edited as int64, stored back as int32
    how = pick(rng, ["decrease", "first", "beyond", "short", "huge"])
    if how == "decrease" and len(a) > 1:
        a[-2], a[-1] = a[-1] + 1, a[-1]
    elif how == "first":
        a[0] = pick(rng, [1, -1])
    elif how == "beyond":
        a[-1] += int(rng.integers(1, 4))
    elif how == "short":
        a = a[:-1].copy()
    else:
        a[-1] = 2**31 - 1
    kw[name] = np.clip(a, -(2**31), 2**31 - 1).astype(np.int32)
    return f"{name} {how}"


def overlap(rng, a, b):
    """Copies of a and b that share memory: b starts inside a's bytes (or a in b's)."""
    if not a.nbytes or not b.nbytes:
        return None
    step = max(a.itemsize, b.itemsize, 8)
    total = a.nbytes + b.nbytes + 2 * step
    raw = np.zeros(total // 8 + 1, np.float64)  # 8-byte aligned
    oa = 0
    ob = step * int(rng.integers(0, max(a.nbytes // step, 1)))
    if rng.random() < 0.5:
        oa, ob = ob, oa
        if oa + a.nbytes <= ob or ob + b.nbytes <= oa:
            oa = 0
    mem = raw.view(np.uint8)
    va = mem[oa:oa + a.nbytes].view(a.dtype).reshape(a.shape)
    vb = mem[ob:ob + b.nbytes].view(b.dtype).reshape(b.shape)
    va[...] = a
    vb[...] = b  # the input's values win where they meet: the call must still be valid
    return va, vb


def m_alias(rng, kw, fname):
    outs = [n for n in OUTPUTS[fname] if isinstance(kw.get(n), np.ndarray) and kw[n].size]
    if not outs:
        return None
    o = pick(rng, outs)
    ins = [n for n in arrays(kw) if n != o and kw[n].size]
    if fname == "fill_kv_pages" and o == "v_cache" and "k_cache" in ins:
        ins.remove("k_cache")  # the pair is covered from k_cache's side
    if not ins:
        return None
    i = pick(rng, ins)
    pair = overlap(rng, kw[o], kw[i])
    if pair is None:
        return None
    kw[o], kw[i] = pair
    # libpal reads only kv_indices[:kv_indptr[-1]]; everything else it reads
    # whole, unless the call has no work (fill_kv_pages of no token)
    if (i != "kv_indices" and np.shares_memory(kw[o], kw[i]) and
            (fname != "fill_kv_pages" or (is_array(kw, "k_new") and kw["k_new"].size))):
        kw["__expect"] = "PAL_E_ALIAS"
    return f"{o} shares memory with {i}"


def m_same_array(rng, kw, fname):
    """An input passed as an output, or as both pools."""
    if fname == "fill_kv_pages":
        if not is_array(kw, "k_cache", "k_new"):
            return None
        kw["v_cache"] = kw["k_cache"]
        if kw["k_cache"].size and kw["k_new"].size:
            kw["__expect"] = "PAL_E_ALIAS"
        return "v_cache is k_cache"
    src = pick(rng, [n for n in ("q", "k", "v") if is_array(kw, n)])
    if src is None or not is_array(kw, "q"):
        return None
    if kw[src].shape == kw["q"].shape and kw[src].dtype == kw["q"].dtype:
        kw["out"] = kw[src]
        if kw[src].size:
            kw["__expect"] = "PAL_E_ALIAS"
        return f"out is {src}"
    return None


def m_zero(rng, kw, fname):
    kw.clear()
    zero = pick(rng, ZEROS[fname])
    kw.update(VALID[fname](rng, zero))
    return f"zero {zero}"


MUTATIONS = [m_drop, m_not_array, m_dtype, m_ndim, m_dim, m_layout, m_noncontig, m_reversed,
             m_zero_stride, m_pool_strides, m_pool_strides, m_byteswap, m_misaligned,
             m_read_only, m_int_values, m_int_values, m_float_values, m_scalar, m_scalar, m_form,
             m_indptr, m_alias, m_alias, m_alias, m_same_array, m_zero, m_zero]


# ------------------------------------------------------------------ the driver


def snapshot(kw):
    return {n: (kw[n], kw[n].tobytes()) for n in arrays(kw)}


def names_an_argument(message, passed, fname):
    allowed = set(KEYWORDS[fname]) | set(passed)
    return any(re.search(rf"(?<![\w]){re.escape(n)}(?!\w)", message) for n in allowed)


def run_one(fname, kw, what):
    expect = kw.pop("__expect", None)
    before = snapshot(kw)
    fn = getattr(pal, fname)
    try:
        with np.errstate(all="ignore"):
            res = fn(**kw)
    except (TypeError, ValueError) as e:  # pal.PalError is a ValueError
        msg = str(e)
        assert names_an_argument(msg, kw, fname), f"{what}: names no argument: {msg}"
        for n, (a, b) in before.items():
            assert a.tobytes() == b, f"{what}: failed call changed {n}: {msg}"
        if expect:
            assert getattr(e, "status", None) == expect, f"{what}: expected {expect}: {msg}"
        return type(e).__name__ + (":" + e.status if isinstance(e, pal.PalError) else "")
    except Exception as e:  # MemoryError, OverflowError, SystemError, ...
        pytest.fail(f"{what}: {type(e).__name__}: {e}")
    assert not expect, f"{what}: expected {expect}, the call returned"
    outs = [kw[n] for n in OUTPUTS[fname] if isinstance(kw.get(n), np.ndarray)]
    if isinstance(res, tuple):
        outs += list(res)
    elif isinstance(res, np.ndarray):
        outs.append(res)
    for n, (a, b) in before.items():
        if n in OUTPUTS[fname] or any(np.shares_memory(a, o) for o in outs):
            continue
        assert a.tobytes() == b, f"{what}: the call wrote into input {n}"
    if "out" in kw and isinstance(kw["out"], np.ndarray):
        assert (res[0] if isinstance(res, tuple) else res) is kw["out"], what
    return "ok"


@pytest.mark.parametrize("fname", sorted(VALID) if HAVE_PREFILL else
                         ["decode", "fill_kv_pages", "sdpa"])
def test_hostile_calls(rng, fname, record_property):
    valid = VALID[fname]
    outcomes = collections.Counter()
    t0 = time.perf_counter()
    for i in range(ROUNDS):
        kw = valid(rng)
        if i % 20 == 0:  # a few unmutated calls: the base calls are valid
            what = f"{fname} call {i}: valid"
            assert run_one(fname, kw, what) == "ok", what
            continue
        done = []
        for _ in range(1 if rng.random() < 0.7 else 2):
            d = pick(rng, MUTATIONS)(rng, kw, fname)
            if d:
                done.append(d)
        if len(done) != 1:  # an expectation holds for a single mutation only
            kw.pop("__expect", None)
        what = f"{fname} call {i}: " + "; ".join(done)
        outcomes[run_one(fname, kw, what)] += 1
    took = time.perf_counter() - t0
    summary = ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
    print(f"\n{fname}: {ROUNDS} calls in {took:.2f} s, {len(outcomes)} outcomes: {summary}")
    record_property("outcomes", dict(outcomes))
    # the driver reaches the library's checks, not only the binding's
    # (40 other seeds reached these sets and at least these many statuses)
    statuses = {k for k in outcomes if k.startswith("PalError")}
    want, count = {"decode": ({"PAL_E_ALIAS", "PAL_E_SHAPE", "PAL_E_LAYOUT"}, 5),
                   "prefill": ({"PAL_E_ALIAS", "PAL_E_SHAPE", "PAL_E_LAYOUT"}, 5),
                   "fill_kv_pages": ({"PAL_E_ALIAS", "PAL_E_SHAPE", "PAL_E_LAYOUT",
                                      "PAL_E_SLOT"}, 4),
                   "sdpa": ({"PAL_E_ALIAS", "PAL_E_SHAPE"}, 2)}[fname]
    missing = {w for w in want if "PalError:" + w not in statuses}
    assert not missing and len(statuses) >= count, f"never reached {missing}: {summary}"
    assert outcomes["ok"] and outcomes["TypeError"] and outcomes["ValueError"], summary
