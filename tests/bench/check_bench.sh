#!/usr/bin/env bash
# End-to-end checks of `pal bench` on tiny shapes (seconds, also under ASan):
#  1. --list expands overrides and filters exactly;
#  2. bad options fail with a message and exit 2;
#  3. a run writes one file per family, named cpp_{target}_{family}_{time}.json,
#     strict JSON with the fields docs/BENCHMARKS.md promises;
#  4. Google Benchmark's compare.py reads the files unchanged;
#  5. SIGINT mid-run exits 130 and leaves valid JSON with the finished instances;
#  6. rows name their roofs, and utilisations above 1 + the margin are flagged
#     probe_suspect (forced with the PAL_BENCH_PROBE_SCALE test hook);
#  7. --budget drops what cannot fit, with the reason, and keeps --min-reps;
#  8. a failed set-up names the axis and value at fault, in the console line and
#     the errored row, and frees what it made (ASan's leak check would fail it).
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
# 6. probe_suspect: a utilisation above 1 + the margin is a finding about the
# probe. The test hook PAL_BENCH_PROBE_SCALE=0.00001 makes every probed peak
# 1e5 x too low (enough even for the unoptimised ASan build, or a host where a
# tiny call is 100 x slower than it should be), so the judged rows must carry
# the flag and the console lines show it; without the hook
# these tiny instances (decode bw_util ~0.1, prefill flop_util ~0.05 on a
# 2-core Zen 3) carry none. Decode runs cold (bw_util is judged on cold rows
# only), prefill hot (cold, its one warm-up call per working set takes
# minutes at -O0); the hot decode rows beside it show the exemption.
probe_run() { # DIR HOOK ARGS...: one tiny probed run, log in DIR.log
  local dir=$1 hook=$2
  shift 2
  PAL_BENCH_PROBE_SCALE=$hook "$pal" bench --out-dir "$dir" -a seq_len=64 -a num_q_heads=4 -a num_kv_heads=1 \
    -a head_dim=64 --no-progress --min-time 0.01 --max-time 0.05 --min-reps 3 "$@" >"$dir.log" 2>&1 ||
    fail "probed run $dir: $(cat "$dir.log")"
}
probe_run "$tmp/sus_cold" 0.00001 --filter 'BM_PAL_LatencyVsSeqLen/'
probe_run "$tmp/sus_hot" 0.00001 --filter 'BM_PAL_PrefillLatencyVsSeqLen/|BM_PAL_LatencyVsSeqLen/' --hot
probe_run "$tmp/ok_cold" "" --filter 'BM_PAL_LatencyVsSeqLen/'
probe_run "$tmp/ok_hot" "" --filter 'BM_PAL_PrefillLatencyVsSeqLen/' --hot
grep -q 'PAL_BENCH_PROBE_SCALE=1e-05 (test hook)' "$tmp/sus_cold.log" || fail "hook not announced: $(cat "$tmp/sus_cold.log")"
grep -Eq '^BM_PAL_LatencyVsSeqLen/.*PROBE SUSPECT: bw_util [0-9.]+ > 1\.05' "$tmp/sus_cold.log" ||
  fail "no bw_util flag on the cold decode line: $(cat "$tmp/sus_cold.log")"
grep -Eq '^BM_PAL_PrefillLatencyVsSeqLen/.*PROBE SUSPECT: flop_util [0-9.]+ > 1\.05' "$tmp/sus_hot.log" ||
  fail "no flop_util flag on the prefill line: $(cat "$tmp/sus_hot.log")"
! grep -q '^BM_PAL_LatencyVsSeqLen/.*PROBE SUSPECT' "$tmp/sus_hot.log" || fail "hot decode judged on bw_util"
for log in "$tmp/ok_cold.log" "$tmp/ok_hot.log"; do
  grep -q 'compute probes: .*portable [0-9]* GFLOP/s' "$log" || fail "no probe list: $(cat "$log")"
  ! grep -q 'PROBE SUSPECT' "$log" || fail "flagged without the hook: $(cat "$log")"
