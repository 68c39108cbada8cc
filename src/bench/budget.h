/* budget.h - sizing a sweep to a time budget: the pure planning function.
 *
 * Given each instance's estimated seconds per call and per-round overhead,
 * the planner picks for every instance how many interleaved rounds it is
 * measured in and how many repetitions each round takes, so that the whole
 * sweep fits the budget:
 *   1. nothing is trimmed when everything fits at the full setting (the
 *      time cap in every round) or when the budget is 0;
 *   2. otherwise a common allowance L per instance is lowered (water
 *      filling): an instance that costs more than L gets fewer repetitions
 *      per round, then fewer rounds (one round costs one set-up and one
 *      warm-up), so the longest instances are trimmed first and the cheap
 *      ones keep their full setting; never below min_reps repetitions in
 *      all;
 *   3. L is not lowered below the median instance's full cost while
 *      dropping the costliest instances (by their cheapest setting, min_reps
 *      repetitions in one round) can keep it there; below that, the cheaper
 *      half is trimmed, and dropped costliest first when even its cheapest
 *      settings do not fit. Each drop comes with its reason.
 * Deterministic: the same items and parameters give the same plan (ties by
 * index). No I/O, no clock: tests/bench/test_budget.c drives it with fixed
 * costs. The same function re-plans between rounds with measured costs
 * (have_reps, have_s) and sizes the Python suite (rounds = 1). */
#ifndef PAL_BENCH_BUDGET_H
#define PAL_BENCH_BUDGET_H

#include <stddef.h>
#include <stdint.h>

/* What the planner knows of one instance. */
typedef struct bench_budget_item {
  double call_s;     /* estimated (or measured) seconds per call, > 0 */
  double overhead_s; /* per round besides warm-up and repetitions: setup, teardown */
  int rotations;     /* the warm-up makes at least this many calls (cold working sets) */
  int have_reps;     /* repetitions already measured (re-planning); 0 at first */
  double have_s;     /* seconds of repetitions already measured */
  int excluded;      /* 1: not planned at all (errored); reported as neither kept nor dropped */
} bench_budget_item;

typedef struct bench_budget_params {
  double budget_s;        /* seconds for the instances; <= 0: no trimming */
  int rounds;             /* rounds left to plan, >= 1 */
  double max_time_s;      /* the full setting: measured seconds per instance over all rounds */
  double min_rep_s;       /* a repetition runs ceil(min_rep_s / call) calls (measure.c) */
  double warmup_s;        /* the warm-up runs at least this long (measure.c) */
  double warmup_max_s;    /* ... and stops after this long, at least one call (0: no cap) */
  double call_overhead_s; /* added to every call (a harness's own per-call cost; 0 for C) */
  int min_reps;           /* repetitions an instance needs in all (pal bench --min-reps) */
} bench_budget_params;

/* The plan for one instance. */
typedef struct bench_budget_choice {
  int dropped;         /* 1: not measured (reason set) */
  int rounds;          /* rounds it is measured in: the first `rounds` of those planned */
  int reps_per_round;  /* repetitions each of those rounds takes */
  int min_reps_round;  /* a round's time cap stops it only after this many repetitions */
  double slice_s;      /* the time cap of each of its rounds (measured seconds) */
  int64_t calls_per_rep;
  int64_t warmup_calls;
  double est_s;        /* planned wall seconds, all its rounds */
  double full_s;       /* what the full setting would cost */
  double min_s;        /* the cheapest setting that still reaches min_reps */
  int trimmed;         /* 1: less than the full setting */
  char reason[200];    /* dropped: why */
} bench_budget_choice;

/* Plans n items; out[i] for items[i]. Returns the planned seconds in all. */
double bench_budget_plan(const bench_budget_item *items, size_t n, const bench_budget_params *p,
                         bench_budget_choice *out);

/* Calls per repetition and warm-up calls for a per-call time (measure.c's rules). */
int64_t bench_budget_calls_per_rep(double call_s, double min_rep_s);
int64_t bench_budget_warmup_calls(double call_s, int rotations, double warmup_s,
                                  double warmup_max_s);

#endif /* PAL_BENCH_BUDGET_H */
