/* report_json.c - see report_json.h. */
#define _POSIX_C_SOURCE 200809L
#include "report_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/atomic_file.h"
#include "../common/stats.h"
#include "machine.h"
#include "roof.h"

struct bench_report {
  char *path;
  json_t *root; /* {context, benchmarks} */
  const bench_machine *machine;
};

/* jansson has no NaN or infinity; strict JSON neither. */
static json_t *num(double x) { return isfinite(x) ? json_real(x) : json_null(); }

/* Every compute roof probed (peak_<roof>_flops), the ones skipped and why,
 * and which roof judges each dtype at the context's kernel level. */
static void set_roof_fields(json_t *c, const bench_machine *m) {
  json_t *skipped = json_object();
  for (int r = 0; r < BENCH_ROOF_COUNT; ++r) {
    if (m->roof_missing[r])
      json_object_set_new(skipped, bench_roof_name((bench_roof)r), json_string(m->roof_missing[r]));
    else
      json_object_set_new(c, bench_roof_key((bench_roof)r), json_real(m->roof_flops[r]));
  }
  json_object_set_new(c, "probes_skipped", skipped);
  if (m->probe_scale != 1) json_object_set_new(c, "probe_scale", json_real(m->probe_scale));
  json_object_set_new(c, "probe_suspect_margin", json_real(BENCH_PROBE_SUSPECT_MARGIN));
  const char *isa = json_string_value(json_object_get(c, "isa"));
  pal_isa level = PAL_ISA_AUTO;
  for (int i = PAL_ISA_SCALAR; isa && i < PAL_ISA_COUNT; ++i)
    if (!strcmp(isa, pal_isa_name((pal_isa)i))) level = (pal_isa)i;
  if (level == PAL_ISA_AUTO) return;
  json_object_set_new(c, "kernel_isa", json_string(isa));
  json_t *roofs = json_object();
  for (int dt = 0; dt < PAL_DTYPE_COUNT; ++dt) {
    const bench_roof r = bench_level_roof(level, (pal_dtype)dt);
    if (r < BENCH_ROOF_COUNT)
      json_object_set_new(roofs, pal_dtype_name((pal_dtype)dt), json_string(bench_roof_name(r)));
  }
  json_object_set_new(roofs, "bandwidth", json_string(m->bw_probe_isa));
  json_object_set_new(c, "kernel_isa_roofs", roofs);
}

/* The machine's probe figures as of now: under --interleave the peaks are
 * re-probed before every round and only ever rise (bench.h). */
static void set_probe_fields(json_t *c, const bench_machine *m) {
  if (!m->probed) return;
  json_object_set_new(c, "bw_peak", json_real(m->bw_peak));
  json_object_set_new(c, "bw_peak_isa", json_string(m->bw_probe_isa));
  json_object_set_new(c, "probe_runs", json_integer(m->probe_runs));
  json_t *runs = json_array();
  for (int i = 0; i < m->probe_runs && i < BENCH_PROBE_RUNS_KEPT; ++i)
    json_array_append_new(runs, json_real(m->bw_runs[i]));
  json_object_set_new(c, "bw_peak_runs", runs);
  if (m->probe_foreign_load >= 0)
    json_object_set_new(c, "probe_foreign_load", json_real(m->probe_foreign_load));
  json_object_set_new(c, "kv_memory", json_string("2 MiB aligned, madvise(MADV_HUGEPAGE)"));
  json_object_set_new(c, "peak_fp32_flops", json_real(m->peak_fp32_flops));
  json_object_set_new(c, "peak_fp32_isa", json_string(m->peak_fp32_isa));
  json_object_set_new(c, "peak_bf16_flops", json_real(m->peak_bf16_flops));
  json_object_set_new(c, "peak_bf16_isa", json_string(m->peak_bf16_isa));
  json_object_set_new(c, "peak_compute_flops", json_real(bench_machine_best_compute(m)));
  set_roof_fields(c, m);
}

