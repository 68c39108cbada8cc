/* test_budget.c - the budget planner (src/bench/budget.c) on fixed costs:
 * deterministic, never below min_reps, the costliest dropped first and
 * only when nothing else fits, the long instances trimmed before the cheap
 * ones, rounds kept while they fit (and the cheap half's kept before the
 * dearest instance), the plan within the budget, budget 0 = no trimming,
 * and re-planning with repetitions already measured. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/bench/budget.h"

#define N 8

/* A sweep like pal bench's on a 2-core host: cheap decode instances and a
 * tail of long prefill ones (seconds per call). */
static const double calls[N] = {20e-6, 200e-6, 2e-3, 20e-3, 0.2, 1.0, 4.0, 14.0};

static void items_init_n(bench_budget_item *it, int n) {
  memset(it, 0, (size_t)n * sizeof *it);
  for (int i = 0; i < n; ++i) {
    it[i].call_s = calls[i];
    it[i].overhead_s = 0.1 + 0.02 * i; /* set-up grows with the working set */
    it[i].rotations = i < 4 ? 6 : 2;
  }
}

static void items_init(bench_budget_item *it) { items_init_n(it, N); }

static bench_budget_params params(double budget, int rounds) {
  bench_budget_params p = {budget, rounds, 1.0, 1e-3, 0.05, 0, 0, 5};
  return p;
}

static int reps_of(const bench_budget_choice *c) { return c->rounds * c->reps_per_round; }

static double total_of(const bench_budget_choice *c, int n) {
  double t = 0;
  for (int i = 0; i < n; ++i) t += c[i].dropped ? 0 : c[i].est_s;
  return t;
}

static void check_n(const bench_budget_item *it, int n, const bench_budget_params *p,
                    const bench_budget_choice *c, double total) {
  double max_kept_min = 0, min_dropped_min = INFINITY;
  for (int i = 0; i < n; ++i) {
    if (it[i].excluded) continue;
    if (c[i].dropped) {
      assert_true(c[i].reason[0] != 0);
      if (c[i].min_s < min_dropped_min) min_dropped_min = c[i].min_s;
      continue;
    }
    /* never below what the statistics need */
    assert_true(it[i].have_reps + reps_of(&c[i]) >= p->min_reps);
    assert_true(c[i].rounds >= 0 && c[i].rounds <= p->rounds);
    assert_true(c[i].min_reps_round * c[i].rounds + it[i].have_reps >= p->min_reps ||
                c[i].rounds == 0);
    assert_true(c[i].est_s <= c[i].full_s + 1e-9);
    if (c[i].min_s > max_kept_min) max_kept_min = c[i].min_s;
  }
  /* the costliest go first: every dropped one costs at least as much as any kept one */
  assert_true(min_dropped_min == INFINITY || min_dropped_min >= max_kept_min);
  assert_true(fabs(total - total_of(c, n)) < 1e-9);
  if (p->budget_s > 0) assert_true(total <= p->budget_s + 1e-9); /* everything fits */
}

static void check_invariants(const bench_budget_item *it, const bench_budget_params *p,
                             const bench_budget_choice *c, double total) {
  check_n(it, N, p, c, total);
}

static void test_budget_zero_is_untrimmed(void **state) {
  (void)state;
  bench_budget_item it[N];
  bench_budget_choice c[N];
  items_init(it);
  bench_budget_params p = params(0, 3);
  double total = bench_budget_plan(it, N, &p, c);
  for (int i = 0; i < N; ++i) {
    assert_false(c[i].dropped);
    assert_false(c[i].trimmed);
    assert_int_equal(c[i].rounds, 3);
    assert_true(fabs(c[i].est_s - c[i].full_s) < 1e-12);
    assert_true(fabs(c[i].slice_s - 1.0 / 3) < 1e-12); /* the cap split over the rounds */
  }
  check_invariants(it, &p, c, total);
}

static void test_ample_budget_is_untrimmed(void **state) {
  (void)state;
  bench_budget_item it[N];
  bench_budget_choice c[N];
  items_init(it);
  bench_budget_params p = params(1e6, 3);
  double total = bench_budget_plan(it, N, &p, c);
  for (int i = 0; i < N; ++i) assert_false(c[i].dropped || c[i].trimmed);
  check_invariants(it, &p, c, total);
}

static void test_deterministic(void **state) {
  (void)state;
  bench_budget_item it[N];
  bench_budget_choice a[N], b[N];
  items_init(it);
  bench_budget_params p = params(60, 3);
  double ta = bench_budget_plan(it, N, &p, a);
  double tb = bench_budget_plan(it, N, &p, b);
  assert_true(ta == tb);
  assert_memory_equal(a, b, sizeof a);
}

static void test_long_trimmed_first(void **state) {
  (void)state;
  /* cheap, mid and one 0.2 s/call instance; a 2 s cap over 3 rounds costs
   * about 2.5, 2.5, 2.9 and 4.1 s: 12 s in all, the budget is 11 */
  bench_budget_item it[4];
  bench_budget_choice c[4];
  items_init_n(it, 4);
  it[3].call_s = 0.2, it[3].rotations = 2;
  bench_budget_params p = params(11, 3);
  p.max_time_s = 2;
  double total = bench_budget_plan(it, 4, &p, c);
  assert_true(total <= 11 + 1e-9);
  for (int i = 0; i < 4; ++i) {
    assert_false(c[i].dropped);
    assert_int_equal(c[i].rounds, 3); /* rounds kept: the fewest reps in 3 rounds fit */
    assert_true(reps_of(&c[i]) >= 5);
  }
  /* the cheap ones keep the full setting, the long one gives up repetitions */
  assert_false(c[0].trimmed);
  assert_false(c[1].trimmed);
  assert_false(c[2].trimmed);
  assert_true(c[3].trimmed);
  assert_true(c[3].est_s < c[3].full_s && c[3].est_s >= c[3].min_s);
}

