/* pilot.c - the budget's cost model and its calibration (see pilot.h).
 *
 * NOTES
 *  1. The calibration instance of a class is chosen with a prior rate (half
 *     the probed bandwidth, a third of the probed fp32 peak; 10 GB/s and
 *     20 GFLOP/s without probes): the largest whose prior time is under
 *     50 ms and whose working sets stay near cold mode's floor (set-up, not
 *     the calls, is what a pilot on a busy host spends its time on: filling
 *     a few hundred MB took 1-4 s at a load average of 8 on 2 cores). Classes
 *     are calibrated cheapest first, so a class whose smallest
 *     instance is long (prior > 0.3 s) can borrow from one already done.
 *  2. A calibration: set-up (timed), one call (thread start, first touch of
 *     the output); when that call took 0.1 s or more it is the measurement,
 *     else up to 64 more calls, at least 3 and until 50 ms (0.3 s at most),
 *     and their median is the time per call (robust to a preempted call).
 *  3. The estimates are only a first guess: the runner replaces them with
 *     measured times after the first round (schedule.c).
 */
#define _POSIX_C_SOURCE 200809L
#include "pilot.h"
#include "cpu_load.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/stats.h"
#include "workload_cost.h"

#define TARGET_PRIOR_S 0.05
#define BORROW_PRIOR_S 0.3
#define LONG_CALL_S 0.1
#define MAX_TIMED 64

static double now_s(void) { return clock_seconds(CLOCK_MONOTONIC); }

int bench_workload_cost(const bench_instance *in, const bench_env *env, bench_cost *cost,
                        int *rotations) {
  const bench_op *op = in->suite->op;
  if (op == &bench_op_decode_paged) return bench_decode_cost(in, env, 1, cost, rotations);
  if (op == &bench_op_decode_dense) return bench_decode_cost(in, env, 0, cost, rotations);
  if (op == &bench_op_prefill_paged) return bench_prefill_cost(in, env, 1, cost, rotations);
  if (op == &bench_op_prefill_dense) return bench_prefill_cost(in, env, 0, cost, rotations);
  if (op == &bench_op_fill_kv_pages) return bench_fill_cost(in, env, cost, rotations);
  return -1;
}

static double prior_rate(const bench_machine *m, int per_flop) {
  if (per_flop) return m && m->probed && m->peak_fp32_flops > 0 ? m->peak_fp32_flops / 3 : 20e9;
  return m && m->probed && m->bw_peak > 0 ? m->bw_peak / 2 : 10e9;
}

void bench_pilot_estimate(bench_pilot *p, size_t i) {
  bench_estimate *e = &p->est[i];
  if (!e->valid) return;
  const bench_pilot_class *c = &p->classes[e->klass];
  if (c->calibrated_on == i && c->call_s > 0) {
    e->call_s = c->call_s;
  } else {
    double k = c->s_per_unit > 0 ? c->s_per_unit : 1 / prior_rate(NULL, e->per_flop);
    e->call_s = k * e->work;
  }
  if (e->call_s < 1e-7) e->call_s = 1e-7;
  e->overhead_s = 0.002 + p->setup_s_per_byte * e->alloc_bytes;
}

typedef struct ctx_cache {
  int threads[16];
  pal_context *ctx[16];
  int count;
} ctx_cache;

static const pal_context *context_for(ctx_cache *c, int threads) {
  for (int i = 0; i < c->count; ++i)
    if (c->threads[i] == threads) return c->ctx[i];
  if (c->count == 16) return NULL;
  pal_context_options o = {PAL_ISA_AUTO, threads};
  pal_context *ctx = NULL;
  if (pal_context_create(&o, &ctx, NULL) != PAL_OK) return NULL;
  c->threads[c->count] = threads;
  c->ctx[c->count++] = ctx;
  return ctx;
}

/* Times instance i for class c (NOTES 2). 0, 1 on stop, -1 on failure (note set). */
static int calibrate(bench_pilot *p, bench_pilot_class *c, const bench_instance *in, size_t i,
                     const bench_machine *m, int hot, ctx_cache *cache, volatile sig_atomic_t *stop) {
  const pal_context *ctx = context_for(cache, (int)bench_get_int(in, "threads", 0));
  if (!ctx) return snprintf(c->note, sizeof c->note, "no context"), -1;
  bench_env env = {ctx, m, hot, 3 * m->llc_bytes};
  const bench_op *op = in->suite->op;
  void *state = NULL;
  bench_cost cost;
  int rot = 1;
  char why[256] = "";
  double t0 = now_s();
  int rc = op->setup(in, &env, &state, &cost, &rot, why, sizeof why);
  c->setup_s = now_s() - t0;
  if (rc != 0) { /* a failed setup freed what it made (bench.h) */
    snprintf(c->note, sizeof c->note, "set-up failed: %.100s", why);
    return -1;
  }
  double times[MAX_TIMED];
  int nt = 0, failed = 0;
  int64_t call = 0;
  const double c0 = now_s();
  failed = op->run(state, (int)(call++ % rot), why, sizeof why) != 0;
  const double first = now_s() - c0;
  while (!failed && first < LONG_CALL_S && nt < MAX_TIMED && !*stop) {
    double el = now_s() - c0;
    if ((nt >= 3 && el >= TARGET_PRIOR_S) || (nt >= 1 && el >= BORROW_PRIOR_S)) break;
    double t = now_s();
    failed = op->run(state, (int)(call++ % rot), why, sizeof why) != 0;
    times[nt++] = now_s() - t;
  }
  double t1 = now_s();
  op->teardown(state);
  c->teardown_s = now_s() - t1;
  if (*stop) return 1;
  if (failed) return snprintf(c->note, sizeof c->note, "call failed: %.100s", why), -1;
  stats_summary st;
  c->call_s = nt > 0 && stats_compute(times, (size_t)nt, &st) == 0 ? st.median : first;
  c->calls_timed = nt > 0 ? nt : 1;
  c->s_per_unit = c->call_s / (p->est[i].work > 0 ? p->est[i].work : 1);
  c->calibrated_on = i;
  return 0;
}