static int flush(bench_report *r) {
  set_probe_fields(json_object_get(r->root, "context"), r->machine);
  char *text = json_dumps(r->root, JSON_INDENT(2) | JSON_REAL_PRECISION(17) | JSON_PRESERVE_ORDER);
  if (!text) return -1;
  int rc = pal_write_file_atomic(r->path, text, strlen(text));
  free(text);
  return rc;
}

bench_report *bench_report_open(const char *path, json_t *context, const bench_machine *m) {
  bench_report *r = calloc(1, sizeof *r);
  if (!r) return json_decref(context), NULL;
  r->path = strdup(path);
  r->root = json_object();
  r->machine = m;
  json_object_set_new(r->root, "context", context);
  json_object_set_new(r->root, "benchmarks", json_array());
  if (!r->path || flush(r) != 0) {
    bench_report_close(r);
    return NULL;
  }
  return r;
}

const char *bench_report_path(const bench_report *r) { return r->path; }

void bench_report_close(bench_report *r) {
  if (!r) return;
  json_decref(r->root);
  free(r->path);
  free(r);
}

static int is_text_axis(const char *v) {
  char *end;
  strtoll(v, &end, 10);
  return *end != 0 || !*v;
}

/* Fields every row of an instance carries: identity, axes, run settings. */
static json_t *base_row(const bench_result *res, const char *name, const char *run_type) {
  const bench_instance *in = res->instance;
  json_t *o = json_object();
  json_object_set_new(o, "name", json_string(name));
  json_object_set_new(o, "family_index", json_integer(in->family_index));
  json_object_set_new(o, "per_family_instance_index", json_integer(in->instance_index));
  json_object_set_new(o, "run_name", json_string(in->name));
  json_object_set_new(o, "run_type", json_string(run_type));
  json_object_set_new(o, "repetitions", json_integer(res->samples ? res->samples->reps : 0));
  json_object_set_new(o, "threads", json_integer(res->threads));
  return o;
}

static void add_fields(json_t *o, const bench_result *res) {
  const bench_instance *in = res->instance;
  json_object_set_new(o, "family", json_string(in->suite->name));
  json_object_set_new(o, "kernel", json_string(in->suite->kernel));
  json_object_set_new(o, "op", json_string(in->suite->op->name));
  json_object_set_new(o, "backend", json_string("cpu"));
  json_object_set_new(o, "isa", json_string(res->isa));
  for (int i = 0; i < in->num_axes; ++i) {
    if (!strcmp(in->axes[i].name, "threads")) continue; /* the resolved count is `threads` */
    const char *v = in->axes[i].value;
    json_object_set_new(o, in->axes[i].name,
                        is_text_axis(v) ? json_string(v) : json_integer(strtoll(v, NULL, 10)));
  }
  json_object_set_new(o, "cache", json_string(res->hot ? "hot" : "cold"));
  json_object_set_new(o, "rotations", json_integer(res->rotations));
}

/* Derived counters at a per-call time t (seconds); the utilisations exist
 * only when the machine was probed. Returns how many of them are valid. */
enum { C_BPS, C_IPS, C_FPS, C_BW_UTIL, C_ROOFLINE_UTIL, C_FLOP_UTIL, C_COUNT };
static const char *const counter_names[C_COUNT] = {
    "bytes_per_second", "items_per_second", "flops_per_second", "bw_util", "roofline_util",
    "flop_util"};

static int counters_at(const bench_result *res, const bench_machine *m, double t,
                       double v[C_COUNT]) {
  const bench_cost *c = &res->cost;
  v[C_BPS] = c->bytes / t;
  v[C_IPS] = c->items / t;
  v[C_FPS] = c->flops / t;
  if (!m->probed || m->bw_peak <= 0) return C_BW_UTIL;
  v[C_BW_UTIL] = v[C_BPS] / m->bw_peak;
  /* every compute roof is that of the path that ran the row (roof.h) */
  bench_row_roof roof;
  bench_row_roof_get(m, res->isa, c, &roof);
  double attainable = m->bw_peak * (c->bytes > 0 ? c->flops / c->bytes : 0);
  if (roof.compute_peak > 0) attainable = fmin(attainable, roof.compute_peak);
  /* no FLOPs (fill): the roofline is the bandwidth line itself */
  v[C_ROOFLINE_UTIL] = c->flops > 0 ? v[C_FPS] / attainable : v[C_BW_UTIL];
  /* flop_util (compute kernels only) */
  if (roof.flop_peak <= 0) return C_FLOP_UTIL;
  v[C_FLOP_UTIL] = v[C_FPS] / roof.flop_peak;
  return C_COUNT;
}

