"""Workloads of the Python benchmark suite over the instances of `pal bench`:
the families, their axes, defaults, sweeps (full and --quick), the model
table, the bytes/FLOPs/items per call and the cold-cache rotations all come
from `pal bench --list --json` (src/bench/list_json.c, docs/BENCHMARKS.md),
never typed here, so a py row and a cpp row of the same instance can be put
side by side. The pal binary: $PAL_BIN, else build/pal (scripts/benchmarks.sh
builds it first)."""

import itertools
import json
import math
import os
import subprocess
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
_LISTINGS = {}  # (quick, hot) -> the parsed `pal bench --list --json`

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NP_DTYPES = {"fp32": np.float32, "fp16": np.float16, "bf16": np.uint16}


def pal_bin():
    """The pal binary whose sweep this suite runs: $PAL_BIN, else build/pal."""
    path = os.environ.get("PAL_BIN") or os.path.join(REPO, "build", "pal")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise RuntimeError(
            f"benchmarks/python takes its instances from `pal bench --list --json`, but there is "
            f"no pal binary at {path}: build it (cmake -S . -B build && cmake --build build, as "
            f"scripts/benchmarks.sh does) or set PAL_BIN to one")
    return path


def pal_list(*args):
    """The parsed `pal bench --list --json ARGS` (any pal bench sweep options)."""
    cmd = [pal_bin(), "bench", "--list", "--json", *args]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}")
    return json.loads(r.stdout)


def quick():
    return QUICK or os.environ.get("PAL_BENCH_QUICK") == "1"


def listing():
    """pal bench's listing for this run's mode (--pal-quick, --pal-hot), read once."""
    key = (quick(), HOT)
    if key not in _LISTINGS:
        _LISTINGS[key] = pal_list(*(["--quick"] if key[0] else []), *(["--hot"] if key[1] else []))
    return _LISTINGS[key]


def instances(family):
    """The instances of a family in pal bench's order, read at collection time
    (after pytest_configure): {name, family, axes, bytes_per_call, ...}."""
    found = [i for i in listing()["instances"] if i["family"] == family]
    if not found:
        raise RuntimeError(f"pal bench --list --json has no instance of {family}")
    return found


def params(family):
    """pytest parameters: one per instance, its id the swept axis's value."""
    import pytest

    swept = next(f["swept"] for f in listing()["families"] if f["name"] == family)
    return [pytest.param(i, id=str(i["axes"][swept])) for i in instances(family)]


def listed(family, hot=False, **axes):
    """The one instance of `family` with these axes overridden (pal bench -a),
    for a test that runs a point outside the sweep (the binding's overhead)."""
    args = ["--filter", f"^{family}/"] + (["--hot"] if hot else [])
    for k, v in axes.items():
        args += ["-a", f"{k}={v}"]
    found = pal_list(*args)["instances"]
    if len(found) != 1:
        raise RuntimeError(f"pal bench {' '.join(args)}: {len(found)} instances, expected 1")
    return found[0]


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


def info(inst, family=None):
    """benchmark.extra_info: the instance's plain axis fields under the names
    the cpp rows use (all but threads, which is the count used), and pal
    bench's bytes/FLOPs/items per call and rotations for it."""
    c = inst["axes"]
    fields = dict(kernel=inst["kernel"], op=inst["op"], family=family or inst["family"],
                  backend="cpu", binding="python", isa=pal.default_context().isa,
                  threads=threads_used(c), cache="hot" if HOT else "cold",
                  rotations=inst["rotations"], bytes_per_call=inst["bytes_per_call"],
                  flops_per_call=inst["flops_per_call"], items_per_call=inst["items_per_call"])
    fields.update({k: v for k, v in c.items() if k != "threads"})
    return fields


def _pools(c, pages, dt):
    ps, hkv, D = c["page_size"], c["num_kv_heads"], c["head_dim"]
    shape = (pages, hkv, ps, D) if c["layout"] == "hnd" else (pages, ps, hkv, D)
    return random_fill(np.empty(shape, dt), 2), random_fill(np.empty(shape, dt), 3)


def _tables(pages, rot, B, per_seq):
    ids = np.random.default_rng(7).permutation(pages).astype(np.int32)
    return [ids[r * B * per_seq:(r + 1) * B * per_seq].reshape(B, per_seq).copy()
            for r in range(rot)]


