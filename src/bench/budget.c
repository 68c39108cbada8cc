/* budget.c - the pure planning function (see budget.h).
 *
 * NOTES
 *  1. Cost of one instance measured in r rounds of q repetitions each:
 *       r * (overhead + warm-up calls * call + q * calls_per_rep * call)
 *     with measure.c's rules for the warm-up (at least `rotations` calls
 *     and warmup_s) and the repetition (ceil(min_rep_s / call) calls). The
 *     full setting is r = rounds with the time cap split evenly over them;
 *     the cheapest is min_reps repetitions in one round (what the
 *     statistics need, and one warm-up instead of r).
 *  2. The allowance L is found by bisection on "the plan at L fits". An
 *     instance's cost at L is its dearest setting not above L, trying the
 *     most rounds first and in them the most repetitions. As L falls the
 *     dearest instances lose repetitions, then rounds, while the cheap ones
 *     keep everything.
 *  3. Dropping (costliest minimum first) happens before the bisection, so
 *     it never drops an instance that a smaller setting could have kept.
 *  4. The floor: L is not lowered below the median instance's full cost
 *     while dropping the dearest instances can keep it there. So the long
 *     instances are trimmed (repetitions, rounds) and then dropped before
 *     a typical instance loses anything: 90 cheap instances cut to 6 ms of
 *     measurement each so that one 8k-context prefill could keep its 80 s
 *     is not a trade the main job should make. Only when the cheaper half
 *     alone does not fit at that level is it trimmed too, then dropped.
 */
#include "budget.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WARMUP_MAX_CALLS 100000 /* measure.c stops the warm-up there */

int64_t bench_budget_calls_per_rep(double call_s, double min_rep_s) {
  if (!(call_s > 0)) return 1;
  double c = ceil(min_rep_s / call_s);
  return c < 1 ? 1 : c > 1e9 ? 1000000000 : (int64_t)c;
}

int64_t bench_budget_warmup_calls(double call_s, int rotations, double warmup_s,
                                  double warmup_max_s) {
  double by_time = call_s > 0 ? ceil(warmup_s / call_s) : 1;
  double c = rotations > by_time ? rotations : by_time;
  if (warmup_max_s > 0 && call_s > 0 && c > ceil(warmup_max_s / call_s)) c = ceil(warmup_max_s / call_s);
  if (c < 1) c = 1;
  return c > WARMUP_MAX_CALLS ? WARMUP_MAX_CALLS : (int64_t)c;
}

/* Everything about one item that does not depend on the allowance. */
typedef struct shape {
  double call, rep, round_fixed; /* seconds: per call, per repetition, per round before reps */
  int64_t calls_per_rep, warmup_calls;
  int need;     /* repetitions still needed to reach min_reps */
  double t_rem; /* measured seconds still wanted for the full setting */
} shape;

static shape shape_of(const bench_budget_item *it, const bench_budget_params *p) {
  shape s;
  s.call = (it->call_s > 0 ? it->call_s : 1e-9) + (p->call_overhead_s > 0 ? p->call_overhead_s : 0);
  s.calls_per_rep = bench_budget_calls_per_rep(s.call, p->min_rep_s);
  s.warmup_calls = bench_budget_warmup_calls(s.call, it->rotations, p->warmup_s, p->warmup_max_s);
  s.rep = (double)s.calls_per_rep * s.call;
  s.round_fixed = (it->overhead_s > 0 ? it->overhead_s : 0) + (double)s.warmup_calls * s.call;
  s.need = p->min_reps - it->have_reps;
  if (s.need < 0) s.need = 0;
  s.t_rem = p->max_time_s - it->have_s;
  if (s.t_rem < 0) s.t_rem = 0;
  return s;
}

/* Repetitions each of r rounds needs so that the item reaches min_reps. */
static int min_q(const shape *s, int r) { return s->need > 0 ? (s->need + r - 1) / r : 1; }

/* Repetitions per round of the full setting spread over r rounds. */
static int full_q(const shape *s, int r) {
  double q = ceil(s->t_rem / r / s->rep - 1e-9);
  int k = min_q(s, r);
  return q > k ? (q > 1e9 ? 1000000000 : (int)q) : k;
}

static double cost(const shape *s, int r, int q) { return r * (s->round_fixed + q * s->rep); }

static int nothing_left(const shape *s) { return s->need == 0 && s->t_rem <= 0; }

/* The setting at allowance L: the most rounds, then the most repetitions
 * per round (up to the full setting, never below the minimum), whose cost
 * is not above L; r = 0 when the item needs nothing more and nothing fits,
 * else its cheapest setting (one round, the repetitions it still needs). */
static void choose(const shape *s, int rounds, double L, int *r_out, int *q_out) {
  if (nothing_left(s)) {
    *r_out = 0, *q_out = 0;
    return;
  }
  for (int r = rounds; r >= 1; --r) {
    double room = (L / r - s->round_fixed) / s->rep;
    if (room < 0) continue;
    double fq = floor(room + 1e-9);
    int q = fq > 1e9 ? 1000000000 : (int)fq;
    int qf = full_q(s, r);
    if (q > qf) q = qf;
    if (q >= min_q(s, r)) {
      *r_out = r, *q_out = q;
      return;
    }
  }
  if (s->need == 0) {
    *r_out = 0, *q_out = 0;
  } else {
    *r_out = 1, *q_out = s->need;
  }
}

static double min_cost(const shape *s) { return s->need > 0 ? cost(s, 1, s->need) : 0; }
static double full_cost(const shape *s, int rounds) {
  return nothing_left(s) ? 0 : cost(s, rounds, full_q(s, rounds));
}

