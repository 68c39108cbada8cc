#!/usr/bin/env bash
# check_analyze.sh PAL FIXTURES - `pal analyze` end to end on a folder that
# holds every input format and every kind of bad input (truncated, empty,
# non-JSON, wrong schema, unknown format, NaN-laden, deeply nested, a huge
# file, a stale results.json). Checks exit statuses, file:line:col messages,
# results.json contents, the images (when gnuplot is installed; CI installs
# it), the missing-gnuplot path, and that the input folder is byte-for-byte
# unchanged. fixtures/suspect (gen_suspect_fixtures.py): rows above the probed roof.
# fixtures/budget: files from pal bench --budget that list the instances it dropped.
# --table (the CSV the Python plotters read) and --kernel (a filter by kernel).
set -euo pipefail
pal=$1 fixtures=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
in=$work/in out=$work/out
mkdir -p "$in"
cp "$fixtures"/good/*.json "$fixtures"/bad/*.json "$in"/
python3 -c "import sys; sys.stdout.write('[' * 100000 + ']' * 100000)" > "$in/deep.json"
# huge: a valid start, then 210 MB of (sparse) zeros; must be skipped unread
printf '{"context": {}, "benchmarks": [' > "$in/huge.json"
truncate -s 210M "$in/huge.json"
echo '{"summary_metrics": {"stale": 1}, "plot_files": {}}' > "$in/results.json"

fail() { echo "check_analyze: FAIL: $*" >&2; exit 1; }
snapshot() { (cd "$in" && find . -type f -printf '%p %s %T@\n' | sort && find . -type f ! -name huge.json -exec sha256sum {} + | sort); }
before=$(snapshot)

have_gnuplot=0
command -v "${PAL_GNUPLOT:-gnuplot}" >/dev/null 2>&1 && have_gnuplot=1

# 1. default run: bad files skipped with file:line:col, the rest analysed
set +e
"$pal" analyze "$in" "$out" >"$work/log" 2>"$work/err"
rc=$?
set -e
if [[ $have_gnuplot -eq 1 ]]; then
  [[ $rc -eq 0 ]] || { cat "$work/err"; fail "default run exited $rc"; }
else
  [[ $rc -eq 1 ]] || fail "without gnuplot the run must exit 1, got $rc"
  grep -q "apt-get install gnuplot-nox" "$work/err" || fail "no install hint without gnuplot"
fi
for want in "empty.json:1:1: not valid JSON: empty file" \
            "truncated.json:1:95: not valid JSON: truncated: unterminated string" \
            "not_json.json:1:1: not valid JSON: unexpected character 't'" \
            "wrong_schema.json:1:31: wrong schema" \
            "unknown_format.json:1:1: unknown format" \
            "deep.json:1:257: not valid JSON: nesting deeper than 256 levels" \
            "huge.json:1:1: file is 210.0 MiB, over the 64 MiB limit"; do
  grep -qF "$want" "$work/err" || { cat "$work/err"; fail "missing message: $want"; }
done
grep -q "row BM_failing/1 skipped: error_occurred: allocation failed" "$work/err" || fail "errored row not reported"
grep -qF "$in/results.json" "$work/err" && fail "results.json was treated as an input"

python3 - "$out/results.json" "$have_gnuplot" <<'PY'
import json, sys, os
r = json.load(open(sys.argv[1]))
have = sys.argv[2] == "1"
for k in ("summary_metrics", "plot_files", "plots", "inputs", "generated_at", "version", "statistic"):
    assert k in r, k
inp = r["inputs"]
assert inp["files_read"] == 33, inp["files_read"]          # 32 good + nan_laden
assert inp["files_skipped"] == 7, inp["files_skipped"]
reasons = [s["reason"] for s in inp["skipped"]]
assert all(":1:" in x for x in reasons), reasons
nan = [f for f in inp["files"] if f["path"].endswith("nan_laden.json")][0]
assert nan["rows_taken"] == 0 and nan["rows_skipped"] == 3, nan
fmts = {f["format"] for f in inp["files"]}
assert fmts == {"gbench", "pytest-benchmark", "nvbench"}, fmts
sm = r["summary_metrics"]
assert set(sm["sources"]) == {"cpp", "py", "nvbench"}, sm["sources"]
expected = ["latency_vs_seq_len", "latency_vs_head_dim", "latency_vs_effective_items",
            "model_configs_comparison", "speedup_vs_seq_len", "roofline", "binding_overhead"]
for name in expected:
    p = r["plots"][name]
    assert p["status"] == ("drawn" if have else "sources_only"), (name, p)
    assert name in sm and sm[name]["points"], name
    assert "units" in sm[name]
    if have:
        assert r["plot_files"][name] == name + ".png"
pts = sm["latency_vs_seq_len"]["points"]
assert {p["source"] for p in pts} == {"cpp", "py", "nvbench"}
assert {p["kernel"] for p in pts} == {"pal", "sdpa"}
for p in pts:
    assert p["latency_ms_low"] <= p["latency_ms"] <= p["latency_ms_high"], p
# the generator makes PAL 15% faster than SDPA in every source
sp = sm["speedup_vs_seq_len"]["points"]
assert sp and all(abs(p["speedup"] - 1.15) < 0.1 for p in sp), [p["speedup"] for p in sp]
# py rows are the generator's latency x 1.3, so py - cpp is 0.3 x the cpp time, per instance
bo = sm["binding_overhead"]["points"]
assert bo and all(abs(p["overhead_us"] - 0.3e3 * p["cpp_latency_ms"]) < 0.15e3 * p["cpp_latency_ms"]
                  for p in bo), [(p["overhead_us"], p["cpp_latency_ms"]) for p in bo]
assert all(p["source"] == "py" for p in bo)
models = {p["model"] for p in sm["model_configs_comparison"]["points"]}
assert "Llama3_70B_Sim" in models, models
assert sm["roofline"]["machines"][0]["bw_peak"] == 2e10
# the generator's cpp rows run above its bw_peak: every one of them is probe_suspect, listed and marked
ps = r["probe_suspect"]
assert ps["margin"] == 0.05, ps
rpts = sm["roofline"]["points"]
for p in rpts:
    assert p["probe_suspect"] == (p["bw_util"] > 1.05), p
flagged = {p["name"] for p in rpts if p["probe_suspect"]}
assert ps["count"] == len(ps["rows"]) == len(flagged) == inp["rows_probe_suspect"] > 0, (ps["count"], len(flagged))
assert {x["name"] for x in ps["rows"]} == flagged
assert all(x["counter"] == "bw_util" and x["value"] > 1.05 and x["flagged_by"] == "pal analyze" for x in ps["rows"])
assert sm["roofline"]["points_probe_suspect"] == len(flagged)
PY
grep -q "WARNING: [0-9]* of [0-9]* results are above the probed roof" "$work/err" || fail "no probe_suspect warning"


if [[ $have_gnuplot -eq 1 ]]; then
  for name in latency_vs_seq_len latency_vs_head_dim latency_vs_effective_items model_configs_comparison \
              speedup_vs_seq_len roofline binding_overhead; do
    head -c 8 "$out/$name.png" | od -An -c | grep -q 'P   N   G' || fail "$name.png is not a PNG"
    grep -q '<svg' "$out/$name.svg" || fail "$name.svg is not an SVG"
    [[ -s $out/$name.gp && -s $out/$name.dat ]] || fail "$name .gp/.dat missing"
  done
  # the kept script redraws the plot by itself
  (cd "$out" && rm -f latency_vs_seq_len.png && gnuplot latency_vs_seq_len.gp) || fail "the .gp does not rerun"
  [[ -s $out/latency_vs_seq_len.png ]] || fail "rerunning the .gp drew nothing"
fi
[[ -z $(find "$out" -name '.*' -type f) ]] || fail "temporary files left in the output folder"

# 1b. probe_suspect: rows above the probed roof from pal bench (its own field and roof names), an
#     older pal bench and pytest-benchmark (derived from their utilisations or rates) and NVBench
"$pal" analyze "$fixtures/suspect" "$work/out_s" >"$work/log_s" 2>"$work/err_s" || { cat "$work/err_s"; fail "suspect run failed"; }
grep -q "pal analyze: WARNING: 6 of 12 results are above the probed roof" "$work/err_s" || { cat "$work/err_s"; fail "no probe_suspect warning naming the count"; }
grep -q "flop_util 1.31 of fp32_fma512" "$work/err_s" || fail "the warning does not name the first rows"
python3 - "$work/out_s/results.json" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
ps = r["probe_suspect"]
assert ps["count"] == 6 and len(ps["rows"]) == 6 and ps["margin"] == 0.05, ps
got = {(os.path.basename(x["file"]).split("_2026")[0], x["name"], x["counter"], round(x["value"], 2), x["roof"],
        x["flagged_by"]) for x in ps["rows"]}
want = {("new_pal_bench", "BM_PAL_Prefill/seq_len:1024/dtype:fp32", "flop_util", 1.31, "fp32_fma512", "file"),
        ("new_pal_bench", "BM_PAL_Decode/seq_len:4096/dtype:fp16", "bw_util", 1.12, "stream_read_avx512", "file"),
        ("old_pal_bench", "BM_PAL_Decode/seq_len:4096/dtype:fp16", "bw_util", 1.31, "bw_peak (avx2)", "pal analyze"),
        ("old_pal_bench", "BM_PAL_Prefill/seq_len:1024/dtype:fp32", "flop_util", 1.2, "peak_fp32_flops (avx2_fma)",
         "pal analyze"),
        ("py_other_tool", "test_pal_decode[4096]", "bw_util", 1.1, "bw_peak", "pal analyze"),
        ("nvbench_paged_decode", "paged_attention_decode/Device=0 seq_len=4096", "bw_util", 1.2,
         "global_memory_bus_bandwidth", "pal analyze")}
assert got == want, sorted(got ^ want)
assert r["inputs"]["rows_probe_suspect"] == 6
rf = r["summary_metrics"]["roofline"]
assert rf["points_probe_suspect"] == 5 and len(rf["points"]) == 10, (rf["points_probe_suspect"], len(rf["points"]))
assert rf["annotation"] == "5 of 10 points above the probed roof: the probe under-reads these machines (probe_suspect)"
assert sum(p["probe_suspect"] for p in rf["points"]) == 5
# the roofs the rows name, each at its own peak (1.03 is within the margin: not flagged)
roofs = {(m["machine"], m["flop_roof"], m["peak_compute_flops"]) for m in rf["machines"]}
assert roofs == {("xeon", "fp32_fma512", 2e12), ("xeon", "amx_bf16", 8e12),
                 ("vm-old", "peak_fp32_flops (avx2_fma)", 5e11)}, roofs
PY
if [[ $have_gnuplot -eq 1 ]]; then
  svg=$work/out_s/roofline.svg
  grep -q "5 of 10 points above the probed roof: the probe under-reads these machines (probe_suspect)" "$svg" \
    || fail "the roofline SVG does not say that points are above the probed roof"
  grep -q "probe_suspect: above its probed roof" "$svg" || fail "no legend entry for the marked points"
  for roof in "xeon fp32_fma512" "xeon amx_bf16" "vm-old peak_fp32_flops (avx2_fma)"; do
    grep -qF "$roof" "$svg" || fail "the roof $roof is not named on the plot"
  done
fi

# 2. --strict: anything skipped makes the status non-zero
set +e
"$pal" analyze "$in" "$work/out2" --strict --no-plots >/dev/null 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "--strict exited $rc, want 1"

# 3. gnuplot missing: a clear error, results.json and the sources still written
set +e
PAL_GNUPLOT=/nonexistent/gnuplot "$pal" analyze "$fixtures/good" "$work/out3" >/dev/null 2>"$work/err3"
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "missing gnuplot exited $rc, want 1"
grep -q "gnuplot not found.*apt-get install gnuplot-nox" "$work/err3" || fail "no install hint"
[[ -s $work/out3/results.json && -s $work/out3/roofline.gp && -s $work/out3/roofline.dat ]] || fail "outputs missing"
[[ ! -e $work/out3/roofline.png ]] || fail "an image appeared without gnuplot"

# 4. nothing readable: non-zero
set +e
"$pal" analyze "$fixtures/bad/empty.json" "$fixtures/bad/not_json.json" "$work/out4" --no-plots >/dev/null 2>&1
rc=$?
set -e
[[ $rc -eq 1 ]] || fail "nothing read exited $rc, want 1"

# 5. --stat min never exceeds the median, point by point
"$pal" analyze "$fixtures/good" "$work/out5" --stat min --no-plots >/dev/null
"$pal" analyze "$fixtures/good" "$work/out6" --stat median --no-plots >/dev/null
python3 - "$work/out5/results.json" "$work/out6/results.json" <<'PY'
import json, sys
pa = json.load(open(sys.argv[1]))["summary_metrics"]["latency_vs_seq_len"]["points"]
a = {p["name"]: p["latency_ms"] for p in pa if p["statistic"] == "min"}
b = {p["name"]: p["latency_ms"] for p in json.load(open(sys.argv[2]))["summary_metrics"]["latency_vs_seq_len"]["points"]}
# NVBench files without a min summary fall back to their mean, and say so
assert {p["statistic"] for p in pa if p["source"] == "nvbench"} == {"mean"}
assert a and all(a[k] <= b[k] for k in a) and any(a[k] < b[k] for k in a)
PY

# 6. pal bench --budget: dropped instances listed with their reason (results.json "dropped"), one
# stderr line; files without budget keys (fixtures/good) give "count": 0 and no "budget"
"$pal" analyze "$fixtures/budget" "$work/out8" --no-plots >/dev/null 2>"$work/err8"
grep -qF "pal analyze: 2 instances were dropped by the run's time budget (see results.json \"dropped\")" "$work/err8" ||
  { cat "$work/err8"; fail "no dropped-instances line"; }
python3 - "$work/out8/results.json" "$work/out6/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
d = r["dropped"]
assert d["count"] == 2 and len(d["instances"]) == 2, d   # the C++ file lists its drop twice: once here
by = {i["name"]: i for i in d["instances"]}
cpp = by["BM_PAL_LatencyVsSeqLen/seq_len:4096/batch:1/num_q_heads:32/num_kv_heads:8/head_dim:128/page_size:16/dtype:fp16"]
assert cpp["reason"].startswith("est. 11.5 s/call x (5 reps + 1 warm-up call)"), cpp
assert cpp["est_call_s"] == 11.24 and cpp["file"].endswith("cpp_all_BM_PAL_LatencyVsSeqLen_20260301_120000.json"), cpp
py = by["test_pal_latency_vs_seq_len[8192-0]"]
assert "276.4 s > 8.2 s left" in py["reason"] and "est_call_s" not in py, py
assert r["budget"] == {"files_with_budget": 2, "budget_s": [412.0, 233.0]}, r["budget"]
old = json.load(open(sys.argv[2]))
assert old["dropped"] == {"count": 0, "instances": []} and "budget" not in old, old["dropped"]
PY

# 7. usage errors
set +e
"$pal" analyze "$in" >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "one positional argument must be a usage error"
"$pal" analyze "$in" "$work/o7" --stat mode >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "bad --stat must be a usage error"
set -e

# 8. --table: the normalised table as CSV, one row per row used (summary_metrics.rows), the columns
#    in their contract order; --kernel sdpa keeps only SDPA rows; an unknown --kernel is a usage error
"$pal" analyze "$fixtures/good" "$work/out9" --no-plots --table "$work/out9/table.csv" >/dev/null 2>&1
"$pal" analyze "$fixtures/good" "$work/out10" --no-plots --kernel sdpa --table "$work/table_sdpa.csv" >/dev/null 2>&1
python3 - "$work/out9" "$work/out10" "$work/table_sdpa.csv" <<'PY'
import csv, json, sys
cols = ("name,family,source,kernel,kernel_name,study,op,dtype,model,layout,cache,machine,run,seq_len,head_dim,items,"
        "batch,num_q_heads,num_kv_heads,page_size,effective_items,params,latency_ms,latency_ms_low,latency_ms_high,"
        "statistic,spread,samples,throughput_items_per_sec,bytes_per_second,flops_per_second,items_per_second,bw_util,"
        "flop_util,roofline_util,arithmetic_intensity,foreign_load,bw_peak,peak_compute_flops,flop_peak,bw_roof,"
        "flop_roof,probe_suspect,colour,linestyle,marker,run_epoch,file").split(",")
def table(path):
    with open(path, newline="") as f:
        text = f.read()
    assert "\r" not in text
    rows = list(csv.reader(text.splitlines(keepends=True)))
    assert rows[0] == cols, rows[0]
    assert all(len(r) == len(cols) for r in rows[1:])
    return [dict(zip(cols, r)) for r in rows[1:]]
r = json.load(open(sys.argv[1] + "/results.json"))
t = table(sys.argv[1] + "/table.csv")
assert len(t) == r["summary_metrics"]["rows"] == r["inputs"]["rows_used"] > 0, (len(t), r["summary_metrics"]["rows"])
assert r["kernel_filter"] is None
assert {x["source"] for x in t} == {"cpp", "py", "nvbench"} and {x["kernel"] for x in t} == {"pal", "sdpa"}
for x in t:
    assert float(x["latency_ms_low"]) <= float(x["latency_ms"]) <= float(x["latency_ms_high"]), x
    assert x["probe_suspect"] in ("0", "1") and x["colour"].startswith("#") and x["study"] != ""
    float(x["run_epoch"])
assert sum(x["probe_suspect"] == "1" for x in t) == r["probe_suspect"]["count"]
# the same latency as the plots' points
pts = {p["name"] + p["file"]: p["latency_ms"] for p in r["summary_metrics"]["latency_vs_seq_len"]["points"]}
seen = [x for x in t if x["name"] + x["file"] in pts]
assert seen and all(abs(float(x["latency_ms"]) - pts[x["name"] + x["file"]]) <= 1e-9 * pts[x["name"] + x["file"]]
                    for x in seen)
r = json.load(open(sys.argv[2] + "/results.json"))
t = table(sys.argv[3])
assert r["kernel_filter"] == ["sdpa"], r["kernel_filter"]
assert r["summary_metrics"]["kernels"] == ["sdpa"], r["summary_metrics"]["kernels"]
assert len(t) == r["summary_metrics"]["rows"] > 0 and {x["kernel"] for x in t} == {"sdpa"}
for name, p in r["summary_metrics"].items():
    if isinstance(p, dict) and "points" in p:
        assert all(q["kernel"] == "sdpa" for q in p["points"]), name
PY
set +e
"$pal" analyze "$fixtures/good" "$work/out11" --no-plots --kernel flash_decode >/dev/null 2>"$work/err11"
rc=$?
"$pal" analyze "$fixtures/good" "$work/out12" --no-plots --table /nonexistent_pal_dir/t.csv >/dev/null 2>"$work/err12"
rc12=$?
"$pal" analyze "$fixtures/good" "$work/out13" --kernel >/dev/null 2>&1
rc13=$?
set -e
[[ $rc -eq 2 ]] || fail "an unknown --kernel exited $rc, want 2"
grep -qF "pal analyze: --kernel flash_decode: no such kernel in the data; known: pal (paged_attention), sdpa" \
  "$work/err11" || { cat "$work/err11"; fail "the unknown --kernel message does not list the known kernels"; }
[[ ! -e $work/out11/results.json ]] || fail "results.json written despite an unknown --kernel"
[[ $rc12 -eq 2 ]] || fail "an unwritable --table exited $rc12, want 2"
grep -qF "pal analyze: cannot write /nonexistent_pal_dir/t.csv: No such file or directory" "$work/err12" ||
  { cat "$work/err12"; fail "no message naming the --table path and the reason"; }
[[ -s $work/out12/results.json ]] || fail "results.json missing when only the table could not be written"
[[ $rc13 -eq 2 ]] || fail "--kernel without a name must be a usage error"
"$pal" analyze --help | grep -q -- "--table PATH" || fail "--help does not list --table"
"$pal" analyze --help | grep -q -- "--kernel NAME" || fail "--help does not list --kernel"

# the input folder is unchanged, byte for byte
[[ "$(snapshot)" == "$before" ]] || fail "the input folder changed"
echo "check_analyze: all checks passed (gnuplot: $have_gnuplot)"
