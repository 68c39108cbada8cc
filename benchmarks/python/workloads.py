"""Workloads of the Python benchmark suite: the same axes, defaults, sweeps,
cold-cache rotation and cost formulas as `pal bench` (docs/BENCHMARKS.md), so
a py row and a cpp row of the same instance can be put side by side."""

import itertools
import math
import os
import time

import numpy as np

import pal

QUICK = False  # set by conftest.py
HOT = False
PLAN = None  # the plan file (dict) of --pal-plan, see load_plan
PLAN_PATH = None
_PLAN_BY_FAMILY = {}
_PLAN_T0 = None
_SKIPPED = []  # {"name", "reason"} of every test the plan skipped

# decode defaults of the native suites (src/bench/suites/decode_axes.h)
DEFAULTS = dict(batch=1, seq_len=4096, num_q_heads=32, num_kv_heads=8, head_dim=128,
                page_size=16, layout="hnd", dtype="fp16", threads=0)

# (full sweep, quick sweep) of each family, as in src/bench/suites/*.c
SWEEPS = {
    "seq_len": ([64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768], [256, 4096]),
    "head_dim": ([64, 80, 96, 128, 160, 192, 256], [64, 128]),
    "batch": ([1, 2, 4, 8, 16, 32, 64, 128, 256], [1, 16]),
    "model": (["Llama3_70B_Sim", "Qwen_8B_Sim", "Qwen2.5_72B_Sim", "Llama-3.1-8B", "Mistral-7B",
               "Gemma-3-27B", "Qwen3-32B", "Qwen3-30B-A3B", "Llama-3.1-70B"],
              ["Llama3_70B_Sim", "Llama-3.1-8B"]),
    "tokens": ([1, 16, 256, 4096], [16, 4096]),
    "prefill_seq_len": ([64, 128, 256, 512, 1024, 2048, 4096, 8192], [256, 1024]),
}

# prefill defaults of the native suites (src/bench/suites/prefill_latency_vs_seq_len.c):
# seq_len is the chunk of new query tokens, history the cached tokens before it
PREFILL_DEFAULTS = dict(batch=1, history=0, num_q_heads=32, num_kv_heads=8, head_dim=128,
                        page_size=16, layout="hnd", dtype="bf16", threads=0)

# name: (num_q_heads, num_kv_heads, head_dim, seq_len, batch), src/bench/models.c
MODELS = {
    "Llama3_70B_Sim": (64, 8, 128, 1024, 4),
    "Qwen_8B_Sim": (32, 32, 128, 1024, 4),
    "Qwen2.5_72B_Sim": (128, 8, 128, 1024, 4),
    "Llama-3.1-8B": (32, 8, 128, 8192, 8),
    "Mistral-7B": (32, 8, 128, 4096, 8),
    "Gemma-3-27B": (32, 16, 128, 8192, 4),
    "Qwen3-32B": (64, 8, 128, 8192, 4),
    "Qwen3-30B-A3B": (32, 4, 128, 16384, 4),
    "Llama-3.1-70B": (64, 8, 128, 32768, 1),
}

NP_DTYPES = {"fp32": np.float32, "fp16": np.float16, "bf16": np.uint16}


def sweep(axis):
    """The values of a swept axis, read at collection time (after pytest_configure)."""
    full, quick = SWEEPS[axis]
    quick_env = os.environ.get("PAL_BENCH_QUICK") == "1"
    return quick if (QUICK or quick_env) else full


def config(**overrides):
    c = dict(DEFAULTS)
    model = overrides.get("model")
    if model:
        hq, hkv, d, L, b = MODELS[model]
        c.update(num_q_heads=hq, num_kv_heads=hkv, head_dim=d, seq_len=L, batch=b)
    c.update(overrides)
    return c


def llc_bytes():
    best = 0
    base = "/sys/devices/system/cpu/cpu0/cache"
    for entry in os.listdir(base) if os.path.isdir(base) else []:
        try:
            with open(os.path.join(base, entry, "size")) as f:
                text = f.read().strip()
        except OSError:
            continue
        mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
        best = max(best, int(text.rstrip("KMG")) * mult)
    return best or (32 << 20)


def rotations(bytes_per_call):
    """Working sets per instance: R >= 2 with R x bytes >= 3 x LLC (cold), or 1 (hot)."""
    if HOT:
        return 1
    return int(min(4096, max(2, math.ceil(3 * llc_bytes() / max(bytes_per_call, 1)))))


