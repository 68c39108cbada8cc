/* test_stats.c - summary statistics against values worked out by hand. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/common/stats.h"

static void test_odd_sample(void **state) {
  (void)state;
  const double x[] = {5, 1, 4, 2, 3}; /* unsorted on purpose */
  stats_summary s;
  assert_int_equal(stats_compute(x, 5, &s), 0);
  assert_int_equal(s.n, 5);
  assert_true(s.min == 1 && s.max == 5 && s.median == 3 && s.mean == 3);
  assert_true(s.q1 == 2 && s.q3 == 4);                /* R type 7 quantiles */
  assert_true(fabs(s.stddev - sqrt(2.5)) < 1e-12);    /* Bessel: sum sq 10 / 4 */
  assert_true(fabs(s.cv - sqrt(2.5) / 3) < 1e-12);
  assert_true(fabs(s.iqr_rel - 2.0 / 3) < 1e-12);
  assert_true(x[0] == 5); /* input untouched */
}

static void test_even_and_single(void **state) {
  (void)state;
  const double x[] = {10, 20, 30, 40};
  stats_summary s;
  assert_int_equal(stats_compute(x, 4, &s), 0);
  assert_true(s.median == 25 && fabs(s.q1 - 17.5) < 1e-12 && fabs(s.q3 - 32.5) < 1e-12);
  assert_int_equal(stats_compute(x, 1, &s), 0);
  assert_true(s.median == 10 && s.stddev == 0 && s.iqr_rel == 0);
  assert_int_equal(stats_compute(x, 0, &s), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_odd_sample),
      cmocka_unit_test(test_even_and_single),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
