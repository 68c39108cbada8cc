#!/usr/bin/env python3
"""gen_corpus.py - write a realistic corpus of benchmark result files for
timing `pal analyze`: Google Benchmark JSON shaped like `pal bench` output
(iteration rows + mean/median/stddev/cv aggregates, plain axis fields, probe
figures in the context), pytest-benchmark 5.x JSON with PAL's extra_info axes,
and NVBench JSON (string-encoded numbers). Several runs of the same families
appear at different timestamps, so newest-wins is exercised.

usage: gen_corpus.py OUT_DIR [--files N] [--rows-per-file R] [--seed S]
Deterministic for a given seed. Standard library only.
"""
import argparse
import json
import math
import os
import random

FAMILIES = [  # (family suffix, swept axis, values)
    ("LatencyVsSeqLen", "seq_len", [64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768]),
    ("LatencyVsHeadDim", "head_dim", [64, 80, 96, 128, 160, 192, 256]),
    ("LatencyVsNumItems", "batch", [1, 2, 4, 8, 16, 32, 64, 128, 256]),
    ("ModelConfig", "model", ["Llama3_70B_Sim", "Qwen_8B_Sim", "Qwen2.5_72B_Sim", "Llama-3.1-8B", "Mistral-7B"]),
]
DEFAULTS = dict(batch=1, seq_len=4096, num_q_heads=32, num_kv_heads=8, head_dim=128, page_size=16, dtype="fp16")


def latency_s(kernel, ax):
    base = 2e-9 * ax["batch"] * ax["seq_len"] * ax["num_kv_heads"] * ax["head_dim"] / 128
    return (base + 5e-6) * (1.0 if kernel == "pal" else 1.15)


def axes_for(axis, value):
    ax = dict(DEFAULTS)
    if axis == "model":
        ax.update(model=value, batch=4, seq_len=1024, num_q_heads=64)
    else:
        ax[axis] = value
    return ax