def decode_cost(c, paged):
    """bytes and FLOPs per decode call, docs/BENCHMARKS.md."""
    B, L, hq, hkv, D = c["batch"], c["seq_len"], c["num_q_heads"], c["num_kv_heads"], c["head_dim"]
    s = np.dtype(NP_DTYPES[c["dtype"]]).itemsize
    nbytes = B * L * hkv * D * 2 * s + B * hq * D * 2 * s
    if paged:
        nbytes += 4 * B * (math.ceil(L / c["page_size"]) + 1)
    return float(nbytes), 4.0 * B * L * hq * D


def fill_cost(c):
    s = np.dtype(NP_DTYPES[c["dtype"]]).itemsize
    return 2.0 * 2.0 * c["tokens"] * c["num_kv_heads"] * c["head_dim"] * s + 8.0 * c["tokens"], 0.0


def random_fill(a, seed):
    """Fills a (possibly huge) array with uniform [-1, 1) values in its dtype by
    tiling one random block: generating GiBs of fresh randoms would cost more
    than the benchmark, and cold-cache timing does not depend on the values."""
    rng = np.random.default_rng(seed)
    flat = a.reshape(-1)
    block = rng.uniform(-1, 1, size=min(flat.size, 1 << 20)).astype(np.float32)
    block = pal.to_bf16(block) if a.dtype == np.uint16 else block.astype(a.dtype)
    for at in range(0, flat.size, block.size):
        n = min(block.size, flat.size - at)
        flat[at:at + n] = block[:n]
    return a


class LoadMeter:
    """The share of all CPUs' time that other processes took since creation,
    as `pal bench` records it (foreign_load): machine-wide busy time from
    /proc/stat minus this process's CPU time, over wall time x CPUs."""

    def __init__(self):
        self.busy0, self.self0, self.wall0 = _busy_s(), time.process_time(), time.monotonic()

    def foreign(self):
        busy1 = _busy_s()
        if self.busy0 is None or busy1 is None:
            return None
        wall = time.monotonic() - self.wall0
        other = (busy1 - self.busy0) - (time.process_time() - self.self0)
        share = other / (wall * (os.cpu_count() or 1)) if wall > 0 else 0.0
        return min(1.0, max(0.0, share))


def _busy_s():
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------ the plan
# `pal bench --plan-only --plan-for python` sizes this suite (scripts/benchmarks.sh
# --budget): the costs per call are the ones pal bench measured (or its pilot
# estimated); nothing here estimates a cost, it only applies the plan.

def load_plan(path):
    global PLAN, PLAN_PATH, _PLAN_T0
    import json

    with open(path) as f:
        PLAN = json.load(f)
    PLAN_PATH = path
    _PLAN_T0 = time.monotonic()
    _PLAN_BY_FAMILY.clear()
    for e in PLAN.get("instances", []):
        _PLAN_BY_FAMILY.setdefault(e["family"], []).append(e)


def _skip(name, reason):
    import pytest

    _SKIPPED.append({"name": name, "reason": reason})
    pytest.skip(f"{name}: {reason}")


def plan_entry(family, c):
    """This instance's entry in the plan (None without one). Skips the test,
    with the reason, when the plan lacks the instance or dropped it, or when
    the plan's budget is spent (its deadline guard, as pal bench's)."""
    if PLAN is None:
        return None
    for e in _PLAN_BY_FAMILY.get(family, ()):
        if all(str(c.get(k)) == v for k, v in e["axes"].items()):
            break
    else:
        axes = ",".join(f"{k}={v}" for k, v in sorted(c.items()))
        _skip(f"{family}[{axes}]", f"not in the plan {PLAN_PATH}")
    if e["status"] in ("dropped", "error"):
        _skip(e["name"], e.get("reason", e["status"]))
    elapsed = time.monotonic() - _PLAN_T0
    if elapsed + e["est_s"] > 1.05 * PLAN["budget_s"]:
        _skip(e["name"], f"budget spent: {elapsed:.0f} s of {PLAN['budget_s']:.0f} s used, "
                         f"this test needs est. {e['est_s']:.1f} s")
    return e


def planned_rounds(entry, call, rotations):
    """(rounds, iterations) for benchmark.pedantic by pal bench's own rules
    (src/bench/measure.c) under the plan's time cap: a warm-up of at least
    one call per working set and warmup_s (but no longer than warmup_max_s,
    as a budgeted pal bench), calls per round calibrated on it
    to last min_rep_s, then as many rounds as the cap holds and never fewer
    than min_reps. The cap and min_reps come from the plan; the time per
    call is the one measured here, so a slower host shortens nothing but
    the round count (the plan's est_s assumed the C run's time per call)."""
    t0, n, cap = time.perf_counter(), 0, PLAN.get("warmup_max_s", 0)
    while n < rotations or time.perf_counter() - t0 < PLAN["warmup_s"]:
        call()
        n += 1
        if n >= 100000 or (cap and time.perf_counter() - t0 >= cap):
            break
    per_call = max((time.perf_counter() - t0) / n, 1e-9)
    iterations = max(1, math.ceil(PLAN["min_rep_s"] / per_call))
    rounds = math.ceil(entry["time_cap_s"] / (iterations * per_call))
    return int(min(max(rounds, PLAN["min_reps"]), 100000)), int(iterations)