def paged_decode(inst):
    """(callable, extra_info): pal.decode over shuffled pages, rotating
    through disjoint page subsets of one pool when cold."""
    c, family = inst["axes"], inst["family"]
    entry = plan_entry(family, c)
    B, L, hq, D, ps = (c[k] for k in ("batch", "seq_len", "num_q_heads", "head_dim", "page_size"))
    dt = NP_DTYPES[c["dtype"]]
    rot = inst["rotations"]
    per_seq = -(-L // ps)
    pages = rot * B * per_seq
    k, v = _pools(c, pages, dt)
    q = random_fill(np.empty((B, hq, D), dt), 1)
    out = np.empty_like(q)
    seq_lens = np.full(B, L, np.int32)
    nxt = itertools.cycle(_tables(pages, rot, B, per_seq)).__next__
    decode, layout, threads = pal.decode, c["layout"], c["threads"]

    def call():
        return decode(q, k, v, nxt(), seq_lens, layout=layout, out=out, num_threads=threads)

    return call, with_plan(info(inst), entry)


def dense_decode(inst):
    """(callable, extra_info): pal.sdpa with q_len 1 over contiguous K/V."""
    c, family = inst["axes"], inst["family"]
    entry = plan_entry(family, c)
    B, L, hq, hkv, D = (c[k] for k in ("batch", "seq_len", "num_q_heads", "num_kv_heads",
                                        "head_dim"))
    dt = NP_DTYPES[c["dtype"]]
    rot = inst["rotations"]
    k_all = random_fill(np.empty((rot, B, hkv, L, D), dt), 2)
    v_all = random_fill(np.empty((rot, B, hkv, L, D), dt), 3)
    sets = itertools.cycle([(k_all[r], v_all[r]) for r in range(rot)]).__next__
    q = random_fill(np.empty((B, hq, 1, D), dt), 1)
    out = np.empty_like(q)
    sdpa, threads = pal.sdpa, c["threads"]

    def call():
        k, v = sets()
        return sdpa(q, k, v, out=out, num_threads=threads)

    return call, with_plan(info(inst), entry)


def fill_kv(inst):
    """(callable, extra_info): pal.fill_kv_pages of `tokens` rows to shuffled slots."""
    c, family = inst["axes"], inst["family"]
    entry = plan_entry(family, c)
    T, hkv, D, ps = c["tokens"], c["num_kv_heads"], c["head_dim"], c["page_size"]
    dt = NP_DTYPES[c["dtype"]]
    rot = inst["rotations"]
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

    return call, with_plan(info(inst), entry)


def paged_prefill(inst):
    """(callable, extra_info): pal.prefill of a seq_len-token chunk after `history` tokens."""
    c, family = inst["axes"], inst["family"]
    entry = plan_entry(family, c)
    B, Lq, H, hq, D, ps = (c[k] for k in ("batch", "seq_len", "history", "num_q_heads",
                                           "head_dim", "page_size"))
    dt = NP_DTYPES[c["dtype"]]
    rot = inst["rotations"]
    per_seq = -(-(H + Lq) // ps)
    pages = rot * B * per_seq
    k, v = _pools(c, pages, dt)
    q = random_fill(np.empty((B * Lq, hq, D), dt), 1)
    out = np.empty_like(q)
    seq_lens = np.full(B, H + Lq, np.int32)
    qo = (np.arange(B + 1) * Lq).astype(np.int32)
    nxt = itertools.cycle(_tables(pages, rot, B, per_seq)).__next__
    prefill, layout, threads = pal.prefill, c["layout"], c["threads"]

    def call():
        return prefill(q, qo, k, v, nxt(), seq_lens, layout=layout, out=out, num_threads=threads)

    return call, with_plan(info(inst), entry)


def dense_prefill(inst):
    """(callable, extra_info): causal pal.sdpa of the same chunk over history + chunk keys."""
    c, family = inst["axes"], inst["family"]
    entry = plan_entry(family, c)
    B, Lq, H, hq, hkv, D = (c[k] for k in ("batch", "seq_len", "history", "num_q_heads",
                                            "num_kv_heads", "head_dim"))
    dt = NP_DTYPES[c["dtype"]]
    rot = inst["rotations"]
    k_all = random_fill(np.empty((rot, B, hkv, H + Lq, D), dt), 2)
    v_all = random_fill(np.empty((rot, B, hkv, H + Lq, D), dt), 3)
    sets = itertools.cycle([(k_all[r], v_all[r]) for r in range(rot)]).__next__
    q = random_fill(np.empty((B, hq, Lq, D), dt), 1)
    out = np.empty_like(q)
    sdpa, threads = pal.sdpa, c["threads"]

    def call():
        k, v = sets()
        return sdpa(q, k, v, causal=True, out=out, num_threads=threads)

    return call, with_plan(info(inst), entry)
