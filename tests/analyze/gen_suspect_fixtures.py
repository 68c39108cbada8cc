#!/usr/bin/env python3
"""gen_suspect_fixtures.py - write tests/analyze/fixtures/suspect/: result files
whose rows are above the probed roof (probe_suspect), in every way the
analyzer meets them.

  new_pal_bench_*.json   pal bench with probe_suspect / probe_suspect_counter,
                         flop_roof + flop_peak and bw_roof on every row; two
                         compute roofs (fp32_fma512, amx_bf16) on one machine;
                         2 suspect instances (flop_util 1.31, bw_util 1.12)
  old_pal_bench_*.json   an older pal bench: no probe_suspect, no roof names;
                         the analyzer derives 2 (bw_util 1.31, flop_util 1.2)
                         and leaves one at 1.03 (within the margin) alone
  py_other_tool_*.json   pytest-benchmark with bytes_per_second and the
                         machine's bw_peak but no bw_util: 1 derived (1.1)
  nvbench_*.json         NVBench bandwidth utilisation 1.2: 1 derived

6 suspect rows in all, 5 of them on the roofline (NVBench rows carry no
FLOP/s). Rows are shaped like the Google Benchmark JSON pal bench writes:
repetitions plus mean/median/stddev/cv/min aggregates whose counters are the
statistic over the repetitions' counters.

usage: gen_suspect_fixtures.py [OUT_DIR]   (default: fixtures/suspect next to this file)
Deterministic; standard library only.
"""
import json
import os
import statistics
import sys

MARGIN = 0.05  # ANZ_PROBE_MARGIN (src/analyze/table.h)
REP_FACTORS = (1.0, 1.01, 0.995)  # repetition times / the median time


def gbench(ctx, instances, new_format):
    rows = []
    for inst in instances:
        name = inst["name"]
        times = [inst["t"] * f for f in REP_FACTORS]

        def counters(t):
            c = {"bytes_per_second": inst["bytes"] / t, "items_per_second": 1 / t,
                 "flops_per_second": inst["flops"] / t}
            c["bw_util"] = c["bytes_per_second"] / ctx["bw_peak"]
            c["roofline_util"] = c["flops_per_second"] / min(ctx["bw_peak"] * inst["flops"] / inst["bytes"],
                                                             ctx["peak_compute_flops"])
            if inst.get("flop_peak"):
                c["flop_util"] = c["flops_per_second"] / inst["flop_peak"]
            return c

        def fields(c, judged):
            f = {"bytes_per_call": inst["bytes"], "flops_per_call": inst["flops"], "items_per_call": 1,
                 "arithmetic_intensity": inst["flops"] / inst["bytes"], "family": name.split("/")[0],
                 "kernel": "pal", "op": inst["op"], "backend": "cpu", "isa": "avx512", "seq_len": inst["seq_len"],
                 "dtype": inst["dtype"], "cache": "cold"}
            if new_format:
                if inst.get("flop_roof"):
                    f["flop_roof"] = inst["flop_roof"]
                    f["flop_peak"] = inst["flop_peak"]
                f["bw_roof"] = "stream_read_avx512"  # names the context's bw_peak
                if judged:  # pal bench's rule, per row
                    over = [(k, c[k]) for k in ("bw_util", "flop_util") if c.get(k, 0) > 1 + MARGIN]
                    f["probe_suspect"] = 1 if over else 0
                    if over:
                        f["probe_suspect_counter"] = max(over, key=lambda kv: kv[1])[0]
            return f

        per_rep = [counters(t) for t in times]
        for i, t in enumerate(times):
            r = {"name": name, "run_name": name, "run_type": "iteration", "repetitions": len(times), "threads": 1,
                 "repetition_index": i, "iterations": 100, "real_time": t * 1e6, "cpu_time": t * 1e6,
                 "time_unit": "us"}
            r.update(per_rep[i])
            r.update(fields(per_rep[i], True))
            rows.append(r)
        for agg in ("mean", "median", "stddev", "cv", "min"):
            pick = {"mean": statistics.mean, "median": statistics.median, "stddev": statistics.stdev,
                    "cv": lambda v: statistics.stdev(v) / statistics.mean(v), "min": min}[agg]
            tv = pick(times)
            if agg == "min":
                c = counters(min(times))  # the fastest repetition's own rates
            else:
                c = {k: pick([pr[k] for pr in per_rep]) for k in per_rep[0]}
            r = {"name": f"{name}_{agg}", "run_name": name, "run_type": "aggregate", "repetitions": len(times),
                 "threads": 1, "aggregate_name": agg, "aggregate_unit": "percentage" if agg == "cv" else "time",
                 "iterations": len(times), "real_time": tv * (1 if agg == "cv" else 1e6),
                 "cpu_time": tv * (1 if agg == "cv" else 1e6), "time_unit": "us"}
            r.update(c)
            r.update(fields(c, agg not in ("stddev", "cv")))
            rows.append(r)
    return {"context": ctx, "benchmarks": rows}


