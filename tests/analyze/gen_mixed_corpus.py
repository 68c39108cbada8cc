#!/usr/bin/env python3
"""gen_mixed_corpus.py - write a realistic mixed corpus of PAL benchmark result
files, shaped like what the main job (`scripts/benchmarks.sh --run all`) leaves
in .benchmarks/, for testing `pal analyze`'s plots without running a sweep.

usage: gen_mixed_corpus.py OUT_DIR [--seed S] [--runs N] [--probe-scale F]

Per run (N runs, default 1, each at its own timestamp, so newest-wins applies):
  cpp_all_<family>_<YYYYmmdd_HHMMSS>.json   Google Benchmark JSON as `pal bench`
      writes it (context with the machine and probe figures, every repetition
      as an `iteration` row, then _mean/_median/_stddev/_cv/_min aggregates):
      BM_{PAL,SDPA}_LatencyVsSeqLen        decode fp16, seq_len 64..32768
      BM_{PAL,SDPA}_LatencyVsHeadDim       decode fp16, head_dim 64..256
      BM_{PAL,SDPA}_LatencyVsNumItems      decode fp16, batch 1..256 x 32 q heads
      BM_{PAL,SDPA}_ModelConfig            decode fp16, six current models
      BM_PAL_FillKVPages                   fill_kv_pages fp16, tokens 1..4096
      BM_{PAL,SDPA}_PrefillLatencyVsSeqLen prefill bf16, seq_len 64..2048
      BM_{PAL,SDPA}_PrefillModelConfig     prefill bf16 (last 512-token chunk)
  cpp_all_BM_{PAL,SDPA}_LatencyVsSeqLen_<ts+2 min>.json  a second, filtered
      `pal bench -a dtype=bf16` run: the decode seq_len sweep in bf16, so two
      dtypes meet in one plot.
  py_all_paged_attention_<ts+7 min>.json    pytest-benchmark 5.x JSON as the
      Python suite writes it (machine_info, stats with raw data, extra_info
      carrying the C family and every axis): the decode seq_len, head_dim,
      items and model families (PAL and SDPA) and test_pal_binding_overhead.

The machine is the 2-core AMD EPYC VM of the real files (avx2 level, probed
read bandwidth ~13.4 GB/s, fp32 FMA-256 roof ~182 GFLOP/s). Latencies follow
a smooth cost model: decode and fill are bandwidth bound (a fixed call cost
plus bytes per call at 58-68 % of the probed bandwidth), prefill is compute
bound (FLOPs at a rate that grows with the query tile fill); repetitions get
lognormal noise (sigma 3 %) and each family a small per-run drift. Counters
are derived from each row's own time with the formulas of docs/BENCHMARKS.md,
so bytes_per_second = bytes_per_call / time; no row exceeds 0.95 of its roof
unless --probe-scale F < 1 lowers the recorded peaks (as pal bench's
PAL_BENCH_PROBE_SCALE does), which flags rows probe_suspect as pal bench would.
Python times are the native time plus a few microseconds of binding cost.
Deterministic: identical arguments give identical files. Standard library only.
"""
import argparse
import json
import os
import random
import statistics
from datetime import datetime, timedelta

LLC = 32 << 20
BW_TRUE = 13.6e9  # what the DRAM delivers; the probe reads a little less
FMA256, PORTABLE = 181.85e9, 90.92e9
MARGIN = 0.05
MODELS = [  # name, num_q_heads, num_kv_heads, seq_len (context), batch: pal bench --list-models
    ("Llama-3.1-8B", 32, 8, 8192, 8), ("Mistral-7B", 32, 8, 4096, 8), ("Gemma-3-27B", 32, 16, 8192, 4),
    ("Qwen3-32B", 64, 8, 8192, 4), ("Qwen3-30B-A3B", 32, 4, 16384, 4), ("Llama-3.1-70B", 64, 8, 32768, 1)]
DECODE = dict(batch=1, seq_len=4096, num_q_heads=32, num_kv_heads=8, head_dim=128, page_size=16, layout="hnd",
              dtype="fp16", threads=0)
