/* test_analyze.c - unit tests of the analyzer: JSON parser, each loader and
 * format version, normalisation rules, newest-wins, results.json,
 * probe_suspect (derivation, the file's own field, results.json, the
 * roofline's note and marks), what a run's time budget dropped, kernel_name
 * and params, the study rule, --table (the CSV) and --kernel. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze/analyze.h"
#include "analyze/axes.h"
#include "analyze/json.h"
#include "analyze/load.h"
#include "analyze/table_csv.h"

/* ---------------------------------------------------------------- helpers */
static int parse(const char *text, anz_jdoc *doc, anz_jerror *err) {
  size_t n = strlen(text);
  char *buf = malloc(n + 1);
  memcpy(buf, text, n);
  int rc = anz_json_parse(buf, n, doc, err);
  /* strings point into buf: keep it alive by leaking into the doc's lifetime */
  if (rc == 0) {
    static char *keep[64];
    static int nkeep;
    free(keep[nkeep % 64]);
    keep[nkeep++ % 64] = buf;
  } else {
    free(buf);
  }
  return rc;
}

static anz_file_result load_text(const char *text, anz_stat stat) {
  anz_file_result fr;
  memset(&fr, 0, sizeof fr);
  fr.path = "mem.json";
  size_t n = strlen(text);
  char *buf = malloc(n + 1);
  memcpy(buf, text, n);
  anz_load_opts o = {.stat = stat};
  anz_load_buffer(buf, n, &o, &fr);
  free(buf);
  return fr;
}

static const anz_row *find_row(const anz_file_result *fr, const char *name_part) {
  for (size_t i = 0; i < fr->rows.n; ++i)
    if (fr->rows.v[i].name && strstr(fr->rows.v[i].name, name_part)) return &fr->rows.v[i];
  return NULL;
}

/* ---------------------------------------------------------------- json */
static void json_accepts_nan_and_infinity(void **state) {
  (void)state;
  anz_jdoc doc;
  anz_jerror err;
  assert_int_equal(parse("{\"a\": NaN, \"b\": -Infinity, \"c\": Infinity, \"d\": -NaN, \"e\": 1.5e3}", &doc, &err), 0);
  assert_true(isnan(anz_json_number(anz_json_get(doc.root, "a"), NULL)));
  double b = anz_json_number(anz_json_get(doc.root, "b"), NULL);
  assert_true(isinf(b) && b < 0);
  assert_true(isinf(anz_json_number(anz_json_get(doc.root, "c"), NULL)));
  assert_true(isnan(anz_json_number(anz_json_get(doc.root, "d"), NULL)));
  assert_float_equal(anz_json_number(anz_json_get(doc.root, "e"), NULL), 1500.0, 0);
  anz_json_free(&doc);
}

static void json_reports_line_and_column(void **state) {
  (void)state;
  anz_jdoc doc;
  anz_jerror err;
  assert_int_equal(parse("{\n  \"a\": [1,\n  2,\n  x]\n}", &doc, &err), -1);
  assert_int_equal(err.line, 4);
  assert_int_equal(err.col, 3);
  assert_non_null(strstr(err.message, "unexpected character 'x'"));
  /* truncated */
  assert_int_equal(parse("{\"benchmarks\": [{\"name\": \"a\"", &doc, &err), -1);
  assert_non_null(strstr(err.message, "truncated"));
  assert_int_equal(err.line, 1);
  /* empty and whitespace-only */
  assert_int_equal(parse("", &doc, &err), -1);
  assert_non_null(strstr(err.message, "empty"));
  assert_int_equal(parse(" \n\n ", &doc, &err), -1);
  assert_int_equal(err.line, 3);
  /* trailing data, unterminated string, bad number */
  assert_int_equal(parse("{} {}", &doc, &err), -1);
  assert_non_null(strstr(err.message, "after the JSON value"));
  assert_int_equal(parse("[\"abc", &doc, &err), -1);
  assert_non_null(strstr(err.message, "unterminated string"));
  assert_int_equal(parse("[01]", &doc, &err), -1);
  assert_int_equal(parse("[1.]", &doc, &err), -1);
  assert_int_equal(parse("[-]", &doc, &err), -1);
}

static void json_limits_nesting_without_recursion_blowup(void **state) {
  (void)state;
  size_t depth = 200000;
  char *text = malloc(2 * depth + 1);
  memset(text, '[', depth);
  memset(text + depth, ']', depth);
  text[2 * depth] = '\0';
  anz_jdoc doc;
  anz_jerror err;
  assert_int_equal(parse(text, &doc, &err), -1);
  assert_non_null(strstr(err.message, "nesting deeper than"));
  assert_int_equal(err.col, ANZ_JSON_MAX_DEPTH + 1);
  /* exactly at the limit is fine */
  memset(text, '[', ANZ_JSON_MAX_DEPTH);
  memset(text + ANZ_JSON_MAX_DEPTH, ']', ANZ_JSON_MAX_DEPTH);
  text[2 * ANZ_JSON_MAX_DEPTH] = '\0';
  assert_int_equal(parse(text, &doc, &err), 0);
  anz_json_free(&doc);
  free(text);
}

static void json_decodes_strings(void **state) {
  (void)state;
  anz_jdoc doc;
  anz_jerror err;
  assert_int_equal(parse("{\"k\\u00e9y\": \"a\\\"b\\\\c\\n\\u20ac\\ud83d\\ude00\"}", &doc, &err), 0);
  const anz_jvalue *v = doc.root->u.first;
  assert_string_equal(v->key, "k\xc3\xa9y");
  assert_string_equal(anz_json_string(v), "a\"b\\c\n\xe2\x82\xac\xf0\x9f\x98\x80");
  /* numbers stored as strings (NVBench) */
  anz_json_free(&doc);
  assert_int_equal(parse("{\"v\": \"0.000243\", \"w\": \"abc\"}", &doc, &err), 0);
  int ok;
  assert_float_equal(anz_json_number(anz_json_get(doc.root, "v"), &ok), 0.000243, 1e-15);
  assert_true(ok);
  anz_json_number(anz_json_get(doc.root, "w"), &ok);
  assert_false(ok);
  anz_json_free(&doc);
}

/* ---------------------------------------------------------------- gbench */
static const char *gb_ours =
    "{\"context\": {\"date\": \"2026-11-27T03:20:54+00:00\", \"host_name\": \"vm\", \"json_schema_version\": 1,"
    " \"bw_peak\": 2e10, \"peak_compute_flops\": 1e12},\n"
    " \"benchmarks\": [\n"
    "  {\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:256/batch:2\", \"run_name\": \"BM_PAL_LatencyVsSeqLen/seq_len:256/batch:2\","
    "   \"run_type\": \"iteration\", \"real_time\": 10, \"time_unit\": \"us\", \"kernel\": \"pal\", \"seq_len\": 256,"
    "   \"batch\": 2, \"num_q_heads\": 32, \"dtype\": \"fp16\", \"bytes_per_second\": 1e9, \"flops_per_second\": 4e9},\n"
    "  {\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:256/batch:2\", \"run_name\": \"BM_PAL_LatencyVsSeqLen/seq_len:256/batch:2\","
    "   \"run_type\": \"iteration\", \"real_time\": 30, \"time_unit\": \"us\", \"kernel\": \"pal\", \"seq_len\": 256,"
    "   \"batch\": 2, \"num_q_heads\": 32, \"dtype\": \"fp16\", \"bytes_per_second\": 3e8},\n"
    "  {\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:256/batch:2\", \"run_name\": \"BM_PAL_LatencyVsSeqLen/seq_len:256/batch:2\","
    "   \"run_type\": \"iteration\", \"real_time\": 20, \"time_unit\": \"us\", \"kernel\": \"pal\", \"seq_len\": 256,"
    "   \"batch\": 2, \"num_q_heads\": 32, \"dtype\": \"fp16\", \"bytes_per_second\": 5e8},\n"
    "  {\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:256/batch:2_median\", \"run_name\": \"BM_PAL_LatencyVsSeqLen/seq_len:256/batch:2\","
    "   \"run_type\": \"aggregate\", \"aggregate_name\": \"median\", \"aggregate_unit\": \"time\", \"real_time\": 19,"
    "   \"time_unit\": \"us\", \"kernel\": \"pal\", \"seq_len\": 256, \"bytes_per_second\": 7e8}\n"
    " ]}";

static void gbench_takes_the_files_median_and_counters(void **state) {
  (void)state;
  anz_file_result fr = load_text(gb_ours, ANZ_STAT_MEDIAN);
  assert_false(fr.skipped);
  assert_string_equal(fr.format, "gbench");
  assert_string_equal(fr.version, "schema 1");
  assert_int_equal(fr.rows.n, 1);
  const anz_row *r = &fr.rows.v[0];
  assert_float_equal(r->time_s, 19e-6, 1e-15); /* the file's own median aggregate */
  assert_string_equal(r->stat_used, "median");
  assert_string_equal(r->spread_used, "iqr");
  assert_float_equal(r->low_s, 15e-6, 1e-15); /* q1 of 10,20,30 */
  assert_float_equal(r->high_s, 25e-6, 1e-15);
  assert_float_equal(r->counter[ANZ_C_BYTES_PER_SECOND], 7e8, 0); /* from the median row */
  assert_int_equal(r->kernel, ANZ_K_PAL);
  assert_int_equal(r->source, ANZ_SRC_CPP);
  assert_int_equal(r->study, ANZ_STUDY_SEQ_LEN);
  assert_string_equal(r->family, "BM_PAL_LatencyVsSeqLen");
  assert_float_equal(r->axis[ANZ_AX_SEQ_LEN], 256, 0);
  assert_float_equal(r->axis[ANZ_AX_EFFECTIVE_ITEMS], 64, 0); /* batch x q heads */
  assert_string_equal(r->saxis[ANZ_SX_DTYPE], "fp16");
  assert_string_equal(r->saxis[ANZ_SX_MACHINE], "vm");
  assert_float_equal(r->bw_peak, 2e10, 0);
  assert_float_equal(r->run_epoch, 1795749654.0, 0); /* 2026-11-27T03:20:54Z */
  anz_file_result_free(&fr);
  /* min and mean come from the repetitions when no aggregate has them */
  fr = load_text(gb_ours, ANZ_STAT_MIN);
  assert_float_equal(fr.rows.v[0].time_s, 10e-6, 1e-15);
  assert_string_equal(fr.rows.v[0].stat_used, "min");
  assert_float_equal(fr.rows.v[0].counter[ANZ_C_FLOPS_PER_SECOND], 4e9, 0); /* the min row's counters */
  anz_file_result_free(&fr);
  fr = load_text(gb_ours, ANZ_STAT_MEAN);
  assert_float_equal(fr.rows.v[0].time_s, 20e-6, 1e-15);
  anz_file_result_free(&fr);
}

