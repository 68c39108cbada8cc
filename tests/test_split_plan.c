/* test_split_plan.c - the split-KV planner's cuts (src/kernels/cpu/split_plan.h):
 * exhaustively over lengths, chunk limits and units, every cut covers the task
 * exactly, starts chunks on unit boundaries, uses the fewest chunks the limit
 * allows, and keeps the chunks as equal as whole units permit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../src/kernels/cpu/split_plan.h"

static void check_cut(int64_t len, int64_t max_chunk, int64_t unit) {
  int64_t n, step;
  pal__plan_split(len, max_chunk, unit, &n, &step);
  if (len <= max_chunk) {
    assert_true(n == 1 && step == len);
    return;
  }
  assert_true(step % unit == 0 && step > 0);
  /* n chunks of step cover len, and n - 1 do not: the last chunk is non-empty */
  assert_true((n - 1) * step < len && n * step >= len);
  /* no more chunks than max_chunk-sized pieces would need */
  assert_true(n <= (len + max_chunk - 1) / max_chunk);
  /* balance: a chunk is at most one unit longer than an even share, and the
   * short last chunk at most n units shorter than the others */
  const int64_t even = (len + n - 1) / n;
  assert_true(step < even + unit);
  const int64_t last = len - (n - 1) * step;
  assert_true(step - last < n * unit);
}

static void test_cuts_cover_and_balance(void **state) {
  (void)state;
  const int64_t units[] = {1, 16, 32, 64, 128, 256};
  for (size_t u = 0; u < sizeof units / sizeof units[0]; ++u)
    for (int64_t max_chunk = 512; max_chunk <= 4608; max_chunk += 320)
      for (int64_t len = 0; len <= 40000; len += 7) check_cut(len, max_chunk, units[u]);
}

/* The case that motivated equal cuts: 4096 tokens, 64-token pages, 2 threads
 * x 4 chunks: eight chunks of 512, not 7 x 576 + 64. */
static void test_pages_of_64_split_evenly(void **state) {
  (void)state;
  const int64_t target = pal__split_target(4096, 2 * 4, 512);
  assert_int_equal(target, 512);
  int64_t n, step;
  pal__plan_split(4096, target, 64, &n, &step);
  assert_int_equal(n, 8);
  assert_int_equal(step, 512);
  pal__plan_split(32768, pal__split_target(32768, 8, 512), 128, &n, &step);
  assert_int_equal(n, 8);
  assert_int_equal(step, 4096);
}

static void test_target_floor(void **state) {
  (void)state;
  assert_int_equal(pal__split_target(1000, 8, 512), 512);
  assert_int_equal(pal__split_target(8193, 8, 512), 1025);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cuts_cover_and_balance),
      cmocka_unit_test(test_pages_of_64_split_evenly),
      cmocka_unit_test(test_target_floor),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