PREFILL = dict(batch=1, history=0, num_q_heads=32, num_kv_heads=8, head_dim=128, page_size=16, layout="hnd",
               dtype="bf16", threads=0)
FILL = dict(page_size=16, num_kv_heads=8, head_dim=128, layout="hnd", dtype="fp16", threads=0)
SWEEPS = {  # suffix: (family_index of PAL, op, defaults, swept axis, values, python test names or None)
    "LatencyVsSeqLen": (0, "decode", DECODE, "seq_len", [2 ** i for i in range(6, 16)],
                        ("test_pal_latency_vs_seq_len", "test_sdpa_latency_vs_seq_len")),
    "LatencyVsHeadDim": (2, "decode", DECODE, "head_dim", [64, 80, 96, 128, 160, 192, 256],
                         ("test_pal_latency_vs_head_dim", "test_sdpa_latency_vs_head_dim")),
    "LatencyVsNumItems": (4, "decode", dict(DECODE, seq_len=1024), "batch", [2 ** i for i in range(9)],
                          ("test_pal_latency_vs_query_items", "test_sdpa_latency_vs_batch_size")),
    "ModelConfig": (6, "decode", DECODE, "model", MODELS,
                    ("test_pal_latency_model_configs", "test_sdpa_latency_model_configs")),
    "FillKVPages": (8, "fill_kv_pages", FILL, "tokens", [1, 16, 256, 4096], None),
    "PrefillLatencyVsSeqLen": (9, "prefill", PREFILL, "seq_len", [2 ** i for i in range(6, 12)], None),
    "PrefillModelConfig": (11, "prefill", PREFILL, "model", MODELS, None),
}
RATE = {  # kernel: (fixed call cost s, decode bandwidth share fp16, bf16, prefill peak FLOP/s, py binding s)
    "pal": (12e-6, 0.62, 0.58, 16.0e9, 2.6e-6), "sdpa": (9e-6, 0.68, 0.64, 15.2e9, 2.1e-6)}


def instances(suffix, kernel, dtype=None):
    """Yield (ordered axes of the instance name) as pal bench expands the family."""
    fidx, op, defaults, swept, values, _ = SWEEPS[suffix]
    for v in values:
        ax = dict(defaults)
        if dtype:
            ax["dtype"] = dtype
        if swept == "model":
            name, hq, hkv, ctx, b = v
            ax.update(model=name, batch=b, seq_len=ctx, num_q_heads=hq, num_kv_heads=hkv)
            if op == "prefill":
                ax.update(chunk=512)
                del ax["history"]
            first = ["model", "chunk"] if op == "prefill" else ["model"]
        else:
            ax[swept] = v
            first = [swept]
        if kernel == "sdpa":
            ax.pop("page_size"), ax.pop("layout")
        base = list(defaults) if swept != "model" else ["batch", "seq_len"] + list(defaults)
        yield {k: ax[k] for k in first + [k for k in base if k not in first and k in ax]}