/* An old-style file: no json_schema_version, no run_name/run_type, default
 * unit ns, seed positional arguments, errors and skips, NaN times. */
static const char *gb_old =
    "{\"context\": {\"date\": \"2025-05-17 10:30:15\", \"host_name\": \"mac\", \"library_build_type\": \"release\"},\n"
    " \"benchmarks\": [\n"
    "  {\"name\": \"BM_PAL_LatencyVsSeqLen/64/128_mean\", \"aggregate_name\": \"mean\", \"real_time\": 5000, \"cpu_time\": 1},\n"
    "  {\"name\": \"BM_PAL_LatencyVsSeqLen/64/128_median\", \"aggregate_name\": \"median\", \"real_time\": 4000},\n"
    "  {\"name\": \"BM_SDPA_LatencyVsNumItems/32\", \"real_time\": 2.5, \"time_unit\": \"ms\"},\n"
    "  {\"name\": \"BM_SDPA_ModelConfig_Llama3_70B_Sim\", \"real_time\": 1.5, \"time_unit\": \"s\"},\n"
    "  {\"name\": \"BM_broken/1\", \"error_occurred\": true, \"error_message\": \"device lost\"},\n"
    "  {\"name\": \"BM_skip/1\", \"skipped\": true, \"skip_message\": \"not on this CPU\"},\n"
    "  {\"name\": \"BM_nan/1\", \"real_time\": NaN, \"time_unit\": \"ns\"},\n"
    "  {\"name\": \"BM_unit/1\", \"real_time\": 1, \"time_unit\": \"fortnights\"},\n"
    "  42\n"
    " ]}";

static void gbench_old_layout_positional_errors(void **state) {
  (void)state;
  anz_file_result fr = load_text(gb_old, ANZ_STAT_MEDIAN);
  assert_false(fr.skipped);
  assert_int_equal(fr.rows.n, 3);
  const anz_row *pal = find_row(&fr, "BM_PAL_LatencyVsSeqLen/64/128");
  assert_non_null(pal);
  assert_string_equal(pal->name, "BM_PAL_LatencyVsSeqLen/64/128"); /* _median stripped */
  assert_float_equal(pal->time_s, 4000e-9, 1e-15);             /* ns by default */
  assert_float_equal(pal->axis[ANZ_AX_SEQ_LEN], 128, 0);
  assert_float_equal(pal->axis[ANZ_AX_ITEMS], 64, 0);
  const anz_row *sd = find_row(&fr, "BM_SDPA_LatencyVsNumItems");
  assert_float_equal(sd->time_s, 2.5e-3, 1e-12);
  assert_float_equal(sd->axis[ANZ_AX_BATCH], 32, 0);
  assert_int_equal(sd->kernel, ANZ_K_SDPA);
  assert_int_equal(sd->study, ANZ_STUDY_ITEMS);
  const anz_row *mc = find_row(&fr, "ModelConfig");
  assert_string_equal(mc->family, "BM_SDPA_ModelConfig");
  assert_string_equal(mc->saxis[ANZ_SX_MODEL], "Llama3_70B_Sim");
  assert_int_equal(mc->study, ANZ_STUDY_MODEL);
  assert_float_equal(mc->time_s, 1.5, 0);
  /* 5 rows reported: error, skip, NaN, bad unit, non-object */
  assert_int_equal(fr.rows_skipped, 5);
  int saw_error = 0, saw_skip = 0, saw_nan = 0, saw_unit = 0;
  for (size_t i = 0; i < fr.nskips; ++i) {
    saw_error |= strstr(fr.skips[i].reason, "error_occurred: device lost") != NULL;
    saw_skip |= strstr(fr.skips[i].reason, "skipped: not on this CPU") != NULL;
    saw_nan |= strstr(fr.skips[i].reason, "NaN") != NULL;
    saw_unit |= strstr(fr.skips[i].reason, "fortnights") != NULL;
  }
  assert_true(saw_error && saw_skip && saw_nan && saw_unit);
  anz_file_result_free(&fr);
}

/* ---------------------------------------------------------------- pytest */
static const char *py_v5 =
    "{\"machine_info\": {\"node\": \"vm\", \"cpu\": {\"brand_raw\": \"Xeon\"}}, \"commit_info\": {},"
    " \"datetime\": \"2026-11-27T04:00:00.123456+00:00\", \"version\": \"5.1.0\",\n"
    " \"benchmarks\": [\n"
    "  {\"group\": null, \"name\": \"test_pal_latency_vs_seq_len[512-fp16]\", \"params\": {\"seq_len\": 512},"
    "   \"param\": \"512-fp16\", \"extra_info\": {\"kernel\": \"pal\", \"seq_len\": 1024, \"batch\": 1, \"num_q_heads\": 8,"
    "   \"dtype\": \"float16\", \"bytes_per_second\": 5e9},"
    "   \"stats\": {\"min\": 0.001, \"max\": 0.004, \"mean\": 0.002, \"stddev\": 0.0005, \"rounds\": 10, \"median\": 0.0019,"
    "   \"q1\": 0.0015, \"q3\": 0.0025, \"iqr\": 0.001, \"ops\": 500, \"data\": [0.001, 0.002]}},\n"
    "  {\"name\": \"test_sdpa_latency_model_configs[Llama3_70B_Sim-model_params0]\", \"param\": \"Llama3_70B_Sim-model_params0\","
    "   \"params\": {\"model_params\": {\"nq\": 1}},"
    "   \"stats\": {\"min\": 0.01, \"max\": 0.04, \"mean\": 0.02, \"stddev\": 0.005, \"rounds\": 5, \"median\": 0.018}},\n"
    "  {\"name\": \"test_no_stats\"}\n"
    " ]}";

static void pytest_v5_extra_info_first(void **state) {
  (void)state;
  anz_file_result fr = load_text(py_v5, ANZ_STAT_MEDIAN);
  assert_false(fr.skipped);
  assert_string_equal(fr.format, "pytest-benchmark");
  assert_string_equal(fr.version, "5.1.0");
  assert_int_equal(fr.rows.n, 2);
  assert_int_equal(fr.rows_skipped, 1);
  const anz_row *r = find_row(&fr, "test_pal_latency_vs_seq_len");
  assert_int_equal(r->source, ANZ_SRC_PY);
  assert_float_equal(r->time_s, 0.0019, 1e-12);
  assert_float_equal(r->low_s, 0.0015, 1e-12);
  assert_float_equal(r->axis[ANZ_AX_SEQ_LEN], 1024, 0); /* extra_info beats params and the id */
  assert_string_equal(r->saxis[ANZ_SX_DTYPE], "fp16");
  assert_float_equal(r->axis[ANZ_AX_EFFECTIVE_ITEMS], 8, 0);
  assert_float_equal(r->counter[ANZ_C_BYTES_PER_SECOND], 5e9, 0);
  assert_int_equal(r->study, ANZ_STUDY_SEQ_LEN);
  assert_string_equal(r->family, "test_pal_latency_vs_seq_len");
  const anz_row *m = find_row(&fr, "model_configs");
  assert_string_equal(m->saxis[ANZ_SX_MODEL], "Llama3_70B_Sim");
  assert_int_equal(m->kernel, ANZ_K_SDPA);
  assert_int_equal(m->study, ANZ_STUDY_MODEL);
  anz_file_result_free(&fr);
}

static void pytest_v3_and_v4_layouts(void **state) {
  (void)state;
  /* 3.x: no ops, no data, params with seed-style names; 4.x: group set */
  const char *v3 =
      "{\"machine_info\": {\"node\": \"old\"}, \"datetime\": \"2019-01-01T00:00:00\", \"version\": \"3.2.3\","
      " \"benchmarks\": [{\"group\": null, \"name\": \"test_sdpa_latency_vs_batch_size[64]\","
      " \"params\": {\"batch_size_val\": 64}, \"param\": \"64\","
      " \"stats\": {\"min\": 1.0, \"max\": 3.0, \"mean\": 2.0, \"stddev\": 0.5, \"rounds\": 3, \"median\": 2.0,"
      " \"iqr\": 1.0, \"q1\": 1.5, \"q3\": 2.5}}]}";
  anz_file_result fr = load_text(v3, ANZ_STAT_MEAN);
  assert_int_equal(fr.rows.n, 1);
  assert_string_equal(fr.version, "3.2.3");
  assert_float_equal(fr.rows.v[0].time_s, 2.0, 0);
  assert_string_equal(fr.rows.v[0].spread_used, "stddev");
  assert_float_equal(fr.rows.v[0].axis[ANZ_AX_BATCH], 64, 0);
  assert_int_equal(fr.rows.v[0].study, ANZ_STUDY_ITEMS);
  anz_file_result_free(&fr);
  const char *v4 =
      "{\"machine_info\": {\"node\": \"n\"}, \"version\": \"4.0.0\", \"benchmarks\": [{\"group\": \"latency_vs_head_dim\","
      " \"name\": \"test_x[128]\", \"param\": \"128\", \"params\": {\"head_dim_val\": 128},"
      " \"stats\": {\"min\": 1e-3, \"max\": 2e-3, \"mean\": 1.5e-3, \"stddev\": 1e-4, \"rounds\": 3, \"median\": 1.4e-3}}]}";
  fr = load_text(v4, ANZ_STAT_MIN);
  assert_int_equal(fr.rows.n, 1);
  assert_string_equal(fr.rows.v[0].family, "latency_vs_head_dim");
  assert_float_equal(fr.rows.v[0].axis[ANZ_AX_HEAD_DIM], 128, 0);
  assert_float_equal(fr.rows.v[0].time_s, 1e-3, 0);
  anz_file_result_free(&fr);
}