static void add_counters(json_t *o, const bench_result *res, double t, const bench_machine *m) {
  double v[C_COUNT];
  int n = counters_at(res, m, t, v);
  for (int k = 0; k < n; ++k) json_object_set_new(o, counter_names[k], num(v[k]));
}

/* The roofs a row's utilisations are relative to, and probe_suspect where
 * one of them exceeds 1 + BENCH_PROBE_SUSPECT_MARGIN (roof.h). Spreads
 * (stddev, cv) are not utilisations and are not judged. */
static void add_roof(json_t *o, const bench_result *res, const bench_machine *m, int judge) {
  bench_row_roof roof;
  bench_row_roof_get(m, res->isa, &res->cost, &roof);
  if (roof.bw_roof) {
    json_object_set_new(o, "bw_roof", json_string(roof.bw_roof));
    json_object_set_new(o, "bw_peak", json_real(roof.bw_peak));
  }
  if (roof.flop_roof) {
    json_object_set_new(o, "flop_roof", json_string(roof.flop_roof));
    json_object_set_new(o, "flop_peak", json_real(roof.flop_peak));
  }
  json_t *bw = json_object_get(o, "bw_util"), *fl = json_object_get(o, "flop_util");
  const int bits = judge ? bench_probe_suspect(json_is_number(bw) ? json_number_value(bw) : -1,
                                               json_is_number(fl) ? json_number_value(fl) : -1,
                                               !res->hot)
                         : 0;
  if (!bits) return;
  json_object_set_new(o, "probe_suspect", json_integer(1));
  json_object_set_new(o, "probe_suspect_counter",
                      json_string(bits == BENCH_SUSPECT_BW     ? "bw_util"
                                  : bits == BENCH_SUSPECT_FLOP ? "flop_util"
                                                               : "bw_util,flop_util"));
}

static void add_cost(json_t *o, const bench_result *res) {
  json_object_set_new(o, "bytes_per_call", num(res->cost.bytes));
  json_object_set_new(o, "flops_per_call", num(res->cost.flops));
  json_object_set_new(o, "items_per_call", num(res->cost.items));
  json_object_set_new(o, "arithmetic_intensity",
                      num(res->cost.bytes > 0 ? res->cost.flops / res->cost.bytes : 0));
}

/* Statistic of a derived counter across repetitions (Google Benchmark applies
 * each aggregate to the counters too). */
static double stat_pick(const pal_stats *s, const char *agg) {
  if (!strcmp(agg, "mean")) return s->mean;
  if (!strcmp(agg, "median")) return s->median;
  if (!strcmp(agg, "stddev")) return s->stddev;
  if (!strcmp(agg, "min")) return s->min;
  return s->cv;
}

/* An aggregate row's counters: the statistic over the per-repetition counter
 * values (Google Benchmark's rule), except for "min", whose counters are those
 * of the fastest repetition: its rates are the highest, not the lowest, so
 * they describe the row's own time. */
static void add_aggregate_counters(json_t *o, const bench_result *res, const bench_machine *m,
                                   const char *agg, double min_time) {
  if (!strcmp(agg, "min")) {
    add_counters(o, res, min_time, m);
    return;
  }
  const bench_samples *s = res->samples;
  double *vals = malloc((size_t)s->reps * C_COUNT * sizeof(double));
  int n = C_COUNT;
  for (int i = 0; vals && i < s->reps; ++i) n = counters_at(res, m, s->real_s[i], vals + i * C_COUNT);
  for (int k = 0; vals && k < n; ++k) {
    double *col = malloc((size_t)s->reps * sizeof(double));
    if (!col) break;
    for (int i = 0; i < s->reps; ++i) col[i] = vals[i * C_COUNT + k];
    pal_stats st;
    pal_stats_compute(col, (size_t)s->reps, &st);
    json_object_set_new(o, counter_names[k], num(stat_pick(&st, agg)));
    free(col);
  }
  free(vals);
}

