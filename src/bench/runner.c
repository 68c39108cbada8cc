/* runner.c - expands the sweep, probes the machine, and runs every instance
 * through setup -> measure -> teardown in one loop over rounds (one pass:
 * rounds = 1), handing each result to the reporters (reporter.h: console
 * and JSON, one result file per family).
 *
 * NOTES
 *  1. Cold mode rotates through working sets totalling 3 x the last-level
 *     cache, so with any replacement policy a call finds little of its data
 *     in cache. --hot runs one working set back to back. Both are labelled.
 *  2. Contexts are made per distinct `threads` axis value and kept for the
 *     run: the thread count is part of the instance, not of the process.
 *  3. After SIGINT the current instance is dropped, files already hold every
 *     finished one (the JSON reporter rewrites them atomically), exit is 130.
 *  4. --interleave R measures the sweep R times over, each instance for
 *     max_time / R per round (set up and torn down each time: cold working
 *     sets do not fit side by side), and pools its samples. On a shared host
 *     the load drifts over minutes; one pass puts the paged family minutes
 *     away from the dense one, R rounds expose both to the same drift, which
 *     is what an in-run ratio needs. Files are rewritten after each round,
 *     the console lines come once, at the end (reporter.h: pooled). A
 *     --budget of one round is pooled too.
 *     The machine limits are probed again before each round and each peak
 *     kept as the best pass: a probe taken in a slow stretch would otherwise
 *     inflate every utilisation of the run (best repetitions read above 1).
 *  5. Which instance a round measures when, and with what time cap, is the
 *     schedule's (schedule.c): a shuffled order per round (--seed) and,
 *     under --budget, the plan and its revisions; an instance the budget
 *     dropped has no samples and writes no row.
 */
#define _POSIX_C_SOURCE 200809L
#include "runner.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/clock.h"
#include "../common/fs.h"
#include "machine.h"
#include "reporter.h"

#define MAX_CONTEXTS 16

typedef struct context_cache {
  int threads[MAX_CONTEXTS];
  pal_context *ctx[MAX_CONTEXTS];
  int count;
} context_cache;

static pal_context *context_for(context_cache *c, int threads, char *why, size_t why_size) {
  for (int i = 0; i < c->count; ++i)
    if (c->threads[i] == threads) return c->ctx[i];
  if (c->count == MAX_CONTEXTS) return snprintf(why, why_size, "too many thread counts"), NULL;
  pal_context_options o = {PAL_ISA_AUTO, threads};
  pal_error err;
  pal_context *ctx = NULL;
  if (pal_context_create(&o, &ctx, &err) != PAL_OK)
    return snprintf(why, why_size, "%s", err.message), NULL;
  c->threads[c->count] = threads;
  c->ctx[c->count++] = ctx;
  return ctx;
}

static double now_s(void) { return clock_seconds(CLOCK_MONOTONIC); }

static void progress(const bench_run_opts *o, size_t k, size_t n, const char *name, double t0) {
  if (!o->progress) return;
  double el = now_s() - t0;
  double left = k > 0 ? el / (double)k * (double)(n - k) : 0;
  fprintf(stderr, "\r\033[K[%zu/%zu] %.60s  %.0fs elapsed, ~%.0fs left", k + 1, n, name, el, left);
  fflush(stderr);
}

/* An instance's result: one pass's, or pooled over the rounds so far. */
typedef struct pooled {
  bench_result res;
  bench_samples samples;
  char why[256];
} pooled;

/* One slice of instance `in` (the whole measurement in one pass), pooled
 * into p: setup, measure (again, up to `retries` times, while other
 * processes took more than CONTENDED_LOAD of the CPUs), teardown. 130 on
 * SIGINT, else 0 (an error is recorded in p). */
static int measure_slice(const bench_run_opts *o, const bench_measure_opts *slice, int retries,
                         const bench_instance *in, const bench_env *env, pooled *p) {
  const bench_op *op = in->suite->op;
  void *state = NULL;
  p->res.threads = pal_context_num_threads(env->ctx);
  p->res.isa = pal_isa_name(pal_context_isa(env->ctx));
  int rc = 0;
  if (op->setup(in, env, &state, &p->res.cost, &p->res.rotations, p->why, sizeof p->why) != 0) {
    p->res.error = p->why; /* setup freed what it made (bench.h) */
  } else {
    bench_samples s;
    int m = bench_measure(op, state, p->res.rotations, slice, o->stop, &s);
    for (int retry = 0;
         m == 0 && retry < retries && s.foreign_load > CONTENDED_LOAD && !*o->stop; ++retry) {
      if (o->progress) fprintf(stderr, "\r\033[K");
      fprintf(stderr, "pal bench: %s: other processes took %.0f%% of the CPUs; measuring again (%d/%d)\n",
              in->name, 100 * s.foreign_load, retry + 1, retries);
      bench_samples_free(&s);
      struct timespec pause = {1, 0};
      nanosleep(&pause, NULL);
      m = bench_measure(op, state, p->res.rotations, slice, o->stop, &s);
    }
    if (m == 1) {
      rc = 130;
    } else if (m != 0) {
      snprintf(p->why, sizeof p->why, "%s", s.error);
      p->res.error = p->why;
    } else if (bench_samples_append(&p->samples, &s) != 0) {
      snprintf(p->why, sizeof p->why, "out of memory pooling samples");
      p->res.error = p->why;
    }
    bench_samples_free(&s);
  }
  if (state) op->teardown(state);
  return rc;
}