/* ---------------------------------------------------------------- nvbench */
static const char *nvb =
    "{\"meta\": {\"version\": {\"json\": {\"string\": \"1.0.0\"}}},"
    " \"devices\": [{\"id\": 0, \"name\": \"NVIDIA H100\", \"global_memory_bus_bandwidth\": 3.35e12}],"
    " \"benchmarks\": [{\"name\": \"paged_attention_decode\", \"states\": [\n"
    "  {\"name\": \"Device=0 SeqLen=2^10 T=F16\", \"device\": 0,"
    "   \"axis_values\": [{\"name\": \"SeqLen\", \"type\": \"int64\", \"value\": \"1024\"}, {\"name\": \"T\", \"type\": \"type\", \"value\": \"F16\"}],"
    "   \"summaries\": [{\"tag\": \"nv/cold/time/gpu/mean\", \"data\": [{\"name\": \"value\", \"type\": \"float64\", \"value\": \"0.000250\"}]},"
    "                  {\"tag\": \"nv/cold/time/gpu/stdev/relative\", \"data\": [{\"name\": \"value\", \"type\": \"float64\", \"value\": \"0.02\"}]},"
    "                  {\"tag\": \"nv/cold/bw/global/bytes_per_second\", \"data\": [{\"name\": \"value\", \"type\": \"float64\", \"value\": \"2.1e12\"}]}],"
    "   \"is_skipped\": false},\n"
    "  {\"name\": \"Device=0 SeqLen=2^20 T=F16\", \"device\": 0, \"is_skipped\": true, \"skip_reason\": \"out of memory\"},\n"
    "  {\"name\": \"Device=0 SeqLen=2^11 T=F16\", \"device\": 0, \"summaries\": [{\"tag\": \"nv/cold/time/gpu/mean\", \"data\": [{\"name\": \"value\", \"value\": null}]}]}\n"
    " ]}]}";

static void nvbench_string_numbers_and_skips(void **state) {
  (void)state;
  anz_file_result fr = load_text(nvb, ANZ_STAT_MEDIAN);
  assert_false(fr.skipped);
  assert_string_equal(fr.format, "nvbench");
  assert_string_equal(fr.version, "1.0.0");
  assert_int_equal(fr.rows.n, 1);
  assert_int_equal(fr.rows_skipped, 2);
  const anz_row *r = &fr.rows.v[0];
  assert_int_equal(r->source, ANZ_SRC_NVBENCH);
  assert_float_equal(r->time_s, 0.00025, 1e-15); /* no median in the file: the mean */
  assert_string_equal(r->stat_used, "mean");
  assert_float_equal(r->high_s, 0.00025 * 1.02, 1e-12);
  assert_float_equal(r->axis[ANZ_AX_SEQ_LEN], 1024, 0);
  assert_string_equal(r->saxis[ANZ_SX_DTYPE], "fp16");
  assert_string_equal(r->saxis[ANZ_SX_MACHINE], "NVIDIA H100");
  assert_float_equal(r->bw_peak, 3.35e12, 0);
  assert_int_equal(r->kernel, ANZ_K_PAL); /* "paged" in the name */
  assert_non_null(strstr(fr.skips[0].reason, "skipped: out of memory"));
  anz_file_result_free(&fr);
}

/* ---------------------------------------------------------------- bad input */
static void bad_files_say_where_and_why(void **state) {
  (void)state;
  static const struct {
    const char *text, *expect;
  } cases[] = {
      {"", "mem.json:1:1: not valid JSON: empty file"},
      {"{\"context\": {}, \"benchmarks\": [", "mem.json:1:32: not valid JSON: truncated"},
      {"hello", "mem.json:1:1: not valid JSON: unexpected character 'h'"},
      {"[1, 2]", "mem.json:1:1: not a benchmark result"},
      {"{\"foo\": 1}", "mem.json:1:1: unknown format: no \"benchmarks\" member"},
      {"{\"context\": {}, \"benchmarks\": {}}", "mem.json:1:31: wrong schema: \"benchmarks\" is not an array"},
      {"{\"benchmarks\": [{\"x\": 1}]}", "mem.json:1:17: unknown format"},
      {"{\"context\": 5, \"benchmarks\": []}", "mem.json:1:13: wrong schema: \"context\" is not an object"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    anz_file_result fr = load_text(cases[i].text, ANZ_STAT_MEDIAN);
    assert_true(fr.skipped);
    if (!strstr(fr.reason, cases[i].expect)) fail_msg("case %zu: got '%s', want '%s'", i, fr.reason, cases[i].expect);
    assert_int_equal(fr.rows.n, 0);
    anz_file_result_free(&fr);
  }
  /* our own results.json is recognised by content, not an error */
  anz_file_result fr = load_text("{\"summary_metrics\": {}, \"plot_files\": {}}", ANZ_STAT_MEDIAN);
  assert_true(fr.own_output);
  anz_file_result_free(&fr);
}

static void nan_laden_file_keeps_good_rows(void **state) {
  (void)state;
  const char *t =
      "{\"context\": {\"load_avg\": [NaN, Infinity]}, \"benchmarks\": ["
      "{\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:64\", \"real_time\": NaN, \"time_unit\": \"ns\", \"bytes_per_second\": NaN},"
      "{\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:128\", \"real_time\": 100, \"time_unit\": \"ns\", \"bytes_per_second\": -Infinity},"
      "{\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:256\", \"real_time\": Infinity, \"time_unit\": \"ns\"}]}";
  anz_file_result fr = load_text(t, ANZ_STAT_MEDIAN);
  assert_false(fr.skipped);
  assert_int_equal(fr.rows.n, 1);
  assert_int_equal(fr.rows_skipped, 2);
  assert_float_equal(fr.rows.v[0].axis[ANZ_AX_SEQ_LEN], 128, 0);
  anz_file_result_free(&fr);
}

/* ---------------------------------------------------------------- normalisation */
static void normalisation_rules(void **state) {
  (void)state;
  assert_int_equal(anz_axis_lookup("seq_len_val").index, ANZ_AX_SEQ_LEN);
  assert_int_equal(anz_axis_lookup("SeqLen").index, ANZ_AX_SEQ_LEN);
  assert_int_equal(anz_axis_lookup("history_len_val").index, ANZ_AX_SEQ_LEN);
  assert_int_equal(anz_axis_lookup("num_query_items_val").index, ANZ_AX_ITEMS);
  assert_int_equal(anz_axis_lookup("batch_size").index, ANZ_AX_BATCH);
  assert_int_equal(anz_axis_lookup("tokens_per_page").index, ANZ_AX_PAGE_SIZE);
  assert_int_equal(anz_axis_lookup("model_config_name").kind, ANZ_REF_STR);
  assert_int_equal(anz_axis_lookup("real_time").kind, ANZ_REF_NONE);
  anz_strings s = {0};
  assert_string_equal(anz_dtype_normalize(&s, "UNSERIALIZABLE[mlx.core.float16]"), "fp16");
  assert_string_equal(anz_dtype_normalize(&s, "torch.bfloat16"), "bf16");
  assert_string_equal(anz_dtype_normalize(&s, "F32"), "fp32");
  assert_string_equal(anz_dtype_normalize(&s, "E4M3"), "e4m3");
  anz_strings_free(&s);
  assert_int_equal(anz_kernel_classify("BM_PAL_LatencyVsSeqLen"), ANZ_K_PAL);
  assert_int_equal(anz_kernel_classify("test_sdpa_latency_vs_seq_len"), ANZ_K_SDPA);
  assert_int_equal(anz_kernel_classify("BM_MLX_SDPA_DecodeLatency"), ANZ_K_SDPA);
  assert_int_equal(anz_kernel_classify("PagedAttention"), ANZ_K_PAL);
  assert_int_equal(anz_kernel_classify("principal_components"), ANZ_K_OTHER);
  assert_int_equal(anz_study_from_family("BM_PAL_DecodeLatencyVsHistoryLen"), ANZ_STUDY_SEQ_LEN);
  assert_int_equal(anz_study_from_family("test_pal_latency_vs_query_items"), ANZ_STUDY_ITEMS);
  assert_int_equal(anz_study_from_family("test_pal_latency_model_configs"), ANZ_STUDY_MODEL);
  assert_int_equal(anz_study_from_family("BM_memcpy"), ANZ_STUDY_NONE);
  assert_float_equal(anz_parse_date("1970-01-02T00:00:00Z"), 86400, 0);
  assert_float_equal(anz_parse_date("1970-01-02T01:00:00+01:00"), 86400, 0);
  assert_float_equal(anz_parse_date("1970-01-01T00:00:01.5"), 1.5, 0);
  assert_true(isnan(anz_parse_date("yesterday")));
  assert_float_equal(anz_filename_epoch("/x/cpp_all_BM_X_19700102_000001.json"), 86401, 0);
  assert_true(isnan(anz_filename_epoch("plain.json")));
}

/* ---------------------------------------------------------------- table + results */
static char tmpdir[256];

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  size_t got = fread(buf, 1, (size_t)n, f);
  fclose(f);
  buf[got] = '\0';
  if (len) *len = got;
  return buf;
}

/* What a run wrote to f (a tmpfile it reported to), from the start. Caller frees. */
static char *read_back(FILE *f) {
  fflush(f);
  long n = ftell(f);
  rewind(f);
  char *text = malloc((size_t)(n > 0 ? n : 0) + 1);
  assert_non_null(text);
  size_t got = fread(text, 1, (size_t)(n > 0 ? n : 0), f);
  text[got] = '\0';
  return text;
}

/* dir/results.json, parsed; *text owns the bytes and is freed after the doc. */
static void load_results(const char *dir, anz_jdoc *doc, char **text) {
  char rp[512];
  snprintf(rp, sizeof rp, "%s/results.json", dir);
  size_t len = 0;
  *text = slurp(rp, &len);
  assert_non_null(*text);
  anz_jerror jerr;
  assert_int_equal(anz_json_parse(*text, len, doc, &jerr), 0);
}

/* A fresh tmpdir for a test that runs the analyzer on files. */
static void make_tmpdir(void) {
  snprintf(tmpdir, sizeof tmpdir, "/tmp/pal_test_analyze_XXXXXX");
  assert_non_null(mkdtemp(tmpdir));
}

/* Ends a test that made tmpdir with make_tmpdir. */
static void remove_tmpdir(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  assert_int_equal(system(cmd), 0);
}

static void write_file(const char *name, const char *text) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", tmpdir, name);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static const char *run_tpl =
    "{\"context\": {\"date\": \"%s\", \"host_name\": \"vm\"}, \"benchmarks\": ["
    "{\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:64\", \"run_type\": \"iteration\", \"real_time\": %d, \"time_unit\": \"ns\"}]}";