done
"$py" - "$tmp" <<'PY'
import json, pathlib, sys
tmp = pathlib.Path(sys.argv[1])
for run in ("sus_cold", "sus_hot", "ok_cold", "ok_hot"):
    hooked, n = run.startswith("sus"), 0
    for f in sorted((tmp / run).glob("*.json")):
        doc = json.loads(f.read_text())
        c = doc["context"]
        assert (c.get("probe_scale") == 0.00001) == hooked, c.get("probe_scale")
        assert c["probe_suspect_margin"] == 0.05
        # every probe that ran is named with its ISA; the ones skipped say why
        assert c["peak_portable_flops"] > 0 and "peak_compute_flops" in c, c
        for name in c["probes_skipped"]:
            assert not any(k.startswith("peak_" + name) for k in c), name
        roofs = c["kernel_isa_roofs"]
        assert c["kernel_isa"] == c["isa"] and roofs["bandwidth"] == c["bw_peak_isa"], c
        for r in doc["benchmarks"]:
            # each row names the roofs it is judged against, from the context
            assert r["bw_roof"] == c["bw_peak_isa"] and r["bw_peak"] == c["bw_peak"], r
            prefill = r["family"].startswith("BM_PAL_Prefill")
            if prefill:
                assert r["flop_roof"] == roofs[r["dtype"]], (r["flop_roof"], roofs)
                key = {"bf16_dot": "peak_bf16_dot_flops", "fp16_fma512": "peak_fp16_flops"}.get(
                    r["flop_roof"], "peak_%s_flops" % r["flop_roof"])
                assert r["flop_peak"] == c[key], (r["flop_peak"], c[key])
            else:
                assert "flop_roof" not in r and "flop_util" not in r, r
            if r.get("aggregate_name") in ("stddev", "cv"):
                assert "probe_suspect" not in r, r  # spreads are not utilisations
                continue
            if prefill:
                assert abs(r["flop_util"] - r["flops_per_second"] / r["flop_peak"]) <= 1e-9 * r["flop_util"]
            # the rule, row by row: bw_util counts on cold rows only (a hot working
            # set is served by the caches, which the DRAM probe does not measure)
            over = [k for k in ("bw_util", "flop_util")
                    if r.get(k, 0) > 1.05 and (k != "bw_util" or r["cache"] == "cold")]
            assert r.get("probe_suspect") == (1 if over else None), (r["name"], over, r.get("probe_suspect"))
            assert r.get("probe_suspect_counter") == (",".join(over) or None), (r.get("probe_suspect_counter"), over)
            if r.get("aggregate_name") not in ("median", "min"):
                continue
            n += 1
            if not hooked:
                assert not over, (run, r["name"], r.get("bw_util"), r.get("flop_util"))
            elif r["cache"] == "cold" or prefill:
                # peaks 1e5 x too low: the typical and the best repetition are flagged
                assert ("flop_util" if prefill else "bw_util") in over, (run, r["name"], over)
            else:
                assert r["bw_util"] > 1.05 and not over, (run, r["name"])  # hot decode: exempt
    assert n > 0, run
print("probe_suspect ok")
PY

# 7. --budget: a pilot and a plan; an instance that cannot fit is dropped and
# listed with its reason (console, file context, plan file); everything kept
# has at least --min-reps repetitions; the Python plan follows the C costs
# hot: one working set (cold, a 16-token prefill rotates through 4096 sets and
# its warm-up calls each once: 13 s in the ASan build)
tinyp=(-a num_q_heads=4 -a num_kv_heads=1 -a head_dim=64 --no-probe --no-progress --min-reps 3 --hot)
"$pal" bench --plan-only --budget 30 --filter 'BM_PAL_LatencyVsSeqLen/' -a seq_len=64,128 "${tinyp[@]}" \
  --plan-out "$tmp/po.json" >"$tmp/po.log" 2>&1 || fail "--plan-only: $(cat "$tmp/po.log")"
grep -q '^est/call' "$tmp/po.log" || fail "--plan-only printed no plan: $(cat "$tmp/po.log")"
[[ ! -d "$tmp/po" ]] || fail "--plan-only measured"
# prefill of 16384 tokens cannot fit 10 s (3 reps + warm-up: over 100 GFLOP each); 16 tokens can
"$pal" bench --out-dir "$tmp/bud" --budget 10 --interleave 2 --seed 7 --max-time 0.1 \
  --filter 'BM_PAL_PrefillLatencyVsSeqLen/' -a seq_len=16,16384 "${tinyp[@]}" --plan-out "$tmp/bud.json" \
  >"$tmp/bud.log" 2>&1 || fail "budget run: $(cat "$tmp/bud.log")"
grep -q '^budget: dropped BM_PAL_PrefillLatencyVsSeqLen/seq_len:16384/.*s/call' "$tmp/bud.log" ||
  fail "no dropped line: $(cat "$tmp/bud.log")"