enum { NUM_REPORTERS = 2 };

/* Hands results [i, end) to every reporter and ends the report. 0, or -1
 * when a reporter could not write (it printed why). */
static int report(bench_reporter *const *rep, pooled *pool, size_t i, size_t end) {
  for (size_t k = i; k < end; ++k) {
    pool[k].res.samples = pool[k].res.error ? NULL : &pool[k].samples;
    for (int r = 0; r < NUM_REPORTERS; ++r) rep[r]->run(rep[r], &pool[k].res);
  }
  for (int r = 0; r < NUM_REPORTERS; ++r)
    if (rep[r]->end(rep[r], 0) != 0) return -1;
  return 0;
}

/* A family begins at instance i (its context made on the way). 0 or -1. */
static int begin_family(bench_reporter *const *rep, const bench_instance *in,
                        context_cache *contexts) {
  char why[256];
  pal_context *ctx = context_for(contexts, (int)bench_get_int(in, "threads", 0), why, sizeof why);
  if (!ctx) return fprintf(stderr, "pal bench: %s: %s\n", in->name, why), -1;
  for (int r = 0; r < NUM_REPORTERS; ++r)
    if (rep[r]->begin && rep[r]->begin(rep[r], in, ctx) != 0) return -1;
  return 0;
}

/* The sweep in `rounds` rounds (NOTES 4; one pass: sched NULL, rounds 1).
 * Returns 0, 1 (a file could not be written, or a context not made) or
 * 130; *errors counts errored instances. */
static int run_rounds(const bench_run_opts *o, const bench_instance *inst, size_t n,
                      bench_machine *machine, context_cache *contexts, bench_schedule *sched,
                      bench_reporter *const *rep, pooled *pool, int *errors) {
  const int pooled_rounds = sched != NULL; /* reporter.h: pooled */
  const int rounds = sched ? bench_schedule_rounds(sched) : 1; /* order, budget: schedule.c */
  int status = 0, done = 0;
  for (size_t i = 0; i < n; ++i) {
    pool[i].res.instance = &inst[i];
    pool[i].res.hot = o->hot;
  }
  /* Under rounds every family's file exists from the start. */
  for (size_t i = 0; pooled_rounds && i < n && status == 0; ++i)
    if (i == 0 || inst[i].family_index != inst[i - 1].family_index)
      status = begin_family(rep, &inst[i], contexts) != 0;
  /* A slice is a fixed share of the cap: no early stop on noise. */
  bench_measure_opts slice = o->measure;
  if (pooled_rounds) {
    slice.max_time_s = o->measure.max_time_s / rounds;
    if (slice.min_time_s > slice.max_time_s) slice.min_time_s = slice.max_time_s;
    slice.noise = -1;
  }
  const double t0 = now_s();
  for (int round = 0; round < rounds && status == 0; ++round) {
    /* The limits drift with the host like the instances do: probed again
     * before each round, each peak the best pass (counters are computed at
     * each report, so every row uses the final peaks). */
    if (round > 0) bench_machine_reprobe(machine);
    for (size_t k = 0; k < n && status == 0; ++k) {
      const size_t i = sched ? bench_schedule_index(sched, round, k) : k;
      bench_measure_opts sl = slice;
      if (sched && (pool[i].res.error || !bench_schedule_slice(sched, round, i, &slice, &sl)))
        continue;
      progress(o, (size_t)round * n + k, (size_t)rounds * n, inst[i].name, t0);
      char why[256];
      pal_context *ctx = context_for(contexts, (int)bench_get_int(&inst[i], "threads", 0), why, sizeof why);
      if (!ctx) {
        fprintf(stderr, "%spal bench: %s: %s\n", o->progress ? "\r\033[K" : "", inst[i].name, why);
        status = 1;
        break;
      }
      if (!pooled_rounds && (i == 0 || inst[i].family_index != inst[i - 1].family_index) &&
          begin_family(rep, &inst[i], contexts) != 0) {
        status = 1;
        break;
      }
      bench_env env = {ctx, machine, o->hot, 3 * machine->llc_bytes};
      const double ts = now_s();
      status = measure_slice(o, &sl, pooled_rounds ? 0 : o->quiet_retries, &inst[i], &env, &pool[i]);
      if (rounds > 1) pool[i].samples.stop_reason = "interleaved";
      if (sched)
        bench_schedule_measured(sched, i, now_s() - ts, pool[i].res.error != NULL, &pool[i].samples);
      if (!pooled_rounds && status == 0) { /* one pass: report the instance now */
        const int failed = report(rep, pool, i, i + 1) != 0;
        *errors += pool[i].res.error != NULL || failed;
        bench_samples_free(&pool[i].samples);
      }
    }
    if (!pooled_rounds) break;
    if (status == 0) bench_schedule_round_done(sched, round); /* re-plan; drops */
    if (status == 0 && report(rep, pool, 0, n) != 0) status = 1;
    if (status == 0) done = round + 1;
  }
  if (o->progress) fprintf(stderr, "\r\033[K");
  for (int r = 0; r < NUM_REPORTERS; ++r) rep[r]->end(rep[r], 1); /* console: pooled lines */
  for (size_t i = 0; pooled_rounds && done > 0 && i < n; ++i) *errors += pool[i].res.error != NULL;
  if (status == 130 && pooled_rounds)
    fprintf(stderr, "pal bench: interrupted in round %d of %d; %s\n", done + 1, rounds,
            done ? "result files hold every instance as of the last complete round"
                 : "no round was complete, the result files hold no instance");
  else if (status == 130)
    fprintf(stderr, "pal bench: interrupted; result files hold every finished instance\n");
  return status;
}

