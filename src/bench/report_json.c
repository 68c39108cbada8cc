/* report_json.c - the JSON reporter (reporter.h): Google Benchmark JSON
 * (schema 1), one file per benchmark family.
 *
 * A family's file is rewritten atomically at every `end` (after each
 * instance in one pass, after each round under rounds), so a run stopped at
 * any moment leaves valid JSON holding every finished instance (every
 * instance as of the last complete round). Rows: one "iteration" row per
 * repetition (the raw samples), then mean, median, stddev, cv and min
 * "aggregate" rows, each carrying the instance's axes as plain fields and
 * the derived counters (counters.h, docs/BENCHMARKS.md). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/atomic_file.h"
#include "../common/stats.h"
#include "counters.h"
#include "machine.h"
#include "reporter.h"
#include "result_files.h"
#include "runner.h"

/* One family's file. */
typedef struct bench_report {
  char *path;
  json_t *root; /* {context, benchmarks} */
  const bench_machine *machine;
} bench_report;

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
  int rc = write_file_atomic(r->path, text, strlen(text));
  free(text);
  return rc;
}

static void report_close(bench_report *r);

static bench_report *report_open(const char *path, json_t *context, const bench_machine *m) {
  bench_report *r = calloc(1, sizeof *r);
  if (!r) return json_decref(context), NULL;
  r->path = strdup(path);
  r->root = json_object();
  r->machine = m;
  json_object_set_new(r->root, "context", context);
  json_object_set_new(r->root, "benchmarks", json_array());
  if (!r->path || flush(r) != 0) {
    report_close(r);
    return NULL;
  }
  return r;
}