"$pal" bench --plan-only --no-probe --plan-for python --budget 20 --costs-from "$tmp/bud.json" \
  --filter 'BM_PAL_PrefillLatencyVsSeqLen/' -a seq_len=16,16384,32 "${tinyp[@]}" --plan-out "$tmp/bpy.json" \
  >"$tmp/bpy.log" 2>&1 || fail "python plan: $(cat "$tmp/bpy.log")"
"$py" - "$tmp" <<'PY'
import json, pathlib, sys
tmp = pathlib.Path(sys.argv[1])
files = list((tmp / "bud").glob("*.json"))
assert len(files) == 1, files
d = json.loads(files[0].read_text())
c = d["context"]
assert c["budget_s"] == 10 and c["interleave_rounds"] == 2 and c["interleave_seed"] == 7, c
assert c["plan"]["rounds"] == 2 and c["plan"]["min_reps"] == 3 and "method" in c["plan"], c["plan"]
drop = [x["name"].split("/")[1] for x in c["dropped"]]
assert drop == ["seq_len:16384"], c["dropped"]
assert "s/call" in c["dropped"][0]["reason"] and c["dropped"][0]["after_round"] >= 0, c["dropped"]
names = {r["run_name"].split("/")[1] for r in d["benchmarks"]}
assert names == {"seq_len:16"}, names
it = [r for r in d["benchmarks"] if r["run_type"] == "iteration"]
assert len(it) >= 3, len(it)  # never below --min-reps
plan = json.loads((tmp / "bud.json").read_text())
st = {e["name"].split("/")[1]: e for e in plan["instances"]}
assert st["seq_len:16384"]["status"] == "dropped" and st["seq_len:16"]["status"] in ("full", "trimmed")
assert st["seq_len:16"]["call_source"] == "measured" and st["seq_len:16"]["measured_reps"] >= 3
py = json.loads((tmp / "bpy.json").read_text())
assert py["harness"] == "python" and py["rounds"] == 1, py["harness"]
ps = {e["name"].split("/")[1]: e for e in py["instances"]}
assert ps["seq_len:16384"]["status"] == "dropped" and "dropped in" in ps["seq_len:16384"]["reason"]
assert ps["seq_len:32"]["status"] == "dropped" and "no measured cost" in ps["seq_len:32"]["reason"]
e = ps["seq_len:16"]
assert e["reps"] >= 3 and e["calls_per_rep"] >= 1 and e["warmup_calls"] >= 1 and e["est_s"] > 0, e
print("budget ok")
PY

# 8. failed set-ups: an invalid axis, a working set over the memory budget
set +e
"$pal" bench --out-dir "$tmp/err" --filter 'BM_PAL_(LatencyVsSeqLen|FillKVPages)/' \
  -a page_size=0 -a seq_len=4000000000 -a tokens=16 "${tiny[@]}" >"$tmp/err.log" 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "errored set-ups: exit status $rc, expected 1: $(cat "$tmp/err.log")"
grep -q 'FillKVPages/.* ERROR: page_size=0: must be at least 1$' "$tmp/err.log" ||
  fail "no named axis in a fill set-up error: $(cat "$tmp/err.log")"
grep -q 'LatencyVsSeqLen/.* ERROR: seq_len=4000000000: must be at most 2147483647$' "$tmp/err.log" ||
  fail "no named axis in a decode set-up error: $(cat "$tmp/err.log")"
"$pal" bench --out-dir "$tmp/err2" --filter 'BM_PAL_LatencyVsSeqLen/' -a seq_len=2000000000 \
  -a batch=64 "${tiny[@]}" >"$tmp/err2.log" 2>&1 && fail "a working set over the budget ran"
grep -q 'ERROR: seq_len=2000000000: working set .* exceeds the memory budget$' "$tmp/err2.log" ||
  fail "no named axis in a memory-budget error: $(cat "$tmp/err2.log")"
$py - "$tmp/err" <<'PY'
import json, pathlib, sys
rows = [r for f in pathlib.Path(sys.argv[1]).glob("*.json") for r in json.loads(f.read_text())["benchmarks"]]
msgs = sorted(r["error_message"] for r in rows if r.get("error_occurred"))
assert msgs == ["page_size=0: must be at least 1", "seq_len=4000000000: must be at most 2147483647"], msgs
print("set-up errors ok")
PY

echo "bench end-to-end: all checks passed"