int bench_run(const bench_run_opts *o) {
  const double t_run = now_s(); /* a --budget counts from here */
  bench_instance *inst = NULL;
  size_t n = 0;
  char why[512];
  bench_sweep_opts sweep = o->sweep;
  if (bench_expand_all(&sweep, &inst, &n, why, sizeof why) != 0) {
    fprintf(stderr, "pal bench: %s\n", why);
    free(inst);
    return 2;
  }
  if (o->list && !(o->budget.enabled && o->budget.budget_s > 0)) { /* else: the plan, below */
    for (size_t i = 0; i < n; ++i) printf("%s\n", inst[i].name);
    fprintf(stderr, "%zu instances\n", n);
    free(inst);
    return 0;
  }
  if (n == 0) {
    fprintf(stderr, "pal bench: no instance matches (see --list)\n");
    free(inst);
    return 2;
  }
  if (mkdir_p(o->out_dir) != 0) {
    fprintf(stderr, "pal bench: cannot create %s: %s\n", o->out_dir, strerror(errno));
    free(inst);
    return 1;
  }
  bench_machine machine;
  bench_machine_describe(&machine);
  if (o->probe) {
    if (o->progress) fprintf(stderr, "probing memory bandwidth and compute peaks...");
    bench_machine_probe(&machine, o->quiet_retries);
    if (o->progress) fprintf(stderr, "\r\033[K");
    bench_machine_print_probes(&machine);
  }
  bench_schedule *sched = NULL; /* rounds, their order, the budget's plan */
  if (o->interleave > 1 || o->budget.enabled) {
    int rc = bench_schedule_create(o, inst, n, &machine, t_run, now_s() - t_run, &sched);
    if (rc == 0 && (o->budget.plan_only || o->list)) {
      bench_schedule_print_plan(sched, stdout);
      rc = bench_schedule_write_plan(sched, o->budget.plan_out) != 0;
      bench_schedule_free(sched);
      free(inst);
      return rc;
    }
    if (rc != 0) {
      free(inst);
      return rc == 1 ? 130 : rc == 2 ? 2 : 1;
    }
  }
  /* JSON first: under rounds a round the files could not hold is not
   * committed to the console either. */
  const bench_reporter_config cfg = {o, &machine, sched, sched != NULL, inst, n};
  bench_reporter *rep[NUM_REPORTERS] = {bench_json_reporter_create(&cfg),
                                        bench_console_reporter_create(&cfg)};
  pooled *pool = calloc(n, sizeof *pool);
  context_cache contexts = {{0}, {0}, 0};
  int status = 0, errors = 0;
  const double t0 = now_s();
  if (!rep[0] || !rep[1] || !pool) {
    fprintf(stderr, "pal bench: out of memory\n");
    status = 1;
  } else {
    status = run_rounds(o, inst, n, &machine, &contexts, sched, rep, pool, &errors);
  }
  fprintf(stderr, "pal bench: %zu instances, %d errored, %.0f s\n", n, errors, now_s() - t0);
  for (int r = 0; r < NUM_REPORTERS; ++r)
    if (rep[r]) rep[r]->destroy(rep[r]);
  for (size_t i = 0; pool && i < n; ++i) bench_samples_free(&pool[i].samples);
  free(pool);
  bench_schedule_finish(sched);
  bench_schedule_free(sched);
  for (int i = 0; i < contexts.count; ++i) pal_context_destroy(contexts.ctx[i]);
  free(inst);
  return status ? status : errors ? 1 : 0;
}