static void add_aggregate(bench_report *r, const bench_result *res, const char *agg) {
  const bench_samples *s = res->samples;
  char name[400];
  snprintf(name, sizeof name, "%s_%s", res->instance->name, agg);
  json_t *o = base_row(res, name, "aggregate");
  json_object_set_new(o, "aggregate_name", json_string(agg));
  json_object_set_new(o, "aggregate_unit", json_string(!strcmp(agg, "cv") ? "percentage" : "time"));
  json_object_set_new(o, "iterations", json_integer(s->reps));
  pal_stats real, cpu;
  pal_stats_compute(s->real_s, (size_t)s->reps, &real);
  pal_stats_compute(s->cpu_s, (size_t)s->reps, &cpu);
  int is_time = strcmp(agg, "cv") != 0;
  json_object_set_new(o, "real_time", num(stat_pick(&real, agg) * (is_time ? 1e6 : 1)));
  json_object_set_new(o, "cpu_time", num(stat_pick(&cpu, agg) * (is_time ? 1e6 : 1)));
  json_object_set_new(o, "time_unit", json_string("us"));
  add_aggregate_counters(o, res, r->machine, agg, real.min);
  add_roof(o, res, r->machine, is_time && strcmp(agg, "stddev") != 0);
  add_cost(o, res);
  add_fields(o, res);
  json_object_set_new(o, "stop_reason", json_string(s->stop_reason));
  json_object_set_new(o, "noise", num(s->noise));
  if (s->foreign_load >= 0) json_object_set_new(o, "foreign_load", num(s->foreign_load));
  json_array_append_new(json_object_get(r->root, "benchmarks"), o);
}

void bench_report_clear(bench_report *r) { json_array_clear(json_object_get(r->root, "benchmarks")); }

int bench_report_flush(bench_report *r) { return flush(r); }

int bench_report_add(bench_report *r, const bench_result *res) {
  bench_report_append(r, res);
  return flush(r);
}

void bench_report_append(bench_report *r, const bench_result *res) {
  json_t *rows = json_object_get(r->root, "benchmarks");
  if (res->error) {
    json_t *o = base_row(res, res->instance->name, "iteration");
    json_object_set_new(o, "error_occurred", json_true());
    json_object_set_new(o, "error_message", json_string(res->error));
    add_fields(o, res);
    json_array_append_new(rows, o);
    return;
  }
  const bench_samples *s = res->samples;
  for (int i = 0; i < s->reps; ++i) {
    json_t *o = base_row(res, res->instance->name, "iteration");
    json_object_set_new(o, "repetition_index", json_integer(i));
    json_object_set_new(o, "iterations", json_integer(s->calls_per_rep));
    json_object_set_new(o, "real_time", num(s->real_s[i] * 1e6));
    json_object_set_new(o, "cpu_time", num(s->cpu_s[i] * 1e6));
    json_object_set_new(o, "time_unit", json_string("us"));
    add_counters(o, res, s->real_s[i], r->machine);
    add_roof(o, res, r->machine, 1);
    add_cost(o, res);
    add_fields(o, res);
    json_array_append_new(rows, o);
  }
  /* Google Benchmark's four, then "min" as a user statistic (what
   * ComputeStatistics("min", ...) writes): on a shared host interference only
   * ever adds time, so the fastest repetition is the kernel's own speed and
   * the like-for-like partner of the best-of-N machine probes. */
  const char *aggs[] = {"mean", "median", "stddev", "cv", "min"};
  for (size_t a = 0; a < sizeof aggs / sizeof aggs[0]; ++a) add_aggregate(r, res, aggs[a]);
}