static void newest_run_wins_unless_all_runs(void **state) {
  (void)state;
  make_tmpdir();
  char text[512];
  snprintf(text, sizeof text, run_tpl, "2026-01-02T00:00:00+00:00", 200);
  write_file("b_new.json", text);
  snprintf(text, sizeof text, run_tpl, "2026-01-01T00:00:00+00:00", 100);
  write_file("c_old.json", text);
  write_file("results.json", "{\"summary_metrics\": {}, \"plot_files\": {}}");
  write_file("a_broken.json", "{\"context\": {}, \"benchmarks\": [");
  const char *inputs[] = {tmpdir};
  anz_options o = {.inputs = inputs, .ninputs = 1, .output_dir = tmpdir, .stat = ANZ_STAT_MEDIAN,
                   .no_plots = 1, .out = stdout, .err = stderr};
  char **paths;
  size_t n;
  assert_int_equal(anz_collect_inputs(&o, &paths, &n), 0);
  assert_int_equal(n, 3); /* results.json is never an input */
  anz_table t;
  assert_int_equal(anz_table_load(&o, paths, n, &t), 0);
  assert_int_equal(t.nrows, 1);
  assert_int_equal(t.rows_superseded, 1);
  assert_float_equal(t.rows[0]->time_s, 200e-9, 1e-18);
  anz_table_free(&t);
  o.all_runs = 1;
  assert_int_equal(anz_table_load(&o, paths, n, &t), 0);
  assert_int_equal(t.nrows, 2);
  anz_table_free(&t);
  for (size_t i = 0; i < n; ++i) free(paths[i]);
  free(paths);

  /* the whole run: results.json lists inputs, skips and plot statuses */
  o.all_runs = 0;
  o.strict = 0;
  assert_int_equal(anz_run(&o), 0);
  o.strict = 1;
  assert_int_equal(anz_run(&o), 1); /* a_broken.json was skipped */
  anz_jdoc doc;
  char *rj;
  load_results(tmpdir, &doc, &rj);
  const anz_jvalue *in = anz_json_get(doc.root, "inputs");
  assert_float_equal(anz_json_number(anz_json_get(in, "files_read"), NULL), 2, 0);
  assert_float_equal(anz_json_number(anz_json_get(in, "files_skipped"), NULL), 1, 0);
  assert_float_equal(anz_json_number(anz_json_get(in, "rows_superseded"), NULL), 1, 0);
  const anz_jvalue *sk = anz_json_get(in, "skipped");
  assert_non_null(strstr(anz_json_string(anz_json_get(sk->u.first, "reason")), "a_broken.json:1:32: not valid JSON"));
  assert_non_null(anz_json_string(anz_json_get(doc.root, "generated_at")));
  assert_non_null(anz_json_string(anz_json_get(doc.root, "version")));
  const anz_jvalue *sm = anz_json_get(doc.root, "summary_metrics");
  const anz_jvalue *seq = anz_json_get(sm, "latency_vs_seq_len");
  assert_non_null(seq);
  const anz_jvalue *pt = anz_json_get(seq, "points")->u.first;
  assert_float_equal(anz_json_number(anz_json_get(pt, "latency_ms"), NULL), 200e-6, 1e-12);
  assert_string_equal(anz_json_string(anz_json_get(anz_json_get(seq, "units"), "latency_ms")), "milliseconds per call");
  const anz_jvalue *plots = anz_json_get(doc.root, "plots");
  assert_string_equal(anz_json_string(anz_json_get(anz_json_get(plots, "latency_vs_seq_len"), "status")), "sources_only");
  assert_string_equal(anz_json_string(anz_json_get(anz_json_get(plots, "roofline"), "status")), "skipped");
  assert_non_null(anz_json_string(anz_json_get(anz_json_get(plots, "roofline"), "note")));
  anz_json_free(&doc);
  free(rj);
  remove_tmpdir();
}

/* ---------------------------------------------------------------- probe_suspect */
static void probe_judge_derives_and_trusts_the_file(void **state) {
  (void)state;
  double c[ANZ_C_COUNT];
  anz_probe_verdict v;
#define RESET() for (int i_ = 0; i_ < ANZ_C_COUNT; ++i_) c[i_] = NAN
  /* no field: derived from bw_util / flop_util against 1 + ANZ_PROBE_MARGIN */
  RESET();
  c[ANZ_C_BW_UTIL] = 1.31;
  anz_probe_judge(-1, NULL, c, 1e9, NAN, &v);
  assert_true(v.suspect);
  assert_false(v.from_file);
  assert_string_equal(v.counter, "bw_util");
  assert_float_equal(v.value, 1.31, 0);
  c[ANZ_C_BW_UTIL] = 1.0 + ANZ_PROBE_MARGIN; /* at the margin: noise, not a finding */
  anz_probe_judge(-1, NULL, c, 1e9, NAN, &v);
  assert_false(v.suspect);
  c[ANZ_C_BW_UTIL] = 1.03;
  anz_probe_judge(-1, NULL, c, 1e9, NAN, &v);
  assert_false(v.suspect);
  /* the larger of the two names the row */
  c[ANZ_C_BW_UTIL] = 1.1;
  c[ANZ_C_FLOP_UTIL] = 1.2;
  anz_probe_judge(-1, NULL, c, 1e9, 1e12, &v);
  assert_true(v.suspect);
  assert_string_equal(v.counter, "flop_util");
  assert_float_equal(v.value, 1.2, 0);
  /* no utilisation in the file (another tool): rate / peak */
  RESET();
  c[ANZ_C_BYTES_PER_SECOND] = 1.1e9;
  anz_probe_judge(-1, NULL, c, 1e9, NAN, &v);
  assert_true(v.suspect);
  assert_string_equal(v.counter, "bw_util");
  assert_float_equal(v.value, 1.1, 1e-12);
  RESET();
  c[ANZ_C_FLOPS_PER_SECOND] = 3e12;
  anz_probe_judge(-1, NULL, c, NAN, 2e12, &v);
  assert_true(v.suspect);
  assert_string_equal(v.counter, "flop_util");
  assert_float_equal(v.value, 1.5, 1e-12);
  /* nothing to judge by: not flagged */
  RESET();
  anz_probe_judge(-1, NULL, c, NAN, NAN, &v);
  assert_false(v.suspect);
  /* the file's field decides when present */
  c[ANZ_C_BW_UTIL] = 1.3;
  anz_probe_judge(0, NULL, c, 1e9, NAN, &v);
  assert_false(v.suspect);
  assert_true(v.from_file);
  RESET();
  c[ANZ_C_FLOP_UTIL] = 1.31;
  c[ANZ_C_BW_UTIL] = 0.2;
  anz_probe_judge(1, "flop_util", c, 1e9, 1e12, &v);
  assert_true(v.suspect && v.from_file);
  assert_string_equal(v.counter, "flop_util");
  assert_float_equal(v.value, 1.31, 0);
  anz_probe_judge(1, "amx_util", c, 1e9, 1e12, &v); /* a counter we do not know: named, no value */
  assert_true(v.suspect);
  assert_string_equal(v.counter, "amx_util");
  assert_true(isnan(v.value));
  /* merge: a row is suspect when any of its verdicts is; the highest value is kept */
  anz_row r;
  anz_row_init(&r);
  anz_probe_verdict a = {1, 0, "bw_util", 1.2}, b = {1, 1, "flop_util", 1.4}, z = {0, 1, NULL, NAN};
  anz_probe_merge(&r, &z);
  assert_false(r.probe_suspect);
  anz_probe_merge(&r, &a);
  anz_probe_merge(&r, &b);
  anz_probe_merge(&r, &a);
  assert_true(r.probe_suspect && r.probe_suspect_from_file);
  assert_string_equal(r.probe_counter, "flop_util");
  assert_float_equal(r.probe_value, 1.4, 0);
#undef RESET
}

/* An older pal bench: utilisations but no probe_suspect, no roof names. */
static const char *gb_suspect_old =
    "{\"context\": {\"host_name\": \"vm\", \"bw_peak\": 5e9, \"bw_peak_isa\": \"avx2\", \"peak_fp32_flops\": 5e11,"
    " \"peak_fp32_isa\": \"avx2_fma\", \"peak_bf16_flops\": 0, \"peak_compute_flops\": 5e11},\n"
    " \"benchmarks\": [\n"
    "  {\"name\": \"BM_PAL_Decode/seq_len:4096\", \"run_name\": \"BM_PAL_Decode/seq_len:4096\", \"run_type\": \"iteration\","
    "   \"real_time\": 100, \"time_unit\": \"us\", \"bytes_per_second\": 6.5e9, \"flops_per_second\": 6.5e9, \"bw_util\": 1.3},\n"
    "  {\"name\": \"BM_PAL_Decode/seq_len:4096\", \"run_name\": \"BM_PAL_Decode/seq_len:4096\", \"run_type\": \"iteration\","
    "   \"real_time\": 90, \"time_unit\": \"us\", \"bytes_per_second\": 7.2e9, \"flops_per_second\": 7.2e9, \"bw_util\": 1.44},\n"
    "  {\"name\": \"BM_PAL_Decode/seq_len:4096_median\", \"run_name\": \"BM_PAL_Decode/seq_len:4096\", \"run_type\": \"aggregate\","
    "   \"aggregate_name\": \"median\", \"aggregate_unit\": \"time\", \"real_time\": 95, \"time_unit\": \"us\","
    "   \"bytes_per_second\": 6.8e9, \"flops_per_second\": 6.8e9, \"bw_util\": 1.37},\n"
    /* a spread's counters are not rates: never judged */
    "  {\"name\": \"BM_PAL_Decode/seq_len:64_stddev\", \"run_name\": \"BM_PAL_Decode/seq_len:64\", \"run_type\": \"aggregate\","
    "   \"aggregate_name\": \"stddev\", \"aggregate_unit\": \"time\", \"real_time\": 1, \"time_unit\": \"us\", \"bw_util\": 3.0},\n"
    "  {\"name\": \"BM_PAL_Decode/seq_len:64\", \"run_name\": \"BM_PAL_Decode/seq_len:64\", \"run_type\": \"iteration\","
    "   \"real_time\": 10, \"time_unit\": \"us\", \"bytes_per_second\": 5.1e9, \"bw_util\": 1.02},\n"
    /* flop_util against the fp32 peak: that is its roof */
    "  {\"name\": \"BM_PAL_Prefill/seq_len:1024\", \"run_name\": \"BM_PAL_Prefill/seq_len:1024\", \"run_type\": \"iteration\","
    "   \"real_time\": 10, \"time_unit\": \"us\", \"bytes_per_second\": 1e9, \"flops_per_second\": 6e11, \"bw_util\": 0.2,"
    "   \"flop_util\": 1.2}\n"
    " ]}";

