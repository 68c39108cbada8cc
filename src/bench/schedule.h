/* schedule.h - what an interleaved or budgeted `pal bench` run measures when:
 * the order of each round (shuffled with a recorded seed), and under
 * --budget the plan (pilot.c's estimates through budget.c's planner), its
 * revision after every round from measured times, the list of dropped
 * instances with their reasons (console, result-file context, plan file).
 *
 * The runner (runner.c) asks it, round by round, which instance comes k-th,
 * whether to measure it and with what time cap, and reports each slice and
 * each finished round back. */
#ifndef PAL_BENCH_SCHEDULE_H
#define PAL_BENCH_SCHEDULE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "bench.h"
#include "measure.h"

/* pal bench's budget options (runner.h's bench_run_opts.budget). */
typedef struct bench_budget_opts {
  int enabled;            /* --budget given (0 included: the full sweep, untrimmed) */
  double budget_s;        /* seconds for the whole pal bench run; 0: no trimming */
  int plan_only;          /* --plan-only (or --list with --budget): print the plan, measure nothing */
  const char *plan_out;   /* --plan-out FILE: the plan as JSON (rewritten with measured costs) */
  const char *costs_from; /* --costs-from FILE: costs from an earlier run's plan file, no pilot */
  int for_python;         /* --plan-for python: size the pytest-benchmark suite (one pass) */
  int seed_set;
  unsigned long seed;     /* --seed: the rounds' shuffled order (0: sweep order); default 1 */
} bench_budget_opts;

struct bench_run_opts;
typedef struct bench_schedule bench_schedule;

/* Builds the schedule: under --budget runs the pilot (or reads --costs-from)
 * and plans, printing the plan summary and every dropped instance. t0 is
 * when the run started (the budget's clock), probe_s what one probe pass
 * took. Returns 0, 1 on SIGINT, 2 on a usage error, -1 on failure (a
 * message is printed). */
int bench_schedule_create(const struct bench_run_opts *o, const bench_instance *inst, size_t n,
                          const bench_machine *m, double t0, double probe_s, bench_schedule **out);
void bench_schedule_free(bench_schedule *s);

int bench_schedule_rounds(const bench_schedule *s);
/* The plan, one line per instance (--plan-only). */
void bench_schedule_print_plan(const bench_schedule *s, FILE *f);
/* Writes the plan file (o->budget.plan_out); 0 or -1. */
int bench_schedule_write_plan(const bench_schedule *s, const char *path);

/* The instance measured k-th in `round`. */
size_t bench_schedule_index(const bench_schedule *s, int round, size_t k);
/* 1: measure instance i in `round` with *slice (derived from *base, the
 * unbudgeted slice); 0: skip it this round. */
int bench_schedule_slice(bench_schedule *s, int round, size_t i, const bench_measure_opts *base,
                         bench_measure_opts *slice);
/* A slice of instance i took wall_s; `pooled` is its pool so far (kept, so
 * that a later drop can discard it); errored: the instance failed. */
void bench_schedule_measured(bench_schedule *s, size_t i, double wall_s, int errored,
                             bench_samples *pooled);
/* After every round: re-plans the rounds left from measured times; an
 * instance dropped now has its samples discarded. */
void bench_schedule_round_done(bench_schedule *s, int round);
/* Adds the schedule's keys to a family's result-file context (and keeps a
 * reference to refresh them at every write). Returns ctx. */
json_t *bench_schedule_context(bench_schedule *s, json_t *ctx, int family_index);
/* End of run: the summary line and the plan file with measured costs. */
void bench_schedule_finish(bench_schedule *s);

#endif