/* Classes in calibration order: cheapest calibration first. */
typedef struct class_order {
  double prior;
  size_t klass, pick;
} class_order;

static int by_prior(const void *a, const void *b) {
  const class_order *x = a, *y = b;
  if (x->prior != y->prior) return x->prior < y->prior ? -1 : 1;
  return x->klass < y->klass ? -1 : x->klass > y->klass;
}

int bench_pilot_run(const bench_instance *inst, size_t n, const bench_machine *m, int hot,
                    volatile sig_atomic_t *stop, bench_pilot *p) {
  const double t_start = now_s();
  memset(p, 0, sizeof *p);
  p->n = n;
  p->est = calloc(n ? n : 1, sizeof *p->est);
  p->classes = calloc(n ? n : 1, sizeof *p->classes);
  class_order *order = calloc(n ? n : 1, sizeof *order);
  if (!p->est || !p->classes || !order) {
    free(order);
    bench_pilot_free(p);
    return -1;
  }
  bench_env env = {NULL, m, hot, 3 * m->llc_bytes};
  for (size_t i = 0; i < n; ++i) {
    bench_estimate *e = &p->est[i];
    bench_cost cost;
    e->klass = -1;
    if (bench_workload_cost(&inst[i], &env, &cost, &e->rotations) != 0) continue;
    e->valid = 1;
    e->per_flop = cost.flop_dtype > 0 && cost.flops > 0;
    e->work = e->per_flop ? cost.flops : cost.bytes;
    e->alloc_bytes = (double)e->rotations * cost.bytes;
    const char *dtype = bench_get(&inst[i], "dtype");
    size_t k = 0;
    for (; k < p->num_classes; ++k)
      if (!strcmp(p->classes[k].family, inst[i].suite->name) &&
          !strcmp(p->classes[k].dtype, dtype ? dtype : ""))
        break;
    if (k == p->num_classes) {
      bench_pilot_class *c = &p->classes[p->num_classes++];
      c->family = inst[i].suite->name;
      snprintf(c->dtype, sizeof c->dtype, "%s", dtype ? dtype : "");
      c->op = inst[i].suite->op;
      c->calibrated_on = (size_t)-1;
      c->borrowed_from = -1;
    }
    e->klass = (int)k;
  }
  /* each class's pick: the largest under the target, else the smallest */
  for (size_t k = 0; k < p->num_classes; ++k) {
    size_t best = (size_t)-1, smallest = (size_t)-1;
    for (size_t i = 0; i < n; ++i) {
      const bench_estimate *e = &p->est[i];
      if (!e->valid || e->klass != (int)k) continue;
      double prior = e->work / prior_rate(m, e->per_flop);
      if (smallest == (size_t)-1 || e->work < p->est[smallest].work) smallest = i;
      /* set-up fills rotations x bytes: keep it near cold mode's floor */
      const double small_sets = m->llc_bytes > 0 ? 4.5 * (double)m->llc_bytes : 256e6;
      if (prior <= TARGET_PRIOR_S && (hot || e->alloc_bytes <= small_sets) &&
          (best == (size_t)-1 || e->work > p->est[best].work))
        best = i;
    }
    order[k].klass = k;
    order[k].pick = best != (size_t)-1 ? best : smallest;
    order[k].prior = p->est[order[k].pick].work / prior_rate(m, p->est[order[k].pick].per_flop);
  }
  qsort(order, p->num_classes, sizeof *order, by_prior);
  ctx_cache cache;
  memset(&cache, 0, sizeof cache);
  double setup_sum = 0, alloc_sum = 0;
  int rc = 0;
  for (size_t o = 0; o < p->num_classes && rc == 0; ++o) {
    bench_pilot_class *c = &p->classes[order[o].klass];
    if (order[o].prior > BORROW_PRIOR_S) {
      for (size_t j = 0; j < p->num_classes; ++j) {
        const bench_pilot_class *d = &p->classes[j];
        if (j != order[o].klass && d->op == c->op && !strcmp(d->dtype, c->dtype) &&
            d->calibrated_on != (size_t)-1) {
          c->borrowed_from = (int)j;
          c->s_per_unit = d->s_per_unit;
          break;
        }
      }
      if (c->borrowed_from >= 0) continue;
    }
    int r = calibrate(p, c, &inst[order[o].pick], order[o].pick, m, hot, &cache, stop);
    if (r == 1) rc = 1;
    if (r == 0) {
      setup_sum += c->setup_s + c->teardown_s;
      alloc_sum += p->est[order[o].pick].alloc_bytes;
    }
  }
  for (int i = 0; i < cache.count; ++i) pal_context_destroy(cache.ctx[i]);
  /* set-up: about 1 GB/s when nothing was timed */
  p->setup_s_per_byte = alloc_sum > 0 ? setup_sum / alloc_sum : 1e-9;
  for (size_t i = 0; i < n; ++i) bench_pilot_estimate(p, i);
  free(order);
  p->seconds = now_s() - t_start;
  return rc;
}

void bench_pilot_free(bench_pilot *p) {
  free(p->est);
  free(p->classes);
  p->est = NULL;
  p->classes = NULL;
}