static void test_drops_costliest_first(void **state) {
  (void)state;
  bench_budget_item it[N];
  bench_budget_choice c[N];
  items_init(it);
  bench_budget_params p = params(60, 3);
  double total = bench_budget_plan(it, N, &p, c);
  check_invariants(it, &p, c, total);
  /* 14 s x (5 reps + 2 warm-up) alone is 98 s: dropped, the rest kept */
  assert_true(c[N - 1].dropped);
  assert_non_null(strstr(c[N - 1].reason, "s/call"));
  for (int i = 0; i < N - 1; ++i) assert_false(c[i].dropped);
  /* 4 s/call could not keep 3 rounds: one round at min_reps */
  assert_true(c[N - 2].rounds >= 1 && reps_of(&c[N - 2]) >= 5);
}

static void test_rounds_before_the_dearest(void **state) {
  (void)state;
  /* six cheap instances and one at 4 s/call: with a budget that would hold
   * all seven only if the cheap ones gave up their rounds, the dear one is
   * dropped and the cheap ones keep every round (drift robustness) */
  bench_budget_item it[7];
  bench_budget_choice c[7];
  items_init_n(it, 7);
  const double cheap[6] = {20e-6, 200e-6, 2e-3, 30e-6, 300e-6, 3e-3};
  for (int i = 0; i < 6; ++i) it[i].call_s = cheap[i];
  it[6].call_s = 4.0, it[6].rotations = 2;
  bench_budget_params p = params(1e6, 3);
  bench_budget_plan(it, 7, &p, c);
  double sum_min = 0;
  for (int i = 0; i < 7; ++i) sum_min += c[i].min_s;
  p.budget_s = sum_min + 0.3; /* all fit at one round each, not at three */
  double total = bench_budget_plan(it, 7, &p, c);
  check_n(it, 7, &p, c, total);
  assert_true(c[6].dropped);
  for (int i = 0; i < 6; ++i) {
    assert_false(c[i].dropped);
    assert_int_equal(c[i].rounds, 3);
  }
}

static void test_tiny_budget(void **state) {
  (void)state;
  bench_budget_item it[N];
  bench_budget_choice c[N];
  items_init(it);
  for (double b = 0.5; b < 200; b *= 1.7) {
    for (int rounds = 1; rounds <= 4; ++rounds) {
      bench_budget_params p = params(b, rounds);
      double total = bench_budget_plan(it, N, &p, c);
      check_invariants(it, &p, c, total);
    }
  }
}

static void test_excluded(void **state) {
  (void)state;
  bench_budget_item it[N];
  bench_budget_choice c[N];
  items_init(it);
  it[3].excluded = 1;
  bench_budget_params p = params(20, 2);
  double total = bench_budget_plan(it, N, &p, c);
  assert_false(c[3].dropped);
  assert_int_equal(c[3].rounds, 0);
  check_invariants(it, &p, c, total);
}

static void test_replan_with_measured_reps(void **state) {
  (void)state;
  bench_budget_item it[N];
  bench_budget_choice c[N];
  items_init(it);
  /* after round 1 of 3: every instance has 2 repetitions measured */
  for (int i = 0; i < N; ++i) it[i].have_reps = 2, it[i].have_s = 2 * calls[i];
  it[4].have_reps = 5; /* this one already has what the statistics need */
  bench_budget_params p = params(40, 2);
  double total = bench_budget_plan(it, N, &p, c);
  check_invariants(it, &p, c, total);
  assert_false(c[4].dropped); /* never dropped: it can stop measuring instead */
  /* with no time left, one that has min_reps stops (0 rounds), the others are dropped */
  p = params(1e-3, 2);
  total = bench_budget_plan(it, N, &p, c);
  check_invariants(it, &p, c, total);
  assert_false(c[4].dropped);
  assert_int_equal(c[4].rounds, 0);
  assert_true(c[7].dropped);
}

static void test_rules_of_measure(void **state) {
  (void)state;
  assert_int_equal(bench_budget_calls_per_rep(20e-6, 1e-3), 50);
  assert_int_equal(bench_budget_calls_per_rep(2.0, 1e-3), 1);
  assert_int_equal(bench_budget_warmup_calls(1e-3, 6, 0.05, 0), 50); /* warm-up time rules */
  assert_int_equal(bench_budget_warmup_calls(1.0, 2, 0.05, 0), 2);   /* one call per working set */
  assert_int_equal(bench_budget_warmup_calls(16e-3, 362, 0.05, 0.25), 16); /* the cap */
  assert_int_equal(bench_budget_warmup_calls(1.0, 2, 0.05, 0.25), 1);      /* at least one call */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_budget_zero_is_untrimmed),
      cmocka_unit_test(test_ample_budget_is_untrimmed),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_long_trimmed_first),
      cmocka_unit_test(test_drops_costliest_first),
      cmocka_unit_test(test_rounds_before_the_dearest),
      cmocka_unit_test(test_tiny_budget),
      cmocka_unit_test(test_excluded),
      cmocka_unit_test(test_replan_with_measured_reps),
      cmocka_unit_test(test_rules_of_measure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