static void gbench_old_file_is_judged(void **state) {
  (void)state;
  anz_file_result fr = load_text(gb_suspect_old, ANZ_STAT_MEDIAN);
  assert_false(fr.skipped);
  assert_int_equal(fr.rows.n, 3);
  const anz_row *d = find_row(&fr, "Decode/seq_len:4096");
  assert_true(d->probe_suspect);
  assert_false(d->probe_suspect_from_file);
  assert_string_equal(d->probe_counter, "bw_util");
  assert_float_equal(d->probe_value, 1.37, 0); /* the median's own value, the one plotted */
  assert_string_equal(d->bw_roof, "bw_peak (avx2)");
  assert_string_equal(d->flop_roof, "peak_compute_flops");
  const anz_row *s = find_row(&fr, "Decode/seq_len:64");
  assert_false(s->probe_suspect); /* 1.02 is within the margin; the stddev row's 3.0 is not a rate */
  const anz_row *p = find_row(&fr, "Prefill");
  assert_true(p->probe_suspect);
  assert_string_equal(p->probe_counter, "flop_util");
  assert_float_equal(p->probe_value, 1.2, 0);
  assert_string_equal(p->flop_roof, "peak_fp32_flops (avx2_fma)");
  assert_float_equal(p->flop_peak, 5e11, 1);
  anz_file_result_free(&fr);
  /* --stat min: the fastest repetition is over too, and it is the one named */
  fr = load_text(gb_suspect_old, ANZ_STAT_MIN);
  d = find_row(&fr, "Decode/seq_len:4096");
  assert_true(d->probe_suspect);
  assert_float_equal(d->probe_value, 1.44, 0);
  anz_file_result_free(&fr);
}

/* pal bench as it writes now: each row says probe_suspect and names its roofs. */
static void gbench_new_fields_are_kept(void **state) {
  (void)state;
  const char *t =
      "{\"context\": {\"host_name\": \"xeon\", \"bw_peak\": 1e11, \"peak_fp32_flops\": 2e12, \"peak_bf16_flops\": 8e12,"
      " \"peak_compute_flops\": 8e12},\n"
      " \"benchmarks\": [\n"
      "  {\"name\": \"BM_PAL_Prefill/dtype:fp32\", \"run_type\": \"iteration\", \"real_time\": 10, \"time_unit\": \"us\","
      "   \"flops_per_second\": 2.62e12, \"bytes_per_second\": 2e10, \"flop_util\": 1.31, \"bw_util\": 0.2,"
      "   \"flop_roof\": \"fp32_fma256\", \"flop_peak\": 2e12, \"bw_roof\": \"stream_read\","
      "   \"probe_suspect\": 1, \"probe_suspect_counter\": \"flop_util\"},\n"
      /* the file says no: it decides, even where the analyzer would have said yes */
      "  {\"name\": \"BM_PAL_Decode/dtype:fp16\", \"run_type\": \"iteration\", \"real_time\": 10, \"time_unit\": \"us\","
      "   \"bytes_per_second\": 1.08e11, \"bw_util\": 1.08, \"flop_roof\": \"amx_bf16\", \"flop_peak\": 8e12,"
      "   \"probe_suspect\": false}\n"
      " ]}";
  anz_file_result fr = load_text(t, ANZ_STAT_MEDIAN);
  assert_int_equal(fr.rows.n, 2);
  const anz_row *p = find_row(&fr, "Prefill");
  assert_true(p->probe_suspect && p->probe_suspect_from_file);
  assert_string_equal(p->probe_counter, "flop_util");
  assert_float_equal(p->probe_value, 1.31, 0);
  assert_string_equal(p->flop_roof, "fp32_fma256");
  assert_float_equal(p->flop_peak, 2e12, 0);
  assert_string_equal(p->bw_roof, "stream_read");
  assert_float_equal(p->counter[ANZ_C_FLOP_UTIL], 1.31, 0);
  const anz_row *d = find_row(&fr, "Decode");
  assert_false(d->probe_suspect);
  assert_string_equal(d->flop_roof, "amx_bf16");
  assert_string_equal(d->bw_roof, "bw_peak"); /* named after the context key when the row does not */
  anz_file_result_free(&fr);
}

static void pytest_and_nvbench_rows_are_judged(void **state) {
  (void)state;
  const char *py =
      "{\"machine_info\": {\"node\": \"vm\", \"bw_peak\": 5e9}, \"benchmarks\": [\n"
      "  {\"name\": \"test_pal_decode[4096]\", \"extra_info\": {\"bytes_per_second\": 5.5e9},"
      "   \"stats\": {\"median\": 0.001, \"mean\": 0.001}},\n"
      "  {\"name\": \"test_pal_decode[512]\", \"extra_info\": {\"bytes_per_second\": 2e9},"
      "   \"stats\": {\"median\": 0.001, \"mean\": 0.001}},\n"
      "  {\"name\": \"test_pal_prefill[1]\", \"extra_info\": {\"flop_util\": 0.5, \"probe_suspect\": true,"
      "   \"probe_suspect_counter\": \"flop_util\", \"flop_roof\": \"amx_bf16\", \"flop_peak\": 8e12},"
      "   \"stats\": {\"median\": 0.001, \"mean\": 0.001}}\n"
      " ]}";
  anz_file_result fr = load_text(py, ANZ_STAT_MEDIAN);
  assert_int_equal(fr.rows.n, 3);
  const anz_row *a = find_row(&fr, "decode[4096]");
  assert_true(a->probe_suspect);
  assert_string_equal(a->probe_counter, "bw_util");
  assert_float_equal(a->probe_value, 1.1, 1e-12);
  assert_string_equal(a->bw_roof, "bw_peak");
  assert_false(find_row(&fr, "decode[512]")->probe_suspect);
  const anz_row *p = find_row(&fr, "prefill");
  assert_true(p->probe_suspect && p->probe_suspect_from_file);
  assert_string_equal(p->flop_roof, "amx_bf16");
  assert_float_equal(p->probe_value, 0.5, 0);
  anz_file_result_free(&fr);
  const char *nv =
      "{\"meta\": {}, \"devices\": [{\"id\": 0, \"name\": \"GPU\", \"global_memory_bus_bandwidth\": 1e12}],"
      " \"benchmarks\": [{\"name\": \"paged_decode\", \"states\": [\n"
      "  {\"name\": \"Device=0 L=1\", \"device\": 0, \"summaries\": ["
      "   {\"tag\": \"nv/cold/time/gpu/mean\", \"data\": [{\"name\": \"value\", \"value\": \"1e-5\"}]},"
      "   {\"tag\": \"nv/cold/bw/global/utilization\", \"data\": [{\"name\": \"value\", \"value\": \"1.2\"}]}]}]}]}";
  fr = load_text(nv, ANZ_STAT_MEDIAN);
  assert_int_equal(fr.rows.n, 1);
  assert_true(fr.rows.v[0].probe_suspect);
  assert_float_equal(fr.rows.v[0].probe_value, 1.2, 1e-12);
  assert_string_equal(fr.rows.v[0].bw_roof, "global_memory_bus_bandwidth");
  anz_file_result_free(&fr);
}

/* results.json: the top-level section, the counts, the roofline's note; the warning on stderr. */
static void results_json_lists_probe_suspect_rows(void **state) {
  (void)state;
  make_tmpdir();
  write_file("old.json", gb_suspect_old);
  const char *inputs[] = {tmpdir};
  FILE *err = tmpfile(), *out = tmpfile();
  assert_non_null(err);
  assert_non_null(out);
  anz_options o = {.inputs = inputs, .ninputs = 1, .output_dir = tmpdir, .stat = ANZ_STAT_MEDIAN,
                   .no_plots = 1, .out = out, .err = err};
  assert_int_equal(anz_run(&o), 0); /* a finding, not a failure */
  char *text = read_back(err);
  fclose(err);
  fclose(out);
  assert_non_null(strstr(text, "WARNING: 2 of 3 results are above the probed roof"));
  assert_non_null(strstr(text, "BM_PAL_Decode/seq_len:4096"));
  assert_non_null(strstr(text, "bw_util 1.37 of bw_peak (avx2)"));
  free(text);
  anz_jdoc doc;
  char *rj;
  load_results(tmpdir, &doc, &rj);
  const anz_jvalue *ps = anz_json_get(doc.root, "probe_suspect");
  assert_non_null(ps);
  assert_float_equal(anz_json_number(anz_json_get(ps, "count"), NULL), 2, 0);
  assert_float_equal(anz_json_number(anz_json_get(ps, "margin"), NULL), ANZ_PROBE_MARGIN, 1e-12);
  const anz_jvalue *rows = anz_json_get(ps, "rows");
  assert_int_equal(rows->len, 2);
  int saw_bw = 0, saw_flop = 0;
  for (const anz_jvalue *r = rows->u.first; r; r = r->next) {
    const char *c = anz_json_string(anz_json_get(r, "counter"));
    assert_non_null(strstr(anz_json_string(anz_json_get(r, "file")), "old.json"));
    assert_string_equal(anz_json_string(anz_json_get(r, "flagged_by")), "pal analyze");
    if (!strcmp(c, "bw_util")) {
      saw_bw = 1;
      assert_string_equal(anz_json_string(anz_json_get(r, "name")), "BM_PAL_Decode/seq_len:4096");
      assert_float_equal(anz_json_number(anz_json_get(r, "value"), NULL), 1.37, 1e-9);
      assert_string_equal(anz_json_string(anz_json_get(r, "roof")), "bw_peak (avx2)");
      assert_float_equal(anz_json_number(anz_json_get(r, "peak"), NULL), 5e9, 0);
    } else {
      saw_flop = !strcmp(c, "flop_util");
      assert_string_equal(anz_json_string(anz_json_get(r, "roof")), "peak_fp32_flops (avx2_fma)");
    }
  }
  assert_true(saw_bw && saw_flop);
  assert_float_equal(anz_json_number(anz_json_get(anz_json_get(doc.root, "inputs"), "rows_probe_suspect"), NULL), 2, 0);
  /* the roofline (sources only here) counts its marked points and carries the note drawn on it */
  const anz_jvalue *rf = anz_json_get(anz_json_get(doc.root, "summary_metrics"), "roofline");
  assert_non_null(rf);
  assert_float_equal(anz_json_number(anz_json_get(rf, "points_probe_suspect"), NULL), 2, 0);
  assert_string_equal(anz_json_string(anz_json_get(rf, "annotation")),
                      "2 of 2 points above the probed roof: the probe under-reads this machine (probe_suspect)");
  int marked = 0;
  for (const anz_jvalue *pt = anz_json_get(rf, "points")->u.first; pt; pt = pt->next)
    marked += anz_json_get(pt, "probe_suspect")->type == ANZ_JTRUE;
  assert_int_equal(marked, 2);
  anz_json_free(&doc);
  free(rj);
  /* the gnuplot script marks them and says so on the image */
  char rp[512];
  snprintf(rp, sizeof rp, "%s/roofline.gp", tmpdir);
  char *buf = slurp(rp, NULL);
  assert_non_null(buf);
  assert_non_null(strstr(buf, "2 of 2 points above the probed roof"));
  assert_non_null(strstr(buf, "title \"probe_suspect: above its probed roof"));
  assert_non_null(strstr(buf, "peak_fp32_flops (avx2_fma)"));
  /* the legend is the strip under the panel, never inside it */
  assert_non_null(strstr(buf, "# legend"));
  assert_non_null(strstr(buf, "set key at screen"));
  free(buf);
  remove_tmpdir();
}