def with_plan(fields, entry):
    """extra_info fields plus the plan entry for run() (which takes it out)."""
    if entry is not None:
        fields["_plan"] = entry
    return fields


def plan_summary():
    return {"file": PLAN_PATH, "budget_s": PLAN.get("budget_s"), "method": PLAN.get("method"),
            "planned_s": PLAN.get("planned_s"), "dropped": list(_SKIPPED)}


def threads_used(c):
    return c["threads"] or pal.default_context().num_threads


def info(c, kernel, op, family, cost, rot, paged=True):
    """benchmark.extra_info: the plain axis fields under the names the cpp rows use."""
    fields = dict(kernel=kernel, op=op, family=family, backend="cpu", binding="python",
                  isa=pal.default_context().isa, dtype=c["dtype"], threads=threads_used(c),
                  cache="hot" if HOT else "cold", rotations=rot,
                  bytes_per_call=cost[0], flops_per_call=cost[1])
    keys = {"decode": ["batch", "seq_len", "num_q_heads", "num_kv_heads", "head_dim"],
            "prefill": ["batch", "seq_len", "history", "num_q_heads", "num_kv_heads", "head_dim"],
            "fill_kv_pages": ["tokens", "num_kv_heads", "head_dim"]}[op]
    if paged:
        keys += ["page_size", "layout"]
    fields.update({k: c[k] for k in keys})
    fields["items_per_call"] = float({"decode": c.get("batch"), "fill_kv_pages": c.get("tokens"),
                                      "prefill": c.get("batch", 0) * c.get("seq_len", 0)}[op])
    if c.get("model"):
        fields["model"] = c["model"]
    return fields


