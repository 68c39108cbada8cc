"""pal bench and the Python benchmark suite agree (docs/BENCHMARKS.md, *The
listing as JSON*): the suite (benchmarks/python) takes its instances and work
per call from `pal bench --list --json`; these tests fail when the two drift:
a family the suite names that pal bench lacks, an instance one has and the
other not, or a bytes/FLOPs/items/rotations figure a Python row reports that
differs from pal bench's for the same instance. They also hold the version to
one place: pal.__version__ == CMake's project(VERSION) == `pal --version`.

The pal binary: $PAL_BIN, else build/test-release/pal (scripts/test.sh builds
it just before), else build/pal; the tests skip when there is none.
"""

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pal

REPO = Path(__file__).resolve().parents[2]
SUITE = REPO / "benchmarks" / "python" / "test_paged_attention.py"

# the seed's test names and the pal bench family each one runs
TEST_FAMILY = {
    "test_pal_latency_vs_seq_len": "BM_PAL_LatencyVsSeqLen",
    "test_sdpa_latency_vs_seq_len": "BM_SDPA_LatencyVsSeqLen",
    "test_pal_latency_vs_head_dim": "BM_PAL_LatencyVsHeadDim",
    "test_sdpa_latency_vs_head_dim": "BM_SDPA_LatencyVsHeadDim",
    "test_pal_latency_vs_query_items": "BM_PAL_LatencyVsNumItems",
    "test_sdpa_latency_vs_batch_size": "BM_SDPA_LatencyVsNumItems",
    "test_pal_latency_model_configs": "BM_PAL_ModelConfig",
    "test_sdpa_latency_model_configs": "BM_SDPA_ModelConfig",
    "test_pal_fill_kv_pages": "BM_PAL_FillKVPages",
    "test_pal_prefill_latency_vs_seq_len": "BM_PAL_PrefillLatencyVsSeqLen",
    "test_sdpa_prefill_latency_vs_seq_len": "BM_SDPA_PrefillLatencyVsSeqLen",
}


@pytest.fixture(scope="module")
def pal_bin():
    if os.environ.get("PAL_BIN"):
        return os.environ["PAL_BIN"]
    for p in (REPO / "build" / "test-release" / "pal", REPO / "build" / "pal"):
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    pytest.skip("no pal binary (set PAL_BIN or build build/test-release/pal)")


def listing(pal_bin, *args):
    r = subprocess.run([pal_bin, "bench", "--list", "--json", *args], capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout)


def suite_env(pal_bin):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAL_BENCH_")}
    env["PAL_BIN"] = pal_bin
    return env


def run_suite(pal_bin, *args):
    return subprocess.run([sys.executable, "-m", "pytest", str(SUITE), "-p", "no:cacheprovider",
                           *args], capture_output=True, text=True, cwd=REPO,
                          env=suite_env(pal_bin))


def test_model_table_is_the_model_axis(pal_bin):
    """Every ModelConfig family sweeps exactly the model table, in its order."""
    d = listing(pal_bin)
    names = [m["name"] for m in d["models"]]
    fams = [f for f in d["families"] if f["swept"] == "model"]
    assert len(fams) >= 4
    for f in fams:
        assert f["values"] == names, f["name"]
        assert set(f["quick_values"]) <= set(names), f["name"]
    for i in d["instances"]:  # the model's shape is in the instance's axes
        m = next((m for m in d["models"] if m["name"] == i["axes"].get("model")), None)
        if m:
            for k in ("num_q_heads", "num_kv_heads", "head_dim", "seq_len", "batch"):
                assert i["axes"][k] == m[k], (i["name"], k)


@pytest.mark.parametrize("quick", [False, True], ids=["full", "quick"])
def test_suite_instances_are_pal_bench_instances(pal_bin, quick):
    """The tests the Python suite collects == pal bench's instances of their families."""
    r = run_suite(pal_bin, "--collect-only", "-q", *(["--pal-quick"] if quick else []))
    assert r.returncode == 0, r.stdout + r.stderr
    collected = {}
    for line in r.stdout.splitlines():
        m = re.match(r".*::(test_\w+)\[(.*)\]$", line.strip())
        if m:
            collected.setdefault(m.group(1), []).append(m.group(2))
    d = listing(pal_bin, *(["--quick"] if quick else []))
    families = {f["name"]: f for f in d["families"]}
    assert set(collected) == set(TEST_FAMILY), "a parametrized test was added or renamed"
    for test, family in TEST_FAMILY.items():
        assert family in families, f"{test}: pal bench has no family {family}"
        swept = families[family]["swept"]
        want = [str(i["axes"][swept]) for i in d["instances"] if i["family"] == family]
        assert collected[test] == want, (test, family)
        values = families[family]["quick_values" if quick else "values"]
        assert want == [str(v) for v in values], family