/* pal bench --budget: what the run's time budget dropped, from either format; old files unchanged. */
static const char *gb_budget =
    "{\"context\": {\"host_name\": \"vm\", \"budget_s\": 412.0, \"dropped\": ["
    " {\"name\": \"BM_PAL_Prefill/seq_len:4096\", \"reason\": \"est. 11.5 s/call > 8.2 s left\", \"est_call_s\": 11.24,"
    "  \"after_round\": 0},"
    " {\"name\": \"BM_PAL_Prefill/seq_len:4096\", \"reason\": \"again\"}, {\"reason\": \"no name: ignored\"}],"
    " \"plan\": {\"counts\": {\"dropped\": 1}, \"trimmed\": []}},"
    " \"benchmarks\": [{\"name\": \"BM_PAL_Prefill/seq_len:64\", \"run_type\": \"iteration\", \"iterations\": 1,"
    "  \"real_time\": 2.0, \"time_unit\": \"us\"}]}";

static void budget_dropped_instances_are_listed(void **state) {
  (void)state;
  anz_file_result fr = load_text(gb_budget, ANZ_STAT_MEDIAN);
  assert_false(fr.skipped);
  assert_int_equal(fr.rows.n, 1);
  assert_true(fr.has_budget);
  assert_float_equal(fr.budget_s, 412.0, 0);
  assert_int_equal(fr.ndropped, 1); /* listed twice, counted once; the nameless entry ignored */
  assert_string_equal(fr.dropped[0].name, "BM_PAL_Prefill/seq_len:4096");
  assert_string_equal(fr.dropped[0].reason, "est. 11.5 s/call > 8.2 s left");
  assert_float_equal(fr.dropped[0].est_call_s, 11.24, 1e-12);
  anz_file_result_free(&fr);
  const char *py =
      "{\"machine_info\": {\"node\": \"vm\"}, \"pal_plan\": {\"file\": \"p.json\", \"budget_s\": 233, \"method\": \"m\","
      " \"planned_s\": 147.4, \"dropped\": [{\"name\": \"test_pal[8192]\", \"reason\": \"276.4 s > 8.2 s left\"}]},"
      " \"benchmarks\": [{\"name\": \"test_pal[64]\", \"stats\": {\"median\": 1e-5, \"mean\": 1e-5, \"rounds\": 1}}]}";
  fr = load_text(py, ANZ_STAT_MEDIAN);
  assert_int_equal(fr.rows.n, 1);
  assert_true(fr.has_budget);
  assert_float_equal(fr.budget_s, 233.0, 0);
  assert_int_equal(fr.ndropped, 1);
  assert_string_equal(fr.dropped[0].reason, "276.4 s > 8.2 s left");
  assert_true(isnan(fr.dropped[0].est_call_s));
  anz_file_result_free(&fr);
  fr = load_text("{\"context\": {}, \"benchmarks\": [{\"name\": \"BM_x\", \"run_type\": \"iteration\", \"real_time\": 1,"
                 " \"time_unit\": \"ns\", \"iterations\": 1}]}",
                 ANZ_STAT_MEDIAN);
  assert_int_equal(fr.rows.n, 1);
  assert_false(fr.has_budget);
  assert_int_equal(fr.ndropped, 0);
  anz_file_result_free(&fr);

  /* results.json "dropped" and "budget", and the line on stderr */
  make_tmpdir();
  write_file("budget.json", gb_budget);
  const char *inputs[] = {tmpdir};
  FILE *err = tmpfile(), *out = tmpfile();
  assert_non_null(err);
  assert_non_null(out);
  anz_options o = {.inputs = inputs, .ninputs = 1, .output_dir = tmpdir, .stat = ANZ_STAT_MEDIAN,
                   .no_plots = 1, .out = out, .err = err};
  anz_run(&o); /* no plot has data here: the status does not matter */
  char *text = read_back(err);
  fclose(err);
  fclose(out);
  assert_non_null(strstr(text, "pal analyze: 1 instance was dropped by the run's time budget (see results.json \"dropped\")"));
  free(text);
  anz_jdoc doc;
  char *rj;
  load_results(tmpdir, &doc, &rj);
  const anz_jvalue *d = anz_json_get(doc.root, "dropped");
  assert_float_equal(anz_json_number(anz_json_get(d, "count"), NULL), 1, 0);
  const anz_jvalue *inst = anz_json_get(d, "instances");
  assert_int_equal(inst->len, 1);
  assert_string_equal(anz_json_string(anz_json_get(inst->u.first, "name")), "BM_PAL_Prefill/seq_len:4096");
  assert_string_equal(anz_json_string(anz_json_get(inst->u.first, "reason")), "est. 11.5 s/call > 8.2 s left");
  assert_non_null(strstr(anz_json_string(anz_json_get(inst->u.first, "file")), "budget.json"));
  assert_float_equal(anz_json_number(anz_json_get(inst->u.first, "est_call_s"), NULL), 11.24, 1e-9);
  const anz_jvalue *b = anz_json_get(doc.root, "budget");
  assert_float_equal(anz_json_number(anz_json_get(b, "files_with_budget"), NULL), 1, 0);
  assert_int_equal(anz_json_get(b, "budget_s")->len, 1);
  assert_float_equal(anz_json_number(anz_json_get(b, "budget_s")->u.first, NULL), 412.0, 0);
  anz_json_free(&doc);
  free(rj);
  remove_tmpdir();
}

/* ---------------------------------------------------------------- kernel_name, params, study */
static void params_and_kernel_name_are_kept(void **state) {
  (void)state;
  /* Google Benchmark: the kernel field; name parts without an axis, in name order */
  const char *gb =
      "{\"context\": {\"host_name\": \"vm\"}, \"benchmarks\": [\n"
      "  {\"name\": \"BM_PAL_FillKVPages/tokens:64/page_size:16/num_kv_heads:8/head_dim:128/dtype:fp16/threads:0\","
      "   \"run_type\": \"iteration\", \"real_time\": 2, \"time_unit\": \"us\", \"kernel\": \"pal_fill_kv_pages\","
      "   \"bytes_per_second\": 1e9, \"op\": \"fill\"},\n"
      "  {\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:64\", \"run_type\": \"iteration\", \"real_time\": 2, \"time_unit\": \"us\"}\n"
      " ]}";
  anz_file_result fr = load_text(gb, ANZ_STAT_MEDIAN);
  assert_int_equal(fr.rows.n, 2);
  const anz_row *f = find_row(&fr, "FillKVPages");
  assert_string_equal(f->kernel_name, "pal_fill_kv_pages");
  assert_int_equal(f->kernel, ANZ_K_PAL);
  assert_string_equal(f->params, "tokens=64/threads=0"); /* not the row's counters or op */
  assert_float_equal(f->axis[ANZ_AX_HEAD_DIM], 128, 0);
  assert_float_equal(f->axis[ANZ_AX_PAGE_SIZE], 16, 0);
  const anz_row *s = find_row(&fr, "LatencyVsSeqLen");
  assert_null(s->kernel_name); /* classified from the family, not written by the file */
  assert_int_equal(s->kernel, ANZ_K_PAL);
  assert_null(s->params);
  anz_file_result_free(&fr);
  /* pytest: extra_info's kernel first; params members without an axis, in file order, scalars only */
  const char *py =
      "{\"machine_info\": {\"node\": \"vm\"}, \"benchmarks\": [\n"
      "  {\"name\": \"test_pal_fill_kv_pages[64]\", \"params\": {\"tokens\": 64, \"seq_len\": 128, \"kernel\": \"late\","
      "   \"mode\": \"ragged\", \"alibi\": true, \"cfg\": {\"a\": 1}, \"scale\": 0.5, \"none\": null},"
      "   \"extra_info\": {\"kernel\": \"Paged_Fill\", \"threads\": 2}, \"stats\": {\"median\": 1e-5, \"mean\": 1e-5}},\n"
      "  {\"name\": \"test_sdpa[1]\", \"params\": {\"kernel\": \"flash\"}, \"stats\": {\"median\": 1e-5, \"mean\": 1e-5}}\n"
      " ]}";
  fr = load_text(py, ANZ_STAT_MEDIAN);
  assert_int_equal(fr.rows.n, 2);
  const anz_row *p = find_row(&fr, "fill_kv_pages");
  assert_string_equal(p->kernel_name, "Paged_Fill");
  assert_string_equal(p->params, "tokens=64/mode=ragged/alibi=true/scale=0.5/none=null");
  assert_float_equal(p->axis[ANZ_AX_SEQ_LEN], 128, 0);
  const anz_row *q = find_row(&fr, "test_sdpa");
  assert_string_equal(q->kernel_name, "flash");
  assert_int_equal(q->kernel, ANZ_K_SDPA); /* the name decides when the kernel field says nothing */
  assert_null(q->params);
  anz_file_result_free(&fr);
  /* NVBench: axes are the instance's parameters; a kernel axis is its kernel_name */
  const char *nv =
      "{\"meta\": {}, \"devices\": [], \"benchmarks\": [{\"name\": \"attn\", \"states\": [\n"
      "  {\"name\": \"Device=0 Kernel=flash_decode SeqLen=64 Mode=fast\", \"device\": 0, \"axis_values\": ["
      "   {\"name\": \"Kernel\", \"type\": \"string\", \"value\": \"flash_decode\"},"
      "   {\"name\": \"SeqLen\", \"type\": \"int64\", \"value\": \"64\"},"
      "   {\"name\": \"Mode\", \"type\": \"string\", \"value\": \"fast\"},"
      "   {\"name\": \"Warps\", \"type\": \"int64\", \"value\": \"4\"}],"
      "   \"summaries\": [{\"tag\": \"nv/cold/time/gpu/mean\", \"data\": [{\"name\": \"value\", \"value\": \"1e-5\"}]}]}]}]}";
  fr = load_text(nv, ANZ_STAT_MEDIAN);
  assert_int_equal(fr.rows.n, 1);
  assert_string_equal(fr.rows.v[0].kernel_name, "flash_decode");
  assert_string_equal(fr.rows.v[0].params, "Mode=fast/Warps=4");
  assert_float_equal(fr.rows.v[0].axis[ANZ_AX_SEQ_LEN], 64, 0);
  anz_file_result_free(&fr);
}