def paged_decode(c, family):
    """(callable, extra_info): pal.decode over shuffled pages, rotating
    through disjoint page subsets of one pool when cold."""
    entry = plan_entry(family, c)
    B, L, hq, hkv, D, ps = (c[k] for k in ("batch", "seq_len", "num_q_heads", "num_kv_heads",
                                            "head_dim", "page_size"))
    dt = NP_DTYPES[c["dtype"]]
    cost = decode_cost(c, paged=True)
    rot = rotations(cost[0])
    per_seq = -(-L // ps)
    pages = rot * B * per_seq
    shape = (pages, hkv, ps, D) if c["layout"] == "hnd" else (pages, ps, hkv, D)
    k = random_fill(np.empty(shape, dt), 2)
    v = random_fill(np.empty(shape, dt), 3)
    q = random_fill(np.empty((B, hq, D), dt), 1)
    out = np.empty_like(q)
    ids = np.random.default_rng(7).permutation(pages).astype(np.int32)
    tables = [ids[r * B * per_seq:(r + 1) * B * per_seq].reshape(B, per_seq).copy()
              for r in range(rot)]
    seq_lens = np.full(B, L, np.int32)
    nxt = itertools.cycle(tables).__next__
    decode, layout, threads = pal.decode, c["layout"], c["threads"]

    def call():
        return decode(q, k, v, nxt(), seq_lens, layout=layout, out=out, num_threads=threads)

    return call, with_plan(info(c, "pal", "decode", family, cost, rot), entry)


def dense_decode(c, family):
    """(callable, extra_info): pal.sdpa with q_len 1 over contiguous K/V."""
    entry = plan_entry(family, c)
    B, L, hq, hkv, D = (c[k] for k in ("batch", "seq_len", "num_q_heads", "num_kv_heads",
                                        "head_dim"))
    dt = NP_DTYPES[c["dtype"]]
    cost = decode_cost(c, paged=False)
    rot = rotations(cost[0])
    k_all = random_fill(np.empty((rot, B, hkv, L, D), dt), 2)
    v_all = random_fill(np.empty((rot, B, hkv, L, D), dt), 3)
    sets = itertools.cycle([(k_all[r], v_all[r]) for r in range(rot)]).__next__
    q = random_fill(np.empty((B, hq, 1, D), dt), 1)
    out = np.empty_like(q)
    sdpa, threads = pal.sdpa, c["threads"]

    def call():
        k, v = sets()
        return sdpa(q, k, v, out=out, num_threads=threads)

    return call, with_plan(info(c, "sdpa", "decode", family, cost, rot, paged=False), entry)


def fill_kv(c):
    """(callable, extra_info): pal.fill_kv_pages of `tokens` rows to shuffled slots."""
    entry = plan_entry("BM_PAL_FillKVPages", c)
    T, hkv, D, ps = c["tokens"], c["num_kv_heads"], c["head_dim"], c["page_size"]
    dt = NP_DTYPES[c["dtype"]]
    cost = fill_cost(c)
    rot = rotations(cost[0])
    pages = -(-T // ps) * rot
    shape = (pages, hkv, ps, D) if c["layout"] == "hnd" else (pages, ps, hkv, D)
    k, v = np.zeros(shape, dt), np.zeros(shape, dt)
    k_new = random_fill(np.empty((rot, T, hkv, D), dt), 1)
    v_new = random_fill(np.empty((rot, T, hkv, D), dt), 2)
    slots = np.random.default_rng(5).permutation(pages * ps)[:T * rot].astype(np.int64)
    sets = itertools.cycle([(k_new[r], v_new[r], slots[r * T:(r + 1) * T].copy())
                            for r in range(rot)]).__next__
    fill, layout = pal.fill_kv_pages, c["layout"]

    def call():
        kn, vn, sm = sets()
        return fill(kn, vn, sm, k, v, layout=layout)

    return call, with_plan(info(c, "pal", "fill_kv_pages", "BM_PAL_FillKVPages", cost, rot), entry)


def prefill_cost(c, paged):
    """bytes and FLOPs per prefill call, as src/bench/workload_prefill.c counts them."""
    B, Lq, H, hq, hkv, D = (c[k] for k in ("batch", "seq_len", "history", "num_q_heads",
                                            "num_kv_heads", "head_dim"))
    s = np.dtype(NP_DTYPES[c["dtype"]]).itemsize
    ctx = H + Lq
    nbytes = B * ctx * hkv * D * 2 * s + B * Lq * hq * D * 2 * s
    if paged:
        nbytes += 4 * B * (math.ceil(ctx / c["page_size"]) + 2)
    return float(nbytes), 4.0 * D * hq * B * (Lq * H + Lq * (Lq + 1) / 2.0)


def paged_prefill(c, family):
    """(callable, extra_info): pal.prefill of a seq_len-token chunk after `history` tokens."""
    entry = plan_entry(family, c)
    B, Lq, H, hq, hkv, D, ps = (c[k] for k in ("batch", "seq_len", "history", "num_q_heads",
                                                "num_kv_heads", "head_dim", "page_size"))
    dt = NP_DTYPES[c["dtype"]]
    cost = prefill_cost(c, paged=True)
    rot = rotations(cost[0])
    per_seq = -(-(H + Lq) // ps)
    pages = rot * B * per_seq
    shape = (pages, hkv, ps, D) if c["layout"] == "hnd" else (pages, ps, hkv, D)
    k = random_fill(np.empty(shape, dt), 2)
    v = random_fill(np.empty(shape, dt), 3)
    q = random_fill(np.empty((B * Lq, hq, D), dt), 1)
    out = np.empty_like(q)
    ids = np.random.default_rng(7).permutation(pages).astype(np.int32)
    tables = [ids[r * B * per_seq:(r + 1) * B * per_seq].reshape(B, per_seq).copy()
              for r in range(rot)]
    seq_lens = np.full(B, H + Lq, np.int32)
    qo = (np.arange(B + 1) * Lq).astype(np.int32)
    nxt = itertools.cycle(tables).__next__
    prefill, layout, threads = pal.prefill, c["layout"], c["threads"]

    def call():
        return prefill(q, qo, k, v, nxt(), seq_lens, layout=layout, out=out, num_threads=threads)

    return call, with_plan(info(c, "pal", "prefill", family, cost, rot), entry)


def dense_prefill(c, family):
    """(callable, extra_info): causal pal.sdpa of the same chunk over history + chunk keys."""
    entry = plan_entry(family, c)
    B, Lq, H, hq, hkv, D = (c[k] for k in ("batch", "seq_len", "history", "num_q_heads",
                                            "num_kv_heads", "head_dim"))
    dt = NP_DTYPES[c["dtype"]]
    cost = prefill_cost(c, paged=False)
    rot = rotations(cost[0])
    k_all = random_fill(np.empty((rot, B, hkv, H + Lq, D), dt), 2)
    v_all = random_fill(np.empty((rot, B, hkv, H + Lq, D), dt), 3)
    sets = itertools.cycle([(k_all[r], v_all[r]) for r in range(rot)]).__next__
    q = random_fill(np.empty((B, hq, Lq, D), dt), 1)
    out = np.empty_like(q)
    sdpa, threads = pal.sdpa, c["threads"]

    def call():
        k, v = sets()
        return sdpa(q, k, v, causal=True, out=out, num_threads=threads)

    return call, with_plan(info(c, "sdpa", "prefill", family, cost, rot, paged=False), entry)