static void report_close(bench_report *r) {
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

static void set_counters(json_t *o, const bench_counters *k) {
  for (int i = 0; i < k->count; ++i) json_object_set_new(o, bench_counter_names[i], num(k->v[i]));
}

/* The roofs a row's utilisations are relative to, and probe_suspect where
 * one of them exceeds 1 + BENCH_PROBE_SUSPECT_MARGIN (counters.h). Spreads
 * (stddev, cv) are not utilisations and are not judged. */
static void add_roof(json_t *o, const bench_result *res, const bench_counters *k, int judge) {
  const bench_row_roof *roof = &k->roof;
  if (roof->bw_roof) {
    json_object_set_new(o, "bw_roof", json_string(roof->bw_roof));
    json_object_set_new(o, "bw_peak", json_real(roof->bw_peak));
  }
  if (roof->flop_roof) {
    json_object_set_new(o, "flop_roof", json_string(roof->flop_roof));
    json_object_set_new(o, "flop_peak", json_real(roof->flop_peak));
  }
  const int bits = judge ? bench_counters_suspect(k, res->hot) : 0;
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
  json_object_set_new(o, "arithmetic_intensity", num(bench_arithmetic_intensity(&res->cost)));
}

/* Statistic of a derived counter across repetitions (Google Benchmark applies
 * each aggregate to the counters too). */
static double stat_pick(const stats_summary *s, const char *agg) {
  if (!strcmp(agg, "mean")) return s->mean;
  if (!strcmp(agg, "median")) return s->median;
  if (!strcmp(agg, "stddev")) return s->stddev;
  if (!strcmp(agg, "min")) return s->min;
  return s->cv;
}

/* An aggregate row's counters (into *k, which add_roof then judges): the
 * statistic over the per-repetition counter values (Google Benchmark's
 * rule), except for "min", whose counters are those of the fastest
 * repetition: its rates are the highest, not the lowest, so they describe
 * the row's own time. */
static void aggregate_counters(const bench_result *res, const bench_machine *m, const char *agg,
                               double min_time, bench_counters *k) {
  const bench_samples *s = res->samples;
  bench_counters_at(m, res->isa, &res->cost, min_time, k);
  if (!strcmp(agg, "min")) return;
  bench_counters *reps = malloc((size_t)s->reps * sizeof *reps);
  double *col = malloc((size_t)s->reps * sizeof(double));
  for (int i = 0; reps && col && i < s->reps; ++i)
    bench_counters_at(m, res->isa, &res->cost, s->real_s[i], &reps[i]);
  for (int c = 0; c < k->count; ++c) {
    stats_summary st;
    if (!reps || !col) { k->count = c; break; }
    for (int i = 0; i < s->reps; ++i) col[i] = reps[i].v[c];
    stats_compute(col, (size_t)s->reps, &st);
    k->v[c] = stat_pick(&st, agg);
  }
  free(col);
  free(reps);
}

static void add_aggregate(bench_report *r, const bench_result *res, const char *agg) {
  const bench_samples *s = res->samples;
  char name[400];
  snprintf(name, sizeof name, "%s_%s", res->instance->name, agg);
  json_t *o = base_row(res, name, "aggregate");
  json_object_set_new(o, "aggregate_name", json_string(agg));
  json_object_set_new(o, "aggregate_unit", json_string(!strcmp(agg, "cv") ? "percentage" : "time"));
  json_object_set_new(o, "iterations", json_integer(s->reps));
  stats_summary real, cpu;
  stats_compute(s->real_s, (size_t)s->reps, &real);
  stats_compute(s->cpu_s, (size_t)s->reps, &cpu);
  int is_time = strcmp(agg, "cv") != 0;
  json_object_set_new(o, "real_time", num(stat_pick(&real, agg) * (is_time ? 1e6 : 1)));
  json_object_set_new(o, "cpu_time", num(stat_pick(&cpu, agg) * (is_time ? 1e6 : 1)));
  json_object_set_new(o, "time_unit", json_string("us"));
  bench_counters k;
  aggregate_counters(res, r->machine, agg, real.min, &k);
  set_counters(o, &k);
  add_roof(o, res, &k, is_time && strcmp(agg, "stddev") != 0);
  add_cost(o, res);
  add_fields(o, res);
  json_object_set_new(o, "stop_reason", json_string(s->stop_reason));
  json_object_set_new(o, "noise", num(s->noise));
  if (s->foreign_load >= 0) json_object_set_new(o, "foreign_load", num(s->foreign_load));
  json_array_append_new(json_object_get(r->root, "benchmarks"), o);
}

static void report_append(bench_report *r, const bench_result *res) {
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
    bench_counters k;
    bench_counters_at(r->machine, res->isa, &res->cost, s->real_s[i], &k);
    set_counters(o, &k);
    add_roof(o, res, &k, 1);
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

static void iso_date(char *buf, size_t size) {
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  char tz[8];
  strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  strftime(tz, sizeof tz, "%z", &tm); /* +0100 -> +01:00 as Google Benchmark writes it */
  size_t n = strlen(buf);
  snprintf(buf + n, size - n, "%.3s:%.2s", tz, tz + 3);
}

/* A family file's context: Google Benchmark's keys, then PAL's. */
static json_t *context_json(const bench_run_opts *o, const bench_machine *m,
                            const pal_context *ctx) {
  json_t *c = json_object();
  char date[40];
  iso_date(date, sizeof date);
  json_object_set_new(c, "date", json_string(date));
  json_object_set_new(c, "host_name", json_string(m->host));
  json_object_set_new(c, "executable", json_string("pal bench"));
  json_object_set_new(c, "num_cpus", json_integer(m->num_cpus));
  json_object_set_new(c, "mhz_per_cpu", json_integer((json_int_t)(m->mhz + 0.5)));
  json_t *caches = json_array();
  const char *types[] = {"", "Data", "Unified", "Unified"};
  for (int lv = 1; lv <= 3; ++lv)
    if (m->cache_bytes[lv] > 0) {
      json_t *e = json_object();
      json_object_set_new(e, "type", json_string(types[lv]));
      json_object_set_new(e, "level", json_integer(lv));
      json_object_set_new(e, "size", json_integer(m->cache_bytes[lv]));
      json_object_set_new(e, "num_sharing", json_integer(m->cache_sharing[lv]));
      json_array_append_new(caches, e);
    }
  json_object_set_new(c, "caches", caches);
  double load[3];
  json_t *la = json_array();
  FILE *f = fopen("/proc/loadavg", "r");
  if (f && fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) == 3)
    for (int i = 0; i < 3; ++i) json_array_append_new(la, json_real(load[i]));
  if (f) fclose(f);
  json_object_set_new(c, "load_avg", la);
  json_object_set_new(c, "library_version", json_string(pal_version()));
#ifdef NDEBUG
  json_object_set_new(c, "library_build_type", json_string("release"));
#else
  json_object_set_new(c, "library_build_type", json_string("debug"));
#endif
  json_object_set_new(c, "json_schema_version", json_integer(1));
  /* PAL's additions (extra keys are allowed by the schema) */
  json_object_set_new(c, "pal_version", json_string(pal_version()));
  json_object_set_new(c, "cpu_model", json_string(m->cpu_model));
  json_object_set_new(c, "isa", json_string(pal_isa_name(pal_context_isa(ctx))));
  json_object_set_new(c, "threads", json_integer(pal_context_num_threads(ctx)));
  json_object_set_new(c, "cache_mode", json_string(o->hot ? "hot" : "cold"));
  json_object_set_new(c, "llc_bytes", json_integer(m->llc_bytes));
  json_object_set_new(c, "command_line", json_string(o->command_line ? o->command_line : ""));
  /* the probe figures are written as of each write (set_probe_fields) */
  return c;
}

/* The reporter: every family's file, found by instance (a family's
 * instances are consecutive in the sweep). */
typedef struct json_reporter {
  bench_reporter base;
  bench_reporter_config cfg;
  bench_report **file; /* [n]: the file of instance i's family, once begun */
  char *touched;       /* [n]: a family (by its first instance) has rows since the last end */
  int reported;        /* a run since the last end */
} json_reporter;

static size_t index_of(const json_reporter *j, const bench_instance *in) {
  return (size_t)(in - j->cfg.inst);
}

static int json_begin(bench_reporter *r, const bench_instance *first, const pal_context *ctx) {
  json_reporter *j = (json_reporter *)r;
  const bench_run_opts *o = j->cfg.opts;
  char path[1200];
  bench_result_path(path, sizeof path, o->out_dir, o->target, first->suite->name);
  json_t *context = context_json(o, j->cfg.machine, ctx);
  if (j->cfg.sched) context = bench_schedule_context(j->cfg.sched, context, first->family_index);
  bench_report *file = report_open(path, context, j->cfg.machine);
  if (!file) {
    fprintf(stderr, "pal bench: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  for (size_t i = index_of(j, first);
       i < j->cfg.n && j->cfg.inst[i].family_index == first->family_index; ++i)
    j->file[i] = file;
  fprintf(stderr, "%swriting %s\n", o->progress ? "\r\033[K" : "", path);
  return 0;
}

/* The first instance of i's family. */
static size_t family_start(const json_reporter *j, size_t i) {
  while (i > 0 && j->file[i - 1] == j->file[i]) --i;
  return i;
}

static void json_run(bench_reporter *r, const bench_result *res) {
  json_reporter *j = (json_reporter *)r;
  const size_t i = index_of(j, res->instance);
  j->reported = 1;
  if (!res->error && !(res->samples && res->samples->reps > 0)) return; /* dropped (budget) */
  bench_report *file = j->file[i];
  const size_t first = family_start(j, i);
  if (j->cfg.pooled && !j->touched[first]) /* this round's rows replace the last round's */
    json_array_clear(json_object_get(file->root, "benchmarks"));
  j->touched[first] = 1;
  report_append(file, res);
}

/* One pass: the touched families' files. Rounds: every file, a family
 * without a row this round (all dropped) rewritten empty. */
static int json_end(bench_reporter *r, int last) {
  json_reporter *j = (json_reporter *)r;
  if (!j->reported) return 0;
  (void)last;
  j->reported = 0;
  int rc = 0;
  for (size_t i = 0; i < j->cfg.n; ++i) {
    if (!j->file[i] || (i > 0 && j->file[i - 1] == j->file[i])) continue;
    if (j->cfg.pooled && !j->touched[i])
      json_array_clear(json_object_get(j->file[i]->root, "benchmarks"));
    else if (!j->touched[i])
      continue;
    j->touched[i] = 0;
    if (rc == 0 && flush(j->file[i]) != 0) {
      fprintf(stderr, "pal bench: cannot write %s: %s\n", j->file[i]->path, strerror(errno));
      rc = -1;
    }
  }
  return rc;
}

static void json_destroy(bench_reporter *r) {
  json_reporter *j = (json_reporter *)r;
  if (!j) return;
  for (size_t i = 0; j->file && i < j->cfg.n; ++i)
    if (j->file[i] && (i == 0 || j->file[i - 1] != j->file[i])) report_close(j->file[i]);
  free(j->file);
  free(j->touched);
  free(j);
}

bench_reporter *bench_json_reporter_create(const bench_reporter_config *cfg) {
  json_reporter *j = calloc(1, sizeof *j);
  if (!j) return NULL;
  j->base = (bench_reporter){json_begin, json_run, json_end, json_destroy};
  j->cfg = *cfg;
  j->file = calloc(cfg->n ? cfg->n : 1, sizeof *j->file);
  j->touched = calloc(cfg->n ? cfg->n : 1, 1);
  if (!j->file || !j->touched) return json_destroy(&j->base), NULL;
  return &j->base;
}
