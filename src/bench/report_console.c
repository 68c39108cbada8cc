/* report_console.c - the console reporter (reporter.h): one line per
 * instance on stdout, its median time, GB/s and, on a probed machine, the
 * utilisations (counters.h) at the median and the best repetition:
 *
 *   NAME   12.34 us   45.67 GB/s  bw_util 0.812 (best rep 0.850)
 *          [  123.4 GFLOP/s flop_util 0.301 of fp32_fma512]
 *          [  PROBE SUSPECT: bw_util 1.07 > 1.05]  (N reps, noise x%, stop_reason)
 *          [  WARNING: other processes took y% of the CPUs]
 *
 * or "NAME   ERROR: message". Under rounds (pooled) the lines come once, at
 * the end, after the probe passes' summary. */
#include <stdio.h>
#include <stdlib.h>

#include "../common/stats.h"
#include "counters.h"
#include "reporter.h"
#include "runner.h"

typedef struct console_reporter {
  bench_reporter base;
  bench_reporter_config cfg;
  /* pooled: each instance's latest result, pending until its round ends */
  const bench_result **pending, **done;
} console_reporter;

/* The utilisations of a result at its median and best repetition; "PROBE
 * SUSPECT" when the best repetition is (its utilisations are the highest:
 * the instance has a suspect JSON row exactly when it is suspect). */
static void print_util(const bench_counters *med, const bench_counters *best, int hot) {
  if (med->count > BENCH_C_BW_UTIL)
    printf("  bw_util %.3f (best rep %.3f)", med->v[BENCH_C_BW_UTIL], best->v[BENCH_C_BW_UTIL]);
  if (med->count > BENCH_C_FLOP_UTIL)
    printf("  %.1f GFLOP/s flop_util %.3f of %s", med->v[BENCH_C_FLOPS_PER_SECOND] / 1e9,
           med->v[BENCH_C_FLOP_UTIL], med->roof.flop_roof);
  const int bits = bench_counters_suspect(best, hot);
  const double limit = 1 + BENCH_PROBE_SUSPECT_MARGIN;
  if (bits) printf("  PROBE SUSPECT:");
  if (bits & BENCH_SUSPECT_BW)
    printf(" bw_util %.2f > %.2f%s", best->v[BENCH_C_BW_UTIL], limit,
           bits & BENCH_SUSPECT_FLOP ? "," : "");
  if (bits & BENCH_SUSPECT_FLOP) printf(" flop_util %.2f > %.2f", best->v[BENCH_C_FLOP_UTIL], limit);
}

static void print_line(const console_reporter *c, const bench_result *res) {
  if (c->cfg.opts->progress && !c->cfg.pooled) fprintf(stderr, "\r\033[K"); /* the progress line */
  const bench_instance *in = res->instance;
  if (res->error) {
    printf("%-72s ERROR: %s\n", in->name, res->error);
    return;
  }
  const bench_samples *s = res->samples;
  stats_summary st;
  stats_compute(s->real_s, (size_t)s->reps, &st);
  bench_counters med, best; /* against the roofs of the path that ran */
  bench_counters_at(c->cfg.machine, res->isa, &res->cost, st.median, &med);
  bench_counters_at(c->cfg.machine, res->isa, &res->cost, st.min, &best);
  printf("%-72s %11.2f us %7.2f GB/s", in->name, st.median * 1e6,
         med.v[BENCH_C_BYTES_PER_SECOND] / 1e9);
  print_util(&med, &best, res->hot);
  printf("  (%d reps, noise %.2f%%, %s)", s->reps, 100 * s->noise, s->stop_reason);
  if (s->foreign_load > CONTENDED_LOAD)
    printf("  WARNING: other processes took %.0f%% of the CPUs", 100 * s->foreign_load);
  printf("\n");
  fflush(stdout);
}

static void console_run(bench_reporter *r, const bench_result *res) {
  console_reporter *c = (console_reporter *)r;
  if (c->cfg.pooled)
    c->pending[res->instance - c->cfg.inst] = res;
  else
    print_line(c, res);
}

static int console_end(bench_reporter *r, int last) {
  console_reporter *c = (console_reporter *)r;
  if (c->cfg.pooled && !last)
    for (size_t i = 0; i < c->cfg.n; ++i) c->done[i] = c->pending[i] ? c->pending[i] : c->done[i];
  if (!last) return 0;
  const bench_machine *m = c->cfg.machine;
  if (m->probed && m->probe_runs > 1) {
    double lo = m->bw_runs[0];
    for (int i = 1; i < m->probe_runs && i < BENCH_PROBE_RUNS_KEPT; ++i)
      lo = m->bw_runs[i] < lo ? m->bw_runs[i] : lo;
    printf("machine: best of %d probe passes: bw_peak %.1f GB/s (passes from %.1f), fp32 %.0f "
           "GFLOP/s\n",
           m->probe_runs, m->bw_peak / 1e9, lo / 1e9, m->peak_fp32_flops / 1e9);
  }
  for (size_t i = 0; c->done && i < c->cfg.n; ++i) {
    const bench_result *res = c->done[i];
    if (res && (res->error || res->samples->reps > 0)) print_line(c, res);
  }
  fflush(stdout);
  return 0;
}

static void console_destroy(bench_reporter *r) {
  console_reporter *c = (console_reporter *)r;
  if (!c) return;
  free(c->pending);
  free(c->done);
  free(c);
}

bench_reporter *bench_console_reporter_create(const bench_reporter_config *cfg) {
  console_reporter *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->base = (bench_reporter){NULL, console_run, console_end, console_destroy};
  c->cfg = *cfg;
  if (cfg->pooled) {
    c->pending = calloc(cfg->n ? cfg->n : 1, sizeof *c->pending);
    c->done = calloc(cfg->n ? cfg->n : 1, sizeof *c->done);
    if (!c->pending || !c->done) return console_destroy(&c->base), NULL;
  }
  return &c->base;
}