/* Rule 5: the first named argument decides what a family sweeps, unless the family says. */
static void first_named_argument_decides_the_study(void **state) {
  (void)state;
  const char *gb =
      "{\"context\": {}, \"benchmarks\": [\n"
      "  {\"name\": \"BM_PAL_FillKVPages/tokens:1/page_size:16/num_kv_heads:8/head_dim:128/threads:0\","
      "   \"run_type\": \"iteration\", \"real_time\": 2, \"time_unit\": \"us\"},\n"
      "  {\"name\": \"BM_Custom/head_dim:64/tokens:1\", \"run_type\": \"iteration\", \"real_time\": 2, \"time_unit\": \"us\"},\n"
      "  {\"name\": \"BM_Other/dtype:fp16/seq_len:64\", \"run_type\": \"iteration\", \"real_time\": 2, \"time_unit\": \"us\"},\n"
      "  {\"name\": \"BM_Fill/tokens:1/seq_len:64\", \"family\": \"BM_Fill_LatencyVsSeqLen\", \"run_type\": \"iteration\","
      "   \"real_time\": 2, \"time_unit\": \"us\"},\n"
      "  {\"name\": \"BM_PAL_LatencyVsSeqLen/tokens:1/seq_len:64\", \"run_type\": \"iteration\", \"real_time\": 2,"
      "   \"time_unit\": \"us\"}\n"
      " ]}";
  anz_file_result fr = load_text(gb, ANZ_STAT_MEDIAN);
  assert_int_equal(fr.rows.n, 5);
  const anz_row *fill = find_row(&fr, "BM_PAL_FillKVPages");
  assert_int_equal(fill->study, ANZ_STUDY_NONE); /* not a head_dim sweep: head_dim:128 is a setting */
  assert_float_equal(fill->axis[ANZ_AX_HEAD_DIM], 128, 0);
  assert_string_equal(fill->params, "tokens=1/threads=0");
  assert_int_equal(find_row(&fr, "BM_Custom")->study, ANZ_STUDY_HEAD_DIM);
  assert_int_equal(find_row(&fr, "BM_Other")->study, ANZ_STUDY_NONE); /* dtype first: no axis to plot over */
  assert_int_equal(find_row(&fr, "BM_Fill/")->study, ANZ_STUDY_SEQ_LEN);      /* explicit family field */
  assert_int_equal(find_row(&fr, "BM_PAL_Latency")->study, ANZ_STUDY_SEQ_LEN); /* family pattern */
  anz_file_result_free(&fr);
}

/* ---------------------------------------------------------------- --table */
/* An RFC 4180 reader for the tests: records of malloc'd fields. */
typedef struct csv_rec {
  char **f;
  size_t n;
} csv_rec;

static size_t csv_read(const char *s, csv_rec **out) {
  size_t nrec = 0, cap = 16;
  csv_rec *recs = calloc(cap, sizeof *recs);
  while (*s) {
    if (nrec == cap) recs = realloc(recs, (cap *= 2) * sizeof *recs);
    csv_rec *r = &recs[nrec++];
    r->f = NULL;
    r->n = 0;
    for (;;) {
      size_t len = strlen(s);
      char *field = malloc(len + 1), *w = field;
      if (*s == '"') {
        for (++s; *s && !(*s == '"' && s[1] != '"'); ++s) {
          if (*s == '"') ++s; /* a doubled quote */
          *w++ = *s;
        }
        if (*s == '"') ++s;
      } else {
        while (*s && *s != ',' && *s != '\n') *w++ = *s++;
      }
      *w = '\0';
      r->f = realloc(r->f, (r->n + 1) * sizeof *r->f);
      r->f[r->n++] = field;
      if (*s == ',') {
        ++s;
        continue;
      }
      if (*s == '\n') ++s;
      break;
    }
  }
  *out = recs;
  return nrec;
}

static void csv_free(csv_rec *recs, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < recs[i].n; ++j) free(recs[i].f[j]);
    free(recs[i].f);
  }
  free(recs);
}

static const char *csv_get(const csv_rec *header, const csv_rec *r, const char *col) {
  for (size_t j = 0; j < header->n; ++j)
    if (!strcmp(header->f[j], col)) return r->f[j];
  fail_msg("no column %s", col);
  return NULL;
}

static const char *gb_table =
    "{\"context\": {\"host_name\": \"vm\", \"date\": \"2026-01-02T00:00:00+00:00\", \"bw_peak\": 2e10},"
    " \"benchmarks\": [\n"
    "  {\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:64/batch:2/num_q_heads:4/label:a,b\\\"c\", \"run_type\": \"iteration\","
    "   \"real_time\": 10, \"time_unit\": \"us\", \"kernel\": \"pal\", \"op\": \"decode\", \"dtype\": \"fp16\","
    "   \"bytes_per_second\": 1.5e9},\n"
    "  {\"name\": \"BM_memcpy\", \"run_type\": \"iteration\", \"real_time\": 2, \"time_unit\": \"us\"}\n"
    " ]}";

static const char *py_table =
    "{\"machine_info\": {\"node\": \"vm\"}, \"datetime\": \"2026-01-02T00:00:00+00:00\", \"benchmarks\": [\n"
    "  {\"name\": \"test_sdpa_latency_vs_seq_len[64]\", \"params\": {\"seq_len\": 64, \"case\": 3},"
    "   \"extra_info\": {\"kernel\": \"sdpa\", \"batch\": 1}, \"stats\": {\"median\": 2e-5, \"mean\": 2e-5, \"rounds\": 7}}\n"
    " ]}";

static void table_csv_is_the_plotters_contract(void **state) {
  (void)state;
  make_tmpdir();
  write_file("gb.json", gb_table);
  write_file("py.json", py_table);
  char csv_path[512];
  snprintf(csv_path, sizeof csv_path, "%s/table.csv", tmpdir);
  const char *inputs[] = {tmpdir};
  FILE *err = tmpfile(), *out = tmpfile();
  anz_options o = {.inputs = inputs, .ninputs = 1, .output_dir = tmpdir, .stat = ANZ_STAT_MEDIAN,
                   .no_plots = 1, .out = out, .err = err, .table_path = csv_path};
  assert_int_equal(anz_run(&o), 0);
  size_t len = 0;
  char *text = slurp(csv_path, &len);
  assert_non_null(text);
  /* the header, verbatim, and the raw quoting of a field with a comma and a quote */
  assert_int_equal(strncmp(text, ANZ_TABLE_CSV_HEADER "\n", strlen(ANZ_TABLE_CSV_HEADER) + 1), 0);
  assert_non_null(strstr(text, "\n\"BM_PAL_LatencyVsSeqLen/seq_len:64/batch:2/num_q_heads:4/label:a,b\"\"c\","));
  assert_non_null(strstr(text, ",\"label=a,b\"\"c\","));
  assert_null(strchr(text, '\r'));
  csv_rec *recs;
  size_t nrec = csv_read(text, &recs);
  /* as many rows as the analysis used (results.json summary_metrics.rows) */
  anz_jdoc doc;
  char *rj;
  load_results(tmpdir, &doc, &rj);
  double rows = anz_json_number(anz_json_get(anz_json_get(doc.root, "summary_metrics"), "rows"), NULL);
  const anz_jvalue *kf = anz_json_get(doc.root, "kernel_filter");
  assert_true(kf && kf->type == ANZ_JNULL);
  assert_int_equal(nrec - 1, (size_t)rows);
  assert_int_equal(nrec, 4);
  anz_json_free(&doc);
  free(rj);
  const csv_rec *h = &recs[0];
  assert_int_equal(h->n, 48);
  for (size_t i = 1; i < nrec; ++i) assert_int_equal(recs[i].n, h->n);
  const csv_rec *pal = NULL, *mc = NULL, *py = NULL;
  for (size_t i = 1; i < nrec; ++i) {
    const char *name = csv_get(h, &recs[i], "name");
    if (!strcmp(name, "BM_PAL_LatencyVsSeqLen/seq_len:64/batch:2/num_q_heads:4/label:a,b\"c")) pal = &recs[i];
    if (!strcmp(name, "BM_memcpy")) mc = &recs[i];
    if (!strcmp(name, "test_sdpa_latency_vs_seq_len[64]")) py = &recs[i];
  }
  assert_true(pal && mc && py);
  assert_string_equal(csv_get(h, pal, "source"), "cpp");
  assert_string_equal(csv_get(h, pal, "kernel"), "pal");
  assert_string_equal(csv_get(h, pal, "kernel_name"), "pal");
  assert_string_equal(csv_get(h, pal, "study"), "seq_len");
  assert_string_equal(csv_get(h, pal, "op"), "decode");
  assert_string_equal(csv_get(h, pal, "seq_len"), "64");
  assert_string_equal(csv_get(h, pal, "effective_items"), "8");
  assert_string_equal(csv_get(h, pal, "params"), "label=a,b\"c");
  assert_string_equal(csv_get(h, pal, "latency_ms"), "0.01");
  assert_string_equal(csv_get(h, pal, "throughput_items_per_sec"), "800000"); /* 8 vectors / 10 us */
  assert_string_equal(csv_get(h, pal, "bytes_per_second"), "1500000000");
  assert_string_equal(csv_get(h, pal, "bw_peak"), "2e+10"); /* %.10g */
  assert_string_equal(csv_get(h, pal, "run_epoch"), "1767312000");
  assert_string_equal(csv_get(h, pal, "run"), "2026-01-02T00:00:00+00:00");
  assert_string_equal(csv_get(h, pal, "linestyle"), "-");
  assert_string_equal(csv_get(h, pal, "marker"), "o");
  assert_int_equal(csv_get(h, pal, "colour")[0], '#');
  assert_non_null(strstr(csv_get(h, pal, "file"), "gb.json"));
  /* unknown values are empty fields */
  static const char *const empty[] = {"kernel_name", "seq_len", "head_dim", "batch", "effective_items", "params",
                                      "dtype", "op", "throughput_items_per_sec", "bytes_per_second", "bw_util",
                                      "flop_peak", "flop_roof", "foreign_load"};
  for (size_t i = 0; i < sizeof empty / sizeof empty[0]; ++i)
    if (*csv_get(h, mc, empty[i])) fail_msg("BM_memcpy: %s is '%s', want empty", empty[i], csv_get(h, mc, empty[i]));
  assert_string_equal(csv_get(h, mc, "kernel"), "other");
  assert_string_equal(csv_get(h, mc, "study"), "none");
  assert_string_equal(csv_get(h, mc, "latency_ms"), "0.002");
  assert_string_equal(csv_get(h, mc, "samples"), "1");
  assert_string_equal(csv_get(h, mc, "probe_suspect"), "0");
  assert_string_equal(csv_get(h, py, "source"), "py");
  assert_string_equal(csv_get(h, py, "kernel"), "sdpa");
  assert_string_equal(csv_get(h, py, "params"), "case=3");
  assert_string_equal(csv_get(h, py, "samples"), "7");
  assert_string_equal(csv_get(h, py, "linestyle"), "--");
  assert_string_equal(csv_get(h, py, "statistic"), "median");
  csv_free(recs, nrec);
  free(text);
  /* cannot write: the path and the reason, exit status 2, results.json still written */
  o.table_path = "/nonexistent_pal_dir/table.csv";
  rewind(err);
  assert_int_equal(anz_run(&o), 2);
  char *msg = read_back(err);
  assert_non_null(strstr(msg, "pal analyze: cannot write /nonexistent_pal_dir/table.csv: No such file or directory"));
  free(msg);
  fclose(err);
  fclose(out);
  remove_tmpdir();
}

