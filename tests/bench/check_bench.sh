#!/usr/bin/env bash
# End-to-end checks of `pal bench` on tiny shapes (seconds, also under ASan):
#  1. --list expands overrides and filters exactly;
#  2. bad options fail with a message and exit 2;
#  3. a run writes one file per family, named cpp_{target}_{family}_{time}.json,
#     strict JSON with the fields docs/BENCHMARKS.md promises;
#  4. Google Benchmark's compare.py reads the files unchanged;
#  5. SIGINT mid-run exits 130 and leaves valid JSON with the finished instances.
set -euo pipefail
pal=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# interrupt_when_written DIR PID LOG: SIGINT to PID once a result row is in
# DIR (polling, not a fixed sleep, so a loaded machine cannot make the test
# flaky); fails unless it then exits 130
interrupt_when_written() {
  for _ in $(seq 600); do
    grep -qs '"aggregate"' "$1"/*.json && break
    sleep 0.1
  done
  kill -INT "$2"
  set +e
  wait "$2"; local rc=$?
  set -e
  [[ $rc -eq 130 ]] || fail "after SIGINT exit status $rc, expected 130: $(cat "$3")"
}
py=/usr/bin/python3
tiny=(-a num_q_heads=4 -a num_kv_heads=1 -a head_dim=64 --no-probe --no-progress
      --min-time 0.01 --max-time 0.05 --min-reps 3)

# 1. listing
n=$("$pal" bench --list --filter 'BM_PAL_LatencyVsSeqLen/' -a seq_len=64,128 -a dtype=fp16,bf16 2>/dev/null | wc -l)
[[ $n -eq 4 ]] || fail "--list expanded to $n instances, expected 4"
# (lists go to a variable first: grep -q would stop reading early and, with
# pipefail, the writer's SIGPIPE would fail the check)
list=$("$pal" bench --list --quick 2>/dev/null)
grep -q '^BM_PAL_FillKVPages/tokens:16/' <<<"$list" || fail "--quick list lacks fill"
list=$("$pal" bench --list --filter ModelConfig 2>/dev/null)
grep -q 'model:Llama3_70B_Sim/.*num_q_heads:64/num_kv_heads:8' <<<"$list" \
  || fail "model axis did not set the heads"

# 2. bad input
set +e
msg=$("$pal" bench -a nosuchaxis=1 2>&1); rc=$?
set -e
[[ $rc -eq 2 && $msg == *nosuchaxis* ]] || fail "unknown axis: rc=$rc msg=$msg"
set +e
msg=$("$pal" bench -a dtype=fp64 --list 2>&1); rc=$?
set -e
[[ $rc -eq 2 && $msg == *fp64* ]] || fail "bad dtype: rc=$rc msg=$msg"
set +e
msg=$("$pal" bench --interleave 2.5 --list 2>&1); rc=$?
set -e
[[ $rc -eq 2 && $msg == *interleave* ]] || fail "bad --interleave: rc=$rc msg=$msg"

# 3. a real run
"$pal" bench --out-dir "$tmp/out" --target unit --filter '_LatencyVsSeqLen/' -a seq_len=64,300 "${tiny[@]}" >"$tmp/log"
ls "$tmp/out" | grep -Eq '^cpp_unit_BM_PAL_LatencyVsSeqLen_[0-9]{8}_[0-9]{6}\.json$' || fail "file name: $(ls "$tmp/out")"
ls "$tmp/out" | grep -Eq '^cpp_unit_BM_SDPA_LatencyVsSeqLen_[0-9]{8}_[0-9]{6}\.json$' || fail "no SDPA file"
"$py" - "$tmp/out" <<'PY'
import json, math, pathlib, sys
def strict(x):
    raise ValueError("non-finite number " + x)
for f in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    d = json.loads(f.read_text(), parse_constant=strict)
    c = d["context"]
    for k in ("date", "host_name", "num_cpus", "caches", "library_version", "json_schema_version", "isa", "threads"):
        assert k in c, (f.name, k)
    assert c["json_schema_version"] == 1
    rows = d["benchmarks"]
    names = {r["run_name"] for r in rows}
    assert len(names) == 2, names
    for name in names:
        it = [r for r in rows if r["run_name"] == name and r["run_type"] == "iteration"]
        ag = {r["aggregate_name"]: r for r in rows if r["run_name"] == name and r["run_type"] == "aggregate"}
        assert len(it) >= 3 and set(ag) == {"mean", "median", "stddev", "cv", "min"}, (name, len(it), set(ag))
        assert [r["repetition_index"] for r in it] == list(range(len(it)))
        for r in it + list(ag.values()):
            assert r["time_unit"] == "us" and r["real_time"] > 0 or r.get("aggregate_name") in ("stddev", "cv")
            for k in ("kernel", "dtype", "seq_len", "head_dim", "num_q_heads", "num_kv_heads", "cache",
                      "bytes_per_second", "items_per_second", "bytes_per_call", "flops_per_call"):
                assert k in r, (name, k)
        m = ag["median"]
        assert m["name"] == name + "_median" and m["stop_reason"] in ("noise_target", "time_cap", "max_reps")
        # bytes by the documented formula: K+V, Q+O, page table
        L, hkv, hq, D = m["seq_len"], m["num_kv_heads"], m["num_q_heads"], m["head_dim"]
        want = L * hkv * D * 2 * 2 + hq * D * 2 * 2
        if m["kernel"] == "pal":
            want += 4 * (-(-L // m["page_size"]) + 1)
        assert m["bytes_per_call"] == want, (m["bytes_per_call"], want)
        assert m["flops_per_call"] == 4 * L * hq * D
        for r in it:  # each raw sample's rate is bytes / its own time
            assert r["bytes_per_call"] == want
            assert abs(r["bytes_per_second"] - want / (r["real_time"] * 1e-6)) / r["bytes_per_second"] < 1e-9
        # "min" is the fastest repetition, its counters that repetition's (the highest rate)
        fastest = min(it, key=lambda r: r["real_time"])
        assert ag["min"]["real_time"] == fastest["real_time"], (ag["min"]["real_time"], fastest["real_time"])
        assert ag["min"]["bytes_per_second"] == max(r["bytes_per_second"] for r in it)
        assert "bw_util" not in m  # --no-probe: no utilisation without a measured peak
print("json ok")
PY

# 4. Google Benchmark's own comparison tool
f=$(ls "$tmp"/out/cpp_unit_BM_PAL_*.json)
"$py" /usr/share/benchmark/compare.py benchmarks "$f" "$f" >"$tmp/compare.txt" 2>&1 || fail "compare.py: $(cat "$tmp/compare.txt")"
grep -q 'BM_PAL_LatencyVsSeqLen/seq_len:300' "$tmp/compare.txt" || fail "compare.py output lacks our rows"
grep -q '_pvalue' "$tmp/compare.txt" || fail "compare.py ran no U test on our repetitions"

# 4b. --interleave: every instance measured in each round, samples pooled
"$pal" bench --out-dir "$tmp/il" --filter '_LatencyVsSeqLen/' -a seq_len=64,96 --interleave 3 --hot "${tiny[@]}" \
  --max-time 0.06 >"$tmp/il.log" 2>&1 || fail "interleaved run: $(cat "$tmp/il.log")"
"$py" - "$tmp/il" <<'PY'
import json, pathlib, sys
files = sorted(pathlib.Path(sys.argv[1]).glob("*.json"))
assert len(files) == 2, files  # one per family, rewritten after each round
for f in files:
    rows = json.loads(f.read_text())["benchmarks"]
    names = {r["run_name"] for r in rows}
    assert len(names) == 2, names
    for n in names:
        it = [r for r in rows if r["run_name"] == n and r["run_type"] == "iteration"]
        ag = {r["aggregate_name"]: r for r in rows if r["run_name"] == n and r["run_type"] == "aggregate"}
        # 3 rounds of at least 2 repetitions each, pooled in one instance
        assert len(it) >= 6 and [r["repetition_index"] for r in it] == list(range(len(it))), (n, len(it))
        assert set(ag) == {"mean", "median", "stddev", "cv", "min"}
        assert ag["median"]["stop_reason"] == "interleaved", ag["median"]["stop_reason"]
print("interleave ok")
PY
# SIGINT after the first round: the files keep every instance as of that round
"$pal" bench --out-dir "$tmp/ili" --filter 'BM_PAL_LatencyVsSeqLen/' -a seq_len=64,65,66,67 --interleave 50 --hot \
  -a num_q_heads=4 -a num_kv_heads=1 -a head_dim=64 --no-probe --no-progress --min-time 0.05 --max-time 5 \
  >"$tmp/ili.log" 2>&1 &
interrupt_when_written "$tmp/ili" $! "$tmp/ili.log"
grep -q 'as of the last complete round' "$tmp/ili.log" || fail "interleaved: no interruption message: $(cat "$tmp/ili.log")"
"$py" - "$tmp/ili" <<'PY'
import json, pathlib, sys
files = list(pathlib.Path(sys.argv[1]).glob("*.json"))
assert len(files) == 1, files
rows = json.loads(files[0].read_text())["benchmarks"]
assert len({r["run_name"] for r in rows}) == 4  # every instance, not only the finished ones
assert not list(pathlib.Path(sys.argv[1]).glob("*.tmp*")), "temporary file left behind"
print("interleave interrupt ok")
PY
# the machine limits are probed again before each round; each peak is the best
# pass, and every row's utilisation is relative to that final peak
"$pal" bench --out-dir "$tmp/ilp" --filter 'BM_PAL_LatencyVsSeqLen/' -a seq_len=64 -a num_q_heads=4 \
  -a num_kv_heads=1 -a head_dim=64 --interleave 2 --hot --no-progress --max-time 0.05 >"$tmp/ilp.log" 2>&1 ||
  fail "interleaved run with probes: $(cat "$tmp/ilp.log")"
grep -q 'best of 2 probe passes' "$tmp/ilp.log" || fail "no probe summary: $(cat "$tmp/ilp.log")"
"$py" - "$tmp/ilp" <<'PY'
import json, pathlib, sys
d = json.loads(next(pathlib.Path(sys.argv[1]).glob("*.json")).read_text())
c = d["context"]
assert c["probe_runs"] == 2 and len(c["bw_peak_runs"]) == 2, c
assert c["bw_peak"] == max(c["bw_peak_runs"]) > 0, c
for r in d["benchmarks"]:  # the raw samples and the fastest one (stddev/cv rows are spreads)
    if r.get("aggregate_name") not in (None, "min", "median"):
        continue
    assert abs(r["bw_util"] - r["bytes_per_second"] / c["bw_peak"]) <= 1e-9 * r["bw_util"], r
print("interleave re-probe ok")
PY

# 5. Ctrl-C
"$pal" bench --out-dir "$tmp/int" --filter 'BM_PAL_LatencyVsSeqLen/' -a seq_len=64,65,66,67,68,69,70,71,72,73,74,75 \
  -a num_q_heads=4 -a num_kv_heads=1 -a head_dim=64 --no-probe --no-progress --noise 0 --min-time 0.3 --max-time 0.3 \
  >"$tmp/int.log" 2>&1 &
# once the first instance is in the file, while 11 are still to run
interrupt_when_written "$tmp/int" $! "$tmp/int.log"
grep -q interrupted "$tmp/int.log" || fail "no interruption message"
"$py" - "$tmp/int" <<'PY'
import json, pathlib, sys
files = list(pathlib.Path(sys.argv[1]).glob("*.json"))
assert len(files) == 1, files
d = json.loads(files[0].read_text())
done = {r["run_name"] for r in d["benchmarks"]}
assert 1 <= len(done) < 12, len(done)
for n in done:  # every instance in the file is complete: all five aggregates present
    assert sum(1 for r in d["benchmarks"] if r["run_name"] == n and r["run_type"] == "aggregate") == 5
assert not list(pathlib.Path(sys.argv[1]).glob("*.tmp*")), "temporary file left behind"
print("interrupt ok:", len(done), "finished instances")
PY
echo "bench end-to-end: all checks passed"
