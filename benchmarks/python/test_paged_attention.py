"""pytest-benchmark suite of the Python package: the seed's test names over
the native suites' families and axes (docs/BENCHMARKS.md).

Each test times one kernel call from Python (K/V rotating through working
sets larger than the last-level cache unless --pal-hot) and stores the plain
axis fields in benchmark.extra_info under the names of `pal bench`'s JSON
rows (kernel, op, dtype, seq_len, batch, num_q_heads, num_kv_heads, head_dim,
page_size, layout, model, bytes_per_call, flops_per_call, ...), so the
analyzer pairs py and cpp rows of the same instance without parsing names.

    pytest benchmarks/python --benchmark-only [--pal-quick] [--pal-hot] \
        --benchmark-json=.benchmarks/py_all_paged_attention_$(date +%Y%m%d_%H%M%S).json
"""

import time

import numpy as np
import pytest

import pal
import workloads as w


def run(benchmark, call, extra):
    entry = extra.pop("_plan", None)
    benchmark.extra_info.update(extra)
    load = w.LoadMeter()
    if entry is None:
        benchmark(call)
    else:  # sized by pal bench's plan (--pal-plan): its time cap and min_reps
        rounds, iterations = w.planned_rounds(entry, call, extra["rotations"])
        benchmark.pedantic(call, rounds=rounds, iterations=iterations)
    foreign = load.foreign()
    if foreign is not None:
        benchmark.extra_info["foreign_load"] = foreign


# The instances of each test are pal bench's for the family it names
# (`pal bench --list --json`, see workloads.py): the same axes, values and
# work per call; the test id is the swept axis's value.

# ---------------------------------------------------------- decode vs seq_len
@pytest.mark.parametrize("inst", w.params("BM_PAL_LatencyVsSeqLen"))
def test_pal_latency_vs_seq_len(benchmark, inst):
    run(benchmark, *w.paged_decode(inst))


@pytest.mark.parametrize("inst", w.params("BM_SDPA_LatencyVsSeqLen"))
def test_sdpa_latency_vs_seq_len(benchmark, inst):
    run(benchmark, *w.dense_decode(inst))


# --------------------------------------------------------- decode vs head_dim
@pytest.mark.parametrize("inst", w.params("BM_PAL_LatencyVsHeadDim"))
def test_pal_latency_vs_head_dim(benchmark, inst):
    run(benchmark, *w.paged_decode(inst))


@pytest.mark.parametrize("inst", w.params("BM_SDPA_LatencyVsHeadDim"))
def test_sdpa_latency_vs_head_dim(benchmark, inst):
    run(benchmark, *w.dense_decode(inst))


# ------------------------------------ decode vs query items (one per sequence)
@pytest.mark.parametrize("inst", w.params("BM_PAL_LatencyVsNumItems"))
def test_pal_latency_vs_query_items(benchmark, inst):
    run(benchmark, *w.paged_decode(inst))


@pytest.mark.parametrize("inst", w.params("BM_SDPA_LatencyVsNumItems"))
def test_sdpa_latency_vs_batch_size(benchmark, inst):
    run(benchmark, *w.dense_decode(inst))


# -------------------------------------------------------------- model configs
@pytest.mark.parametrize("inst", w.params("BM_PAL_ModelConfig"))
def test_pal_latency_model_configs(benchmark, inst):
    run(benchmark, *w.paged_decode(inst))


@pytest.mark.parametrize("inst", w.params("BM_SDPA_ModelConfig"))
def test_sdpa_latency_model_configs(benchmark, inst):
    run(benchmark, *w.dense_decode(inst))


# ------------------------------------------------------------- fill_kv_pages
@pytest.mark.parametrize("inst", w.params("BM_PAL_FillKVPages"))
def test_pal_fill_kv_pages(benchmark, inst):
    run(benchmark, *w.fill_kv(inst))


# ------------------------------------------------------------------- prefill
@pytest.mark.parametrize("inst", w.params("BM_PAL_PrefillLatencyVsSeqLen"))
def test_pal_prefill_latency_vs_seq_len(benchmark, inst):
    run(benchmark, *w.paged_prefill(inst))


@pytest.mark.parametrize("inst", w.params("BM_SDPA_PrefillLatencyVsSeqLen"))
def test_sdpa_prefill_latency_vs_seq_len(benchmark, inst):
    run(benchmark, *w.dense_prefill(inst))


# ---------------------------------------------------- the binding's own cost
def test_pal_binding_overhead(benchmark):
    """Per-call cost of the Python binding on a tiny decode (1 sequence of 16
    tokens, 8/2 heads, D 64, fp16, 1 thread, hot): the pytest-benchmark time
    is the Python call; extra_info also holds the native time of the same
    call, timed in C by pal._pal._decode_native_seconds over the same
    validated arguments, and the difference (binding_overhead_us)."""
    inst = w.listed("BM_PAL_LatencyVsSeqLen", hot=True, batch=1, seq_len=16, num_q_heads=8,
                    num_kv_heads=2, head_dim=64, dtype="fp16", threads=1)
    q = w.random_fill(np.empty((1, 8, 64), np.float16), 1)
    k = w.random_fill(np.empty((1, 2, 16, 64), np.float16), 2)
    v = w.random_fill(np.empty((1, 2, 16, 64), np.float16), 3)
    bt, sl, out = np.zeros((1, 1), np.int32), np.array([16], np.int32), np.empty_like(q)
    args, kwargs = (q, k, v, bt, sl), dict(out=out, num_threads=1)

    extra = w.info(inst, "BM_PAL_BindingOverhead")
    extra["cache"] = "hot"
    benchmark.extra_info.update(extra)
    benchmark(lambda: pal.decode(*args, **kwargs))

    # native and Python per-call times measured the same way: best of 21 batches of
    # 5000 calls each, the two interleaved so that load on the machine hits both alike
    n, native, python = 5000, float("inf"), float("inf")
    for _ in range(21):
        native = min(native, pal._pal._decode_native_seconds(n, *args, **kwargs))
        python = min(python, _per_call(lambda: pal.decode(*args, **kwargs), n))
    benchmark.extra_info.update(native_time_us=native * 1e6, python_time_us=python * 1e6,
                                binding_overhead_us=(python - native) * 1e6)


def _per_call(fn, n):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n