/* ---------------------------------------------------------------- --kernel */
/* two seq_len values per kernel, so each family can be drawn along x */
static const char *gb_kernels =
    "{\"context\": {\"host_name\": \"vm\"}, \"benchmarks\": [\n"
    "  {\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:64\", \"run_type\": \"iteration\", \"real_time\": 1, \"time_unit\": \"us\"},\n"
    "  {\"name\": \"BM_PAL_LatencyVsSeqLen/seq_len:128\", \"run_type\": \"iteration\", \"real_time\": 2, \"time_unit\": \"us\"},\n"
    "  {\"name\": \"BM_SDPA_LatencyVsSeqLen/seq_len:64\", \"run_type\": \"iteration\", \"real_time\": 2, \"time_unit\": \"us\"},\n"
    "  {\"name\": \"BM_SDPA_LatencyVsSeqLen/seq_len:128\", \"run_type\": \"iteration\", \"real_time\": 4, \"time_unit\": \"us\"},\n"
    "  {\"name\": \"BM_Attn/seq_len:64\", \"kernel\": \"flash_decode\", \"run_type\": \"iteration\", \"real_time\": 3,"
    "   \"time_unit\": \"us\"},\n"
    "  {\"name\": \"BM_Attn/seq_len:128\", \"kernel\": \"flash_decode\", \"run_type\": \"iteration\", \"real_time\": 6,"
    "   \"time_unit\": \"us\"}\n"
    " ]}";

/* The first point of a plot in results.json (the plot must have one). */
static const anz_jvalue *first_point(const anz_jdoc *doc, const char *plot) {
  const anz_jvalue *p = anz_json_get(anz_json_get(doc->root, "summary_metrics"), plot);
  assert_non_null(p);
  const anz_jvalue *pts = anz_json_get(p, "points");
  assert_true(pts && pts->type == ANZ_JARRAY && pts->len > 0);
  return pts->u.first;
}

static size_t load_with_kernels(const char *const *kernels, size_t nk, anz_table *t, FILE *err) {
  const char *inputs[] = {tmpdir};
  anz_options o = {.inputs = inputs, .ninputs = 1, .output_dir = tmpdir, .stat = ANZ_STAT_MEDIAN, .no_plots = 1,
                   .out = stdout, .err = err, .kernels = kernels, .nkernels = nk};
  char **paths;
  size_t n;
  assert_int_equal(anz_collect_inputs(&o, &paths, &n), 0);
  int rc = anz_table_load(&o, paths, n, t);
  for (size_t i = 0; i < n; ++i) free(paths[i]);
  free(paths);
  return (size_t)rc;
}

static void kernel_filter_keeps_matching_rows(void **state) {
  (void)state;
  make_tmpdir();
  write_file("k.json", gb_kernels);
  anz_table t;
  /* every row: three colours */
  assert_int_equal(load_with_kernels(NULL, 0, &t, stderr), 0);
  assert_int_equal(t.nrows, 6);
  int sdpa_colour = -1;
  for (size_t i = 0; i < t.nrows; ++i)
    if (t.rows[i]->kernel == ANZ_K_SDPA) sdpa_colour = t.rows[i]->colour;
  assert_int_equal(sdpa_colour, 1); /* after pal's */
  anz_table_free(&t);
  /* sdpa only: and the palette starts again from its first colour */
  const char *sdpa[] = {"sdpa"};
  assert_int_equal(load_with_kernels(sdpa, 1, &t, stderr), 0);
  assert_int_equal(t.nrows, 2);
  assert_int_equal(t.rows_filtered, 4);
  for (size_t i = 0; i < t.nrows; ++i) {
    assert_int_equal(t.rows[i]->kernel, ANZ_K_SDPA);
    assert_int_equal(t.rows[i]->colour, 0);
  }
  anz_table_free(&t);
  /* several names: their union; a class name or a kernel_name, case ignored */
  const char *two[] = {"PAL", "Flash_Decode"};
  assert_int_equal(load_with_kernels(two, 2, &t, stderr), 0);
  assert_int_equal(t.nrows, 4); /* rows in instance-name order: BM_Attn, BM_PAL */
  assert_string_equal(t.rows[0]->kernel_name, "flash_decode");
  assert_int_equal(t.rows[2]->kernel, ANZ_K_PAL);
  anz_table_free(&t);
  const char *paged[] = {"paged_attention"}, *other[] = {"other"};
  assert_int_equal(load_with_kernels(paged, 1, &t, stderr), 0);
  assert_int_equal(t.nrows, 2);
  assert_int_equal(t.rows[0]->kernel, ANZ_K_PAL);
  anz_table_free(&t);
  assert_int_equal(load_with_kernels(other, 1, &t, stderr), 0);
  assert_int_equal(t.nrows, 2);
  assert_string_equal(t.rows[0]->kernel_name, "flash_decode");
  anz_table_free(&t);
  /* a name no row has: a usage error naming what there is */
  FILE *err = tmpfile();
  const char *bad[] = {"sdpa", "nope"};
  assert_int_equal(load_with_kernels(bad, 2, &t, err), 2);
  anz_table_free(&t);
  char *msg = read_back(err);
  fclose(err);
  assert_string_equal(msg, "pal analyze: --kernel nope: no such kernel in the data; known: pal (paged_attention), sdpa, "
                           "other, flash_decode\n");
  free(msg);
  /* the whole run: exit 2 and no results.json; with a match, results.json names the filter */
  const char *inputs[] = {tmpdir};
  FILE *out = tmpfile();
  err = tmpfile();
  anz_options o = {.inputs = inputs, .ninputs = 1, .output_dir = tmpdir, .stat = ANZ_STAT_MEDIAN, .no_plots = 1,
                   .out = out, .err = err, .kernels = bad, .nkernels = 2};
  assert_int_equal(anz_run(&o), 2);
  char rp[512];
  snprintf(rp, sizeof rp, "%s/results.json", tmpdir);
  assert_int_equal(access(rp, F_OK), -1);
  o.kernels = sdpa;
  o.nkernels = 1;
  assert_int_equal(anz_run(&o), 0);
  fclose(out);
  fclose(err);
  anz_jdoc doc;
  char *rj;
  load_results(tmpdir, &doc, &rj);
  const anz_jvalue *kf = anz_json_get(doc.root, "kernel_filter");
  assert_true(kf && kf->type == ANZ_JARRAY && kf->len == 1);
  assert_string_equal(anz_json_string(kf->u.first), "sdpa");
  const anz_jvalue *sm = anz_json_get(doc.root, "summary_metrics");
  assert_float_equal(anz_json_number(anz_json_get(sm, "rows"), NULL), 2, 0);
  const anz_jvalue *kernels = anz_json_get(sm, "kernels");
  assert_true(kernels && kernels->len == 1);
  assert_string_equal(anz_json_string(kernels->u.first), "sdpa");
  /* points carry kernel_name and params when the row has them */
  const anz_jvalue *pt = first_point(&doc, "latency_vs_seq_len");
  assert_null(anz_json_get(pt, "kernel_name"));
  anz_json_free(&doc);
  free(rj);
  const char *flash[] = {"flash_decode"};
  o.kernels = flash;
  out = tmpfile();
  err = tmpfile();
  o.out = out, o.err = err;
  assert_int_equal(anz_run(&o), 0);
  fclose(out);
  fclose(err);
  load_results(tmpdir, &doc, &rj);
  pt = first_point(&doc, "latency_vs_seq_len");
  assert_string_equal(anz_json_string(anz_json_get(pt, "kernel_name")), "flash_decode");
  anz_json_free(&doc);
  free(rj);
  remove_tmpdir();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(json_accepts_nan_and_infinity),
      cmocka_unit_test(json_reports_line_and_column),
      cmocka_unit_test(json_limits_nesting_without_recursion_blowup),
      cmocka_unit_test(json_decodes_strings),
      cmocka_unit_test(gbench_takes_the_files_median_and_counters),
      cmocka_unit_test(gbench_old_layout_positional_errors),
      cmocka_unit_test(pytest_v5_extra_info_first),
      cmocka_unit_test(pytest_v3_and_v4_layouts),
      cmocka_unit_test(nvbench_string_numbers_and_skips),
      cmocka_unit_test(bad_files_say_where_and_why),
      cmocka_unit_test(nan_laden_file_keeps_good_rows),
      cmocka_unit_test(normalisation_rules),
      cmocka_unit_test(newest_run_wins_unless_all_runs),
      cmocka_unit_test(probe_judge_derives_and_trusts_the_file),
      cmocka_unit_test(gbench_old_file_is_judged),
      cmocka_unit_test(gbench_new_fields_are_kept),
      cmocka_unit_test(pytest_and_nvbench_rows_are_judged),
      cmocka_unit_test(results_json_lists_probe_suspect_rows),
      cmocka_unit_test(budget_dropped_instances_are_listed),
      cmocka_unit_test(params_and_kernel_name_are_kept),
      cmocka_unit_test(first_named_argument_decides_the_study),
      cmocka_unit_test(table_csv_is_the_plotters_contract),
      cmocka_unit_test(kernel_filter_keeps_matching_rows),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