def gbench_file(rng, kernel, fam, axis, values, rows, ts):
    per_instance = max(5, rows // max(1, len(values)))
    reps = max(1, per_instance - 4)
    benches = []
    for value in values:
        ax = axes_for(axis, value)
        parts = [f"{k}:{ax[k]}" for k in ([axis] + [k for k in ax if k != axis]) if k in ax]
        if kernel == "sdpa":
            parts = [p for p in parts if not p.startswith("page_size")]
        run_name = f"BM_{kernel.upper()}_{fam}/" + "/".join(parts)
        t = latency_s(kernel, ax)
        bytes_call = ax["batch"] * ax["seq_len"] * ax["num_kv_heads"] * ax["head_dim"] * 4.0
        flops_call = 4.0 * ax["batch"] * ax["seq_len"] * ax["num_q_heads"] * ax["head_dim"]
        plain = dict(family=f"BM_{kernel.upper()}_{fam}", kernel=kernel, op="decode", cache="cold", **ax)
        samples = [t * rng.lognormvariate(0, 0.05) for _ in range(reps)]

        def row(rt, **extra):
            r = dict(name=run_name, run_name=run_name, repetitions=reps, threads=2, real_time=rt * 1e6,
                     cpu_time=rt * 1e6, time_unit="us", bytes_per_second=bytes_call / rt,
                     flops_per_second=flops_call / rt, bw_util=bytes_call / rt / 2e10)
            r.update(extra)
            r.update(plain)
            return r

        for i, s in enumerate(samples):
            benches.append(row(s, run_type="iteration", repetition_index=i, iterations=10))
        srt = sorted(samples)
        mean = sum(samples) / len(samples)
        med = srt[len(srt) // 2]
        sd = math.sqrt(sum((x - mean) ** 2 for x in samples) / max(1, len(samples) - 1))
        for agg, v in (("mean", mean), ("median", med), ("stddev", sd), ("cv", sd / mean)):
            r = row(v, run_type="aggregate", aggregate_name=agg, iterations=reps,
                    aggregate_unit="percentage" if agg == "cv" else "time")
            r["name"] = run_name + "_" + agg
            benches.append(r)
    ctx = dict(date=f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}T{ts[9:11]}:{ts[11:13]}:{ts[13:15]}+00:00", host_name="vm",
               executable="pal bench", num_cpus=2, mhz_per_cpu=2600, caches=[], load_avg=[0.1, 0.2, 0.3],
               library_version="0.1.0", library_build_type="release", json_schema_version=1,
               bw_peak=2e10, peak_compute_flops=1e12)
    return dict(context=ctx, benchmarks=benches)


def pytest_file(rng, kernel, fam, axis, values, rows, ts):
    benches = []
    test = f"test_{kernel}_latency_{'model_configs' if axis == 'model' else 'vs_' + axis}"
    for i in range(rows):
        value = values[i % len(values)]
        ax = axes_for(axis, value)
        t = latency_s(kernel, ax) * 1.3
        data = sorted(t * rng.lognormvariate(0, 0.05) for _ in range(7))
        mean = sum(data) / len(data)
        q1, med, q3 = data[1], data[3], data[5]
        stats = dict(min=data[0], max=data[-1], mean=mean, stddev=0.01 * mean, rounds=len(data), median=med,
                     iqr=q3 - q1, q1=q1, q3=q3, iqr_outliers=0, stddev_outliers=1, outliers="1;0",
                     ld15iqr=data[0], hd15iqr=data[-1], ops=1 / mean, total=sum(data), iterations=1, data=data)
        # as benchmarks/python writes it: the cpp family name and cache mode too
        extra = dict(kernel=kernel, op="decode", family=f"BM_{kernel.upper()}_{fam}", cache="cold", **ax)
        param = f"{value}-{i // len(values)}"
        benches.append(dict(group=None, name=f"{test}[{param}]", fullname=f"python/bench.py::{test}[{param}]",
                            params={"case": i}, param=param, extra_info=extra,
                            options=dict(min_rounds=5, max_time=1.0, timer="perf_counter"), stats=stats))
    return dict(machine_info=dict(node="vm", machine="x86_64", python_version="3.11.2", cpu=dict(brand_raw="Xeon")),
                commit_info=dict(id="abc", dirty=False, branch="main"), benchmarks=benches,
                datetime=f"{ts[:4]}-{ts[4:6]}-{ts[6:8]}T{ts[9:11]}:{ts[11:13]}:{ts[13:15]}.000000+00:00",
                version="5.1.0")


def nvbench_file(rng, kernel, fam, axis, values, rows, ts):
    states = []
    for i in range(rows):
        value = values[i % len(values)]
        ax = axes_for(axis, value)
        t = latency_s(kernel, ax) / 20
        def s(tag, v):
            return dict(tag=tag, name=tag, hint="duration", data=[dict(name="value", type="float64", value=f"{v:.9g}")])
        states.append(dict(
            name=f"Device=0 {axis}={value} T=F16 rep={i // len(values)}", device=0, type_config_index=0,
            axis_values=[dict(name=axis, type="string" if axis == "model" else "int64", value=str(value)),
                         dict(name="T", type="type", value="F16")],
            summaries=[s("nv/cold/time/gpu/mean", t * 1.01), s("nv/cold/time/gpu/median", t),
                       s("nv/cold/time/gpu/stdev/relative", 0.01), s("nv/cold/time/gpu/q1", t * 0.99),
                       s("nv/cold/time/gpu/q3", t * 1.02), s("nv/cold/sample_size", 1000)],
            is_skipped=False))
    return dict(meta=dict(argv=["bench"], version=dict(json=dict(major=1, minor=0, patch=0, string="1.0.0"))),
                devices=[dict(id=0, name="NVIDIA H100", global_memory_bus_bandwidth=3.35e12)],
                benchmarks=[dict(name=f"{kernel}_{fam}", index=0, axes=[], states=states)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--files", type=int, default=4000)
    ap.add_argument("--rows-per-file", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    rows_total = 0
    for i in range(a.files):
        kind = ("gbench", "gbench", "pytest", "nvbench")[i % 4]
        kernel = ("pal", "sdpa")[(i // 4) % 2]
        fam, axis, values = FAMILIES[(i // 8) % len(FAMILIES)]
        run = i // (8 * len(FAMILIES))
        ts = f"2026{1 + run // 28 % 12:02d}{1 + run % 28:02d}_{run % 24:02d}{i % 60:02d}{i % 59:02d}"
        if kind == "gbench":
            doc = gbench_file(rng, kernel, fam, axis, values[: max(1, a.rows_per_file // 6)], a.rows_per_file, ts)
            name = f"cpp_all_BM_{kernel.upper()}_{fam}_{ts}.json"
            # half of our files carry bare NaN somewhere harmless, as Google Benchmark may write
            text = json.dumps(doc, indent=2)
        elif kind == "pytest":
            doc = pytest_file(rng, kernel, fam, axis, values, a.rows_per_file, ts)
            name = f"py_{kernel}_test_{kernel}_{fam}_{ts}.json"
            text = json.dumps(doc, indent=4)
        else:
            doc = nvbench_file(rng, kernel, fam, axis, values, a.rows_per_file, ts)
            name = f"nvbench_{kernel}_{fam}_{ts}.json"
            text = json.dumps(doc, indent=2)
        rows_total += len(doc["benchmarks"]) if kind != "nvbench" else len(doc["benchmarks"][0]["states"])
        with open(os.path.join(a.out, f"{i:05d}_{name}"), "w") as f:
            f.write(text)
    print(f"gen_corpus: {a.files} files, {rows_total} rows in {a.out}")


if __name__ == "__main__":
    main()
