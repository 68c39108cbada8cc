"""A Google Benchmark file that sweeps the KV page size, for latency_vs_page_size.

The main job's sweeps (and the mixed corpus) fix the page size at 16, so the page-size
plotter would only ever be skipped; this file gives it two series to draw (seq_len 1024
and 4096, page sizes 8..128, smaller pages slower). Standard library only.
"""
import json
import statistics

FAMILY = "BM_PAL_PageSizeSweep"
PAGE_SIZES = (8, 16, 32, 64, 128)
SEQ_LENS = (1024, 4096)


def document(date="2026-12-07T22:00:00+00:00"):
    rows = []
    for seq_len in SEQ_LENS:
        for page_size in PAGE_SIZES:
            name = f"{FAMILY}/page_size:{page_size}/seq_len:{seq_len}/dtype:fp16"
            base_us = (5.0 + 0.004 * seq_len) * (1.0 + 2.4 / page_size)
            samples = [base_us * (1.0 + 0.01 * k) for k in range(5)]
            fields = dict(family=FAMILY, kernel="pal", op="decode", dtype="fp16", seq_len=seq_len,
                          page_size=page_size, batch=1, num_q_heads=32, num_kv_heads=8, head_dim=128)
            for i, t in enumerate(samples):
                rows.append(dict(name=name, run_name=name, run_type="iteration", repetitions=5,
                                 repetition_index=i, threads=1, iterations=100, real_time=t, cpu_time=t,
                                 time_unit="us", **fields))
            med = statistics.median(samples)
            rows.append(dict(name=name + "_median", run_name=name, run_type="aggregate", aggregate_name="median",
                             repetitions=5, threads=1, iterations=5, real_time=med, cpu_time=med, time_unit="us",
                             **fields))
    context = dict(date=date, host_name="vm", executable="pal bench", num_cpus=2, mhz_per_cpu=2445,
                   library_build_type="release", json_schema_version=1)
    return dict(context=context, benchmarks=rows)


def write(folder):
    """Writes the file into `folder`; returns its path."""
    path = f"{folder}/cpp_all_{FAMILY}_20261207_220000.json"
    with open(path, "w", encoding="utf-8") as f:
        json.dump(document(), f, indent=1)
    return path