static double plan_at(const shape *sh, const bench_budget_item *items, const char *keep, size_t n,
                      int rounds, double L) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!keep[i] || items[i].excluded) continue;
    int r, q;
    choose(&sh[i], rounds, L, &r, &q);
    sum += cost(&sh[i], r, q);
  }
  return sum;
}

/* Order for dropping: costliest minimum first, ties by the later index. */
typedef struct drop_key {
  double min_s;
  size_t index;
} drop_key;

static int by_value(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static int by_cost_desc(const void *a, const void *b) {
  const drop_key *x = a, *y = b;
  if (x->min_s != y->min_s) return x->min_s < y->min_s ? 1 : -1;
  return x->index < y->index ? 1 : x->index > y->index ? -1 : 0;
}

double bench_budget_plan(const bench_budget_item *items, size_t n, const bench_budget_params *p,
                         bench_budget_choice *out) {
  const int rounds = p->rounds < 1 ? 1 : p->rounds;
  const int trim = p->budget_s > 0;
  shape *sh = calloc(n ? n : 1, sizeof *sh);
  char *keep = calloc(n ? n : 1, 1);
  drop_key *order = calloc(n ? n : 1, sizeof *order);
  if (!sh || !keep || !order) {
    free(sh), free(keep), free(order);
    return -1;
  }
  double sum_min = 0, sum_full = 0, max_full = 0;
  size_t live = 0;
  for (size_t i = 0; i < n; ++i) {
    memset(&out[i], 0, sizeof out[i]);
    if (items[i].excluded) continue;
    sh[i] = shape_of(&items[i], p);
    keep[i] = 1;
    out[i].min_s = min_cost(&sh[i]);
    out[i].full_s = full_cost(&sh[i], rounds);
    sum_min += out[i].min_s;
    sum_full += out[i].full_s;
    if (out[i].full_s > max_full) max_full = out[i].full_s;
    order[live].min_s = out[i].min_s;
    order[live++].index = i;
  }

  /* The floor (NOTES 4): the allowance never goes below the median
   * instance's full cost while dropping the dearest can keep it there. */
  double floor_L = 0, left = p->budget_s - sum_min;
  if (trim && sum_full > p->budget_s) {
    double *fc = calloc(live ? live : 1, sizeof *fc);
    if (fc) {
      for (size_t k = 0; k < live; ++k) fc[k] = out[order[k].index].full_s;
      qsort(fc, live, sizeof *fc, by_value);
      floor_L = live ? fc[live / 2] : 0;
      free(fc);
    }
    qsort(order, live, sizeof *order, by_cost_desc);
    double sum_floor = plan_at(sh, items, keep, n, rounds, floor_L);
    size_t k = 0;
    /* 1. drop the dearest (each costs its minimum at the floor) until the floor fits */
    for (; k < live && sum_floor > p->budget_s && order[k].min_s > floor_L; ++k) {
      keep[order[k].index] = 0;
      out[order[k].index].dropped = 1;
      sum_floor -= order[k].min_s;
      sum_min -= order[k].min_s;
    }
    left = p->budget_s - sum_floor;
    if (sum_floor > p->budget_s) { /* the cheaper half too: trimmed, then drops */
      floor_L = 0;
      for (; k < live && sum_min > p->budget_s; ++k) {
        keep[order[k].index] = 0;
        out[order[k].index].dropped = 1;
        sum_min -= order[k].min_s;
      }
      left = p->budget_s - sum_min;
    }
  }
  /* 2. the allowance: everything full when that fits, else bisection */
  double L = max_full > floor_L ? max_full : floor_L;
  if (trim && plan_at(sh, items, keep, n, rounds, L) > p->budget_s) {
    double lo = floor_L, hi = L;
    for (int it = 0; it < 200 && hi - lo > 1e-9 * (hi > 1 ? hi : 1); ++it) {
      double mid = 0.5 * (lo + hi);
      if (plan_at(sh, items, keep, n, rounds, mid) <= p->budget_s)
        lo = mid;
      else
        hi = mid;
    }
    L = lo;
  }
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    bench_budget_choice *c = &out[i];
    if (items[i].excluded) continue;
    const shape *s = &sh[i];
    c->calls_per_rep = s->calls_per_rep;
    c->warmup_calls = s->warmup_calls;
    if (c->dropped) {
      snprintf(c->reason, sizeof c->reason,
               "est. %.3g s/call x (%d reps + %lld warm-up call%s) + %.2g s set-up = %.1f s > "
               "%.1f s left of %.0f s for the sweep",
               s->call, s->need, (long long)s->warmup_calls, s->warmup_calls == 1 ? "" : "s",
               items[i].overhead_s, c->min_s,
               left > 0 ? left : 0, p->budget_s);
      continue;
    }
    int r, q;
    choose(s, rounds, trim ? L : max_full, &r, &q);
    if (!trim && !nothing_left(s)) r = rounds, q = full_q(s, rounds);
    c->rounds = r;
    c->reps_per_round = q;
    c->min_reps_round = r > 0 ? min_q(s, r) : 0;
    c->est_s = cost(s, r, q);
    /* the full setting keeps the natural cap; a trimmed one stops near q reps */
    if (r == rounds && q == full_q(s, rounds))
      c->slice_s = s->t_rem / rounds;
    else
      c->slice_s = r > 0 ? (q - 0.5) * s->rep : 0;
    if (c->slice_s < 0) c->slice_s = 0;
    c->trimmed = c->est_s < c->full_s * (1 - 1e-12);
    total += c->est_s;
  }
  free(sh), free(keep), free(order);
  return total;
}