def test_reported_work_is_pal_bench_work(pal_bin, tmp_path):
    """Runs a few of the suite's tests (quick, hot, one round) and checks that
    every row's axes are a pal bench instance's and that its bytes, FLOPs and
    items per call and rotations are that instance's."""
    out = tmp_path / "py.json"
    r = run_suite(pal_bin, "--pal-quick", "--pal-hot", "-q", "--benchmark-only",
                  "-k", "head_dim or query_items or batch_size or fill_kv_pages or "
                        "(prefill_latency_vs_seq_len and 256)",
                  f"--benchmark-json={out}", "--benchmark-min-rounds=1",
                  "--benchmark-max-time=0.000001", "--benchmark-warmup=off",
                  "--benchmark-disable-gc")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    rows = json.loads(out.read_text())["benchmarks"]
    d = listing(pal_bin, "--quick", "--hot")
    seen = set()
    for row in rows:
        e = row["extra_info"]
        inst = [i for i in d["instances"] if i["family"] == e["family"] and
                all(e.get(k) == v for k, v in i["axes"].items() if k != "threads")]
        assert len(inst) == 1, (row["name"], e)
        inst = inst[0]
        for k in ("bytes_per_call", "flops_per_call", "items_per_call", "rotations"):
            assert e[k] == inst[k], (row["name"], k, e[k], inst[k])
        for k in ("kernel", "op"):
            assert e[k] == inst[k], (row["name"], k)
        seen.add(e["family"])
    assert len(seen) == 7, seen


def test_a_point_outside_the_sweep(pal_bin, monkeypatch):
    """workloads.listed (the binding-overhead test's instance): pal bench's
    instance with the axes overridden, its work per call pal bench's."""
    monkeypatch.setenv("PAL_BIN", pal_bin)
    monkeypatch.syspath_prepend(str(SUITE.parent))
    import workloads

    inst = workloads.listed("BM_PAL_LatencyVsSeqLen", hot=True, seq_len=16, num_q_heads=8,
                            num_kv_heads=2, head_dim=64, threads=1)
    assert inst["axes"]["seq_len"] == 16 and inst["axes"]["head_dim"] == 64
    assert inst["rotations"] == 1
    assert (inst["bytes_per_call"], inst["flops_per_call"]) == documented_work(inst)


ELEM = {"fp32": 4, "fp16": 2, "bf16": 2}


def documented_work(inst):
    """bytes and FLOPs per call by the formulas of docs/BENCHMARKS.md."""
    c, op, paged = inst["axes"], inst["op"], inst["kernel"] == "pal"
    s = ELEM[c["dtype"]]
    if op == "fill_kv_pages":
        return 4.0 * c["tokens"] * c["num_kv_heads"] * c["head_dim"] * s + 8.0 * c["tokens"], 0.0
    B, hq, hkv, D = c["batch"], c["num_q_heads"], c["num_kv_heads"], c["head_dim"]
    if op == "decode":
        L = c["seq_len"]
        nbytes = B * L * hkv * D * 2 * s + B * hq * D * 2 * s
        if paged:
            nbytes += 4 * B * (math.ceil(L / c["page_size"]) + 1)
        return float(nbytes), 4.0 * B * L * hq * D
    # prefill: seq_len new tokens after `history` cached ones, or a model's
    # context of seq_len tokens whose last `chunk` are the queries
    if "chunk" in c:
        Lq, H = min(c["chunk"], c["seq_len"]), c["seq_len"] - min(c["chunk"], c["seq_len"])
    else:
        Lq, H = c["seq_len"], c["history"]
    ctx = H + Lq
    nbytes = B * ctx * hkv * D * 2 * s + B * Lq * hq * D * 2 * s
    if paged:
        nbytes += 4 * B * (math.ceil(ctx / c["page_size"]) + 2)
    return float(nbytes), 4.0 * D * hq * B * (Lq * H + Lq * (Lq + 1) / 2.0)


def test_pal_bench_work_is_the_documented_formula(pal_bin):
    """pal bench's bytes/FLOPs per call follow docs/BENCHMARKS.md, every instance."""
    d = listing(pal_bin)
    for inst in d["instances"]:
        nbytes, flops = documented_work(inst)
        assert inst["bytes_per_call"] == pytest.approx(nbytes, rel=1e-12), inst["name"]
        assert inst["flops_per_call"] == pytest.approx(flops, rel=1e-12), inst["name"]
        assert 2 <= inst["rotations"] <= 4096
        want = max(2, math.ceil(d["cold_target_bytes"] / max(nbytes, 1)))
        assert inst["rotations"] == min(4096, want), inst["name"]


def cmake_version():
    text = (REPO / "CMakeLists.txt").read_text()
    return re.search(r"project\(PAL\s+VERSION\s+([0-9][0-9.]*)", text).group(1)


def test_version_is_set_once(pal_bin):
    """pal.__version__ == the CMake project version == `pal --version` ==
    pal.library_version() == the package metadata == the listing's."""
    v = cmake_version()
    assert pal.__version__ == v
    assert pal.library_version() == v
    out = subprocess.run([pal_bin, "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["pal", v]
    assert listing(pal_bin, "--filter", "^$")["version"] == v
    from importlib.metadata import version

    assert version("pal") == v