def inst(name, op, seq_len, dtype, t, util_bw, util_flop, bw_peak, flop_peak=None, flop_roof=None, ai=1.0):
    """An instance whose median repetition has the given utilisations."""
    if util_bw is None:  # set by the FLOPs and the intensity
        flops = util_flop * flop_peak * t
        byts = flops / ai
    else:
        byts = util_bw * bw_peak * t
        flops = byts * ai
    d = {"name": name, "op": op, "seq_len": seq_len, "dtype": dtype, "t": t, "bytes": byts, "flops": flops}
    if flop_peak:
        d["flop_peak"] = flop_peak
    if flop_roof:
        d["flop_roof"] = flop_roof
    return d


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              "fixtures", "suspect")
    os.makedirs(out, exist_ok=True)

    # pal bench as it writes now: each row names its roofs and says probe_suspect
    bw, fp32, bf16 = 1.0e11, 2.0e12, 8.0e12
    ctx = {"date": "2026-03-01T12:00:00+00:00", "host_name": "xeon", "executable": "pal bench", "num_cpus": 16,
           "library_version": "0.1.0", "library_build_type": "release", "json_schema_version": 1,
           "bw_peak": bw, "bw_peak_isa": "avx512", "probe_runs": 1, "bw_peak_runs": [bw],
           "peak_fp32_flops": fp32, "peak_fp32_isa": "avx512_fma", "peak_bf16_flops": bf16,
           "peak_bf16_isa": "amx_bf16", "peak_compute_flops": bf16}
    new = [
        inst("BM_PAL_Prefill/seq_len:1024/dtype:fp32", "prefill", 1024, "fp32", 2e-3, None, 1.31, bw, fp32,
             "fp32_fma512", ai=131),
        inst("BM_PAL_Prefill/seq_len:1024/dtype:bf16", "prefill", 1024, "bf16", 1e-3, None, 0.40, bw, bf16,
             "amx_bf16", ai=160),
        inst("BM_PAL_Decode/seq_len:4096/dtype:fp16", "decode", 4096, "fp16", 5e-4, 1.12, None, bw, fp32,
             "fp32_fma512", ai=1.0),
        inst("BM_PAL_Decode/seq_len:512/dtype:fp16", "decode", 512, "fp16", 1e-4, 0.70, None, bw, fp32,
             "fp32_fma512", ai=1.0),
    ]
    # an older pal bench: utilisations, no probe_suspect, no roof names
    obw, ofp32 = 5.0e9, 5.0e11
    octx = {"date": "2026-02-01T12:00:00+00:00", "host_name": "vm-old", "executable": "pal bench", "num_cpus": 2,
            "library_version": "0.1.0", "library_build_type": "release", "json_schema_version": 1,
            "bw_peak": obw, "bw_peak_isa": "avx2", "peak_fp32_flops": ofp32, "peak_fp32_isa": "avx2_fma",
            "peak_bf16_flops": 0.0, "peak_bf16_isa": "none", "peak_compute_flops": ofp32}
    old = [
        inst("BM_PAL_Decode/seq_len:4096/dtype:fp16", "decode", 4096, "fp16", 4e-3, 1.31, None, obw, ai=1.0),
        inst("BM_PAL_Decode/seq_len:1024/dtype:fp16", "decode", 1024, "fp16", 1e-3, 1.03, None, obw, ai=1.0),
        inst("BM_PAL_Decode/seq_len:256/dtype:fp16", "decode", 256, "fp16", 3e-4, 0.80, None, obw, ai=1.0),
        inst("BM_PAL_Prefill/seq_len:1024/dtype:fp32", "prefill", 1024, "fp32", 5e-3, None, 1.20, obw, ofp32,
             ai=600),
    ]
    files = {
        "new_pal_bench_20260301_120000.json": gbench(ctx, new, True),
        "old_pal_bench_20260201_120000.json": gbench(octx, old, False),
    }

    # another tool: pytest-benchmark with rates and the machine's bandwidth, no utilisations
    def py_bench(name, seq_len, t, byts):
        data = [t * f for f in REP_FACTORS]
        return {"group": None, "name": name, "fullname": f"bench.py::{name}", "params": {"seq_len": seq_len},
                "param": str(seq_len), "extra_info": {"kernel": "pal", "op": "decode", "family": "test_pal_decode",
                                                      "seq_len": seq_len, "dtype": "fp16",
                                                      "bytes_per_second": byts / t, "flops_per_second": byts / t},
                "stats": {"min": min(data), "max": max(data), "mean": statistics.mean(data),
                          "stddev": statistics.stdev(data), "rounds": 3, "median": statistics.median(data),
                          "q1": min(data), "q3": max(data), "iqr": max(data) - min(data), "data": data}}
    files["py_other_tool_20260201_130000.json"] = {
        "machine_info": {"node": "vm-old", "machine": "x86_64", "bw_peak": obw, "peak_compute_flops": ofp32},
        "commit_info": {}, "datetime": "2026-02-01T13:00:00.000000+00:00", "version": "5.1.0",
        "benchmarks": [py_bench("test_pal_decode[4096]", 4096, 1e-3, 1.1 * obw * 1e-3),
                       py_bench("test_pal_decode[512]", 512, 1e-4, 0.4 * obw * 1e-4)]}

    # NVBench: its bandwidth utilisation against the device's theoretical peak
    def nv_state(seq, util):
        def s(tag, v):
            return {"tag": tag, "name": tag, "data": [{"name": "value", "type": "float64", "value": f"{v:.9g}"}]}
        t = 1e-5
        return {"name": f"Device=0 seq_len={seq}", "device": 0,
                "axis_values": [{"name": "seq_len", "type": "int64", "value": str(seq)}],
                "summaries": [s("nv/cold/time/gpu/median", t), s("nv/cold/time/gpu/mean", t),
                              s("nv/cold/bw/global/bytes_per_second", util * 3.35e12),
                              s("nv/cold/bw/global/utilization", util)],
                "is_skipped": False}
    files["nvbench_paged_decode_20260201_140000.json"] = {
        "meta": {"version": {"json": {"string": "1.0.0"}}},
        "devices": [{"id": 0, "name": "NVIDIA H100", "global_memory_bus_bandwidth": 3.35e12}],
        "benchmarks": [{"name": "paged_attention_decode", "states": [nv_state(4096, 1.2), nv_state(512, 0.6)]}]}

    for name, doc in files.items():
        with open(os.path.join(out, name), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    print(f"gen_suspect_fixtures: {len(files)} files in {out}")


if __name__ == "__main__":
    main()