def cost(kernel, op, ax):
    """bytes, FLOPs, items per call (docs/BENCHMARKS.md) and the model's time per call."""
    s = 4 if ax["dtype"] == "fp32" else 2
    paged = kernel == "pal"
    t0, bw16, bw_bf16, prate, _ = RATE[kernel]
    if op == "fill_kv_pages":
        T = ax["tokens"]
        nbytes = 2 * 2 * T * ax["num_kv_heads"] * ax["head_dim"] * s + 8 * T
        return nbytes, 0.0, T, 2.0e-6 + nbytes / (0.45 * BW_TRUE)
    B, Hq, Hkv, D = ax["batch"], ax["num_q_heads"], ax["num_kv_heads"], ax["head_dim"]
    if op == "decode":
        L = ax["seq_len"]
        nbytes = B * L * Hkv * D * 2 * s + B * Hq * D * 2 * s + (4 * B * (-(-L // 16) + 1) if paged else 0)
        flops = 4.0 * B * L * Hq * D
        bw = bw16 if ax["dtype"] == "fp16" else bw_bf16
        return nbytes, flops, B, t0 + max(nbytes / (bw * BW_TRUE), flops / (0.35 * FMA256))
    q = ax.get("chunk", ax["seq_len"])  # prefill: q new tokens after H cached ones
    H = ax["seq_len"] - q if "chunk" in ax else ax["history"]
    nbytes = B * (H + q) * Hkv * D * 2 * s + B * q * Hq * D * 2 * s + (4 * B * (-(-(H + q) // 16) + 2) if paged else 0)
    flops = 4.0 * B * Hq * D * (q * H + q * (q + 1) / 2)
    return nbytes, flops, B * q, flops / (prate * q / (q + 300)) + nbytes / BW_TRUE


class Machine:
    def __init__(self, rng, scale):
        runs = [13.42e9 * rng.uniform(0.87, 1.0) for _ in range(3)]
        runs[rng.randrange(3)] = 13.42e9 * rng.uniform(0.995, 1.005)
        self.bw_runs = [r * scale for r in runs]
        self.bw = max(self.bw_runs)
        self.fma, self.portable, self.scale = FMA256 * rng.uniform(0.99, 1.01) * scale, PORTABLE * scale, scale
        self.rng, self.drifts = rng, {}

    def drift(self, *key):
        """The host's slow drift for one family and dtype in this run (C and Python share it)."""
        return self.drifts.setdefault(key, self.rng.lognormvariate(0, 0.02))


def counters(m, op, nbytes, flops, items, t):
    c = dict(bytes_per_second=nbytes / t, items_per_second=items / t, flops_per_second=flops / t,
             bw_util=nbytes / t / m.bw)
    ai = flops / nbytes
    c["roofline_util"] = c["bw_util"] if ai == 0 else c["flops_per_second"] / min(m.bw * ai, m.fma)
    if op == "prefill":
        c["flop_util"] = c["flops_per_second"] / m.fma
    return c


def roof_fields(m, op, c, judge):
    r = dict(bw_roof="avx2_read", bw_peak=m.bw)
    if op == "prefill":
        r.update(flop_roof="fp32_fma256", flop_peak=m.fma)
    over = [k for k in ("bw_util", "flop_util") if judge and c.get(k, 0) > 1 + MARGIN]
    if over:
        r.update(probe_suspect=1, probe_suspect_counter=",".join(over))
    return r


def sample_times(rng, t, n, floor):
    return [max(floor, t * rng.lognormvariate(0, 0.03) * (1 + (rng.random() < 0.04) * rng.uniform(0.1, 0.6)))
            for _ in range(n)]


def gbench_file(rng, m, suffix, kernel, date, command_line, dtype=None):
    fidx, op = SWEEPS[suffix][0] + (kernel == "sdpa"), SWEEPS[suffix][1]
    drift = m.drift(suffix, kernel, dtype or SWEEPS[suffix][2]["dtype"])
    rows = []
    for idx, ax in enumerate(instances(suffix, kernel, dtype)):
        nbytes, flops, items, t = cost(kernel, op, ax)
        t *= drift
        name = f"BM_{kernel.upper()}_{suffix}/" + "/".join(f"{k}:{v}" for k, v in ax.items())
        reps = max(5, min(100, int(1.0 / max(t, 2e-3))))
        # the kernel can't beat 95 % of the probe (unless --probe-scale lowered the recorded peak)
        floor = max(nbytes / (0.95 * m.bw / m.scale), flops / (0.95 * m.fma / m.scale))
        samples = sample_times(rng, t, reps, floor)
        fields = dict(bytes_per_call=float(nbytes), flops_per_call=float(flops), items_per_call=float(items),
                      arithmetic_intensity=flops / nbytes, family=f"BM_{kernel.upper()}_{suffix}", kernel=kernel,
                      op=op, backend="cpu", isa="avx2", **{k: v for k, v in ax.items() if k != "threads"},
                      cache="cold", rotations=min(4096, max(2, -(-3 * LLC // nbytes))))

        def row(rt, run_type, c, judge, **extra):  # rt in us (a fraction for cv, as Google Benchmark writes it)
            r = dict(name=name, family_index=fidx, per_family_instance_index=idx, run_name=name, run_type=run_type,
                     repetitions=reps, threads=2, **extra)
            r.update(real_time=rt, cpu_time=rt * rng.uniform(0.97, 1.0), time_unit="us")
            r.update(c)
            r.update(roof_fields(m, op, c, judge))
            r.update(fields)
            return r

        iters = max(1, round(0.75e-3 / t))
        per_rep = [counters(m, op, nbytes, flops, items, s) for s in samples]
        for i, (s, c) in enumerate(zip(samples, per_rep)):
            rows.append(row(s * 1e6, "iteration", c, True, repetition_index=i, iterations=iters))
        mean, med, sd = statistics.fmean(samples), statistics.median(samples), statistics.stdev(samples)
        q = statistics.quantiles(samples, n=4)
        agg = dict(stop_reason="interleaved", noise=(q[2] - q[0]) / med, foreign_load=rng.uniform(0.004, 0.03))
        cmean = {k: statistics.fmean(c[k] for c in per_rep) for k in per_rep[0]}
        csd = {k: statistics.stdev(c[k] for c in per_rep) for k in per_rep[0]}
        fastest = min(range(reps), key=lambda i: samples[i])
        for aname, rt, c, judge in (("mean", mean * 1e6, cmean, True),
                                    ("median", med * 1e6, counters(m, op, nbytes, flops, items, med), True),
                                    ("stddev", sd * 1e6, csd, False),
                                    ("cv", sd / mean, {k: csd[k] / cmean[k] if cmean[k] else 0.0 for k in csd}, False),
                                    ("min", samples[fastest] * 1e6, per_rep[fastest], True)):
            r = row(rt, "aggregate", c, judge, aggregate_name=aname,
                    aggregate_unit="percentage" if aname == "cv" else "time", iterations=reps)
            r["name"] = name + "_" + aname
            r.update(agg)
            rows.append(r)
    return dict(context=context(rng, m, date, command_line), benchmarks=rows)


def context(rng, m, date, command_line):
    ctx = dict(date=date.strftime("%Y-%m-%dT%H:%M:%S+00:00"), host_name="vm", executable="pal bench", num_cpus=2,
               mhz_per_cpu=2445, caches=[dict(type="Data", level=1, size=32768, num_sharing=1),
                                         dict(type="Unified", level=2, size=524288, num_sharing=1),
                                         dict(type="Unified", level=3, size=LLC, num_sharing=2)],
               load_avg=[round(rng.uniform(0.3, 1.2), 2) for _ in range(3)], library_version="0.1.0",
               library_build_type="release", json_schema_version=1, pal_version="0.1.0", cpu_model="AMD EPYC",
               isa="avx2", threads=2, cache_mode="cold", llc_bytes=LLC, command_line=command_line,
               interleave_rounds=3, interleave_seed=1, interleave_order="shuffled per round",
               bw_peak=m.bw, bw_peak_isa="avx2_read", probe_runs=3, bw_peak_runs=m.bw_runs,
               probe_foreign_load=rng.uniform(0.005, 0.03), kv_memory="2 MiB aligned, madvise(MADV_HUGEPAGE)",
               peak_fp32_flops=m.fma, peak_fp32_isa="fp32_fma256", peak_bf16_flops=0.0, peak_bf16_isa="none",
               peak_compute_flops=m.fma, peak_portable_flops=m.portable, peak_fp32_fma256_flops=m.fma,
               probes_skipped={"fp32_fma512": "no AVX-512F here", "bf16_dot": "no AVX512_BF16 here",
                               "amx_bf16": "no AMX-BF16 here", "fp16_fma512": "no AVX512_FP16 here"})
    if m.scale != 1:
        ctx["probe_scale"] = m.scale
    ctx.update(probe_suspect_margin=MARGIN, kernel_isa="avx2",
               kernel_isa_roofs=dict(fp32="fp32_fma256", fp16="fp32_fma256", bf16="fp32_fma256",
                                     bandwidth="avx2_read"))
    return ctx


def pytest_stats(data, iterations):
    srt = sorted(data)
    q1, _, q3 = statistics.quantiles(srt, n=4)
    iqr, mean, sd = q3 - q1, statistics.fmean(data), statistics.stdev(data)
    inner = [x for x in srt if q1 - 1.5 * iqr <= x <= q3 + 1.5 * iqr]
    iqr_out = len(data) - len(inner)
    sd_out = sum(1 for x in data if abs(x - mean) > sd)
    return dict(min=srt[0], max=srt[-1], mean=mean, stddev=sd, rounds=len(data), median=statistics.median(srt),
                iqr=iqr, q1=q1, q3=q3, iqr_outliers=iqr_out, stddev_outliers=sd_out, outliers=f"{sd_out};{iqr_out}",
                ld15iqr=inner[0], hd15iqr=inner[-1], ops=1 / mean, total=sum(data), data=data,
                iterations=iterations)


def py_bench(rng, test, params, param, extra, t):
    iters = max(1, round(3e-4 / t))
    data = sample_times(rng, t, max(5, min(300, int(0.5 / t))), 0.0)
    return dict(group=None, name=f"{test}[{param}]" if param else test,
                fullname=f"benchmarks/python/test_paged_attention.py::{test}" + (f"[{param}]" if param else ""),
                params=params, param=param, extra_info=extra,
                options=dict(disable_gc=False, timer="perf_counter", min_rounds=5, max_time=0.5, min_time=5e-06,
                             precision=None, confidence=None, warmup=100000),
                stats=pytest_stats(data, iters))


def pytest_file(rng, m, finished):
    benches = []
    for suffix, (_, op, defaults, swept, _, tests) in SWEEPS.items():
        if not tests:
            continue
        for kernel, test in zip(("pal", "sdpa"), tests):
            drift = m.drift(suffix, kernel, defaults["dtype"]) * rng.lognormvariate(0, 0.003)
            for ax in instances(suffix, kernel):
                nbytes, flops, items, t = cost(kernel, op, ax)
                extra = dict(kernel=kernel, op=op, family=f"BM_{kernel.upper()}_{suffix}", backend="cpu",
                             binding="python", isa="avx2", dtype=ax["dtype"], threads=2, cache="cold",
                             rotations=min(4096, max(2, -(-3 * LLC // nbytes))), bytes_per_call=float(nbytes),
                             flops_per_call=float(flops))
                extra.update({k: ax[k] for k in defaults if k in ax and k not in ("dtype", "threads")})
                extra["items_per_call"] = float(items)
                if "model" in ax:
                    extra["model"] = ax["model"]
                extra["foreign_load"] = rng.uniform(0.004, 0.03)
                value = ax[swept]
                benches.append(py_bench(rng, test, {swept: value}, str(value), extra,
                                        t * drift + RATE[kernel][4]))
    native = 9.47e-6  # the binding test: a tiny hot call timed natively and through Python
    ax = dict(batch=1, seq_len=16, num_q_heads=8, num_kv_heads=2, head_dim=64, page_size=16, layout="hnd")
    extra = dict(kernel="pal", op="decode", family="BM_PAL_BindingOverhead", backend="cpu", binding="python",
                 isa="avx2", dtype="fp16", threads=1, cache="hot", rotations=1, bytes_per_call=10248.0,
                 flops_per_call=32768.0, **ax, items_per_call=1.0, native_time_us=native * 1e6,
                 python_time_us=(native + 1.6e-6) * 1e6, binding_overhead_us=1.6)
    benches.append(py_bench(rng, "test_pal_binding_overhead", None, None, extra, native + 1.6e-6))
    cpu = dict(python_version="3.11.2.final.0 (64 bit)", cpuinfo_version=[10, 1, 1], cpuinfo_version_string="10.1.1",
               arch="X86_64", bits=64, count=2, arch_string_raw="x86_64", vendor_id_raw="AuthenticAMD",
               brand_raw="AMD EPYC", hz_advertised_friendly="2.4454 GHz", hz_actual_friendly="2.4454 GHz",
               hz_advertised=[2445406000, 0], hz_actual=[2445406000, 0], stepping=1, model=1, family=25,
               flags=sorted("avx avx2 bmi1 bmi2 f16c fma sse sse2 sse4_1 sse4_2 ssse3 popcnt xsave".split()),
               l3_cache_size=524288, l2_cache_size=1048576, l1_data_cache_size=65536,
               l1_instruction_cache_size=65536, l2_cache_line_size=512, l2_cache_associativity=6)
    mi = dict(node="vm", processor="", machine="x86_64", python_compiler="GCC 12.2.0",
              python_implementation="CPython", python_implementation_version="3.11.2", python_version="3.11.2",
              python_build=["main", "Apr 28 2025 14:11:48"], release="6.1.0-28-amd64", system="Linux", cpu=cpu)
    commit = dict(id="1b5a415b9e100be1c392fc293129e4f9ad49391f", time="2026-12-07T20:38:45+00:00",
                  author_time="2026-12-07T20:38:45+00:00", dirty=False, project="main", branch="main")
    return dict(machine_info=mi, commit_info=commit, benchmarks=benches,
                datetime=finished.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00"), version="5.1.0")


def write(out, name, doc, indent):
    with open(os.path.join(out, name), "w") as f:
        json.dump(doc, f, indent=indent)
        f.write("\n")
    n = len(doc["benchmarks"])
    print(f"{name}: {n} rows")
    return n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=1, help="runs per family, each at its own timestamp")
    ap.add_argument("--probe-scale", type=float, default=1.0,
                    help="multiply the recorded peaks (< 1: rows above the roof, flagged probe_suspect)")
    a = ap.parse_args()
    if a.runs < 1 or a.probe_scale <= 0:
        ap.error("--runs must be >= 1 and --probe-scale > 0")
    os.makedirs(a.out, exist_ok=True)
    rng = random.Random(a.seed)
    files = rows = 0
    for run in range(a.runs):
        start = datetime(2026, 12, 7, 20, 52, 11) + timedelta(minutes=37 * run, seconds=rng.randrange(60))
        m = Machine(rng, a.probe_scale)
        cmd = "pal bench --out-dir .benchmarks --target all --max-time 1 --interleave 3 --no-progress"
        ts = start.strftime("%Y%m%d_%H%M%S")
        for suffix in SWEEPS:
            for kernel in ("pal", "sdpa") if suffix != "FillKVPages" else ("pal",):
                doc = gbench_file(rng, m, suffix, kernel, start, cmd)
                rows += write(a.out, f"cpp_all_BM_{kernel.upper()}_{suffix}_{ts}.json", doc, 2)
                files += 1
        bf16 = start + timedelta(minutes=2, seconds=rng.randrange(30))
        cmd_bf16 = ("pal bench --out-dir .benchmarks --target all --max-time 1 --interleave 3 --no-progress "
                    "--filter 'BM_(PAL|SDPA)_LatencyVsSeqLen' -a dtype=bf16")
        for kernel in ("pal", "sdpa"):
            doc = gbench_file(rng, m, "LatencyVsSeqLen", kernel, bf16, cmd_bf16, dtype="bf16")
            rows += write(a.out, f"cpp_all_BM_{kernel.upper()}_LatencyVsSeqLen_{bf16:%Y%m%d_%H%M%S}.json", doc, 2)
            files += 1
        py = start + timedelta(minutes=7, seconds=rng.randrange(60))
        done = py + timedelta(minutes=2, seconds=rng.randrange(60), microseconds=rng.randrange(10 ** 6))
        doc = pytest_file(rng, m, done)
        rows += write(a.out, f"py_all_paged_attention_{py:%Y%m%d_%H%M%S}.json", doc, 4)
        files += 1
    print(f"gen_mixed_corpus: {files} files, {rows} rows in {a.out}")


if __name__ == "__main__":
    main()
