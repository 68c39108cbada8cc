/* test_probes.c - the machine probes against loops of our own.
 *
 * For every compute roof pal bench probes (src/bench/probe.h): where this CPU
 * has it, the probe runs and, for the fp32 roofs, agrees within 10 % with an
 * independent loop written here (different chain count, own calibration,
 * same thread count); where it lacks it, the probe returns 0 and the test
 * says so: "[  SKIP    ] probe fp32_fma512: no AVX-512F here". The same for
 * the bandwidth probes (widest one compared with a read loop of our own).
 *
 * Host noise: each estimate is the best of several passes (a limit is a
 * maximum; interference only lowers a pass), the probe and our loop take
 * turns round by round so a slow stretch hits both, and rounds go on (up to
 * a cap) until both best-ofs have settled. The 10 % never widens.
 * In an unoptimised build (-O0: the ASan configuration) intrinsics spill to
 * the stack and the two loops slow by different factors, so there the
 * agreement is not checked (and the test says so); every probe still runs.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/bench/probe.h"
#include "../../src/bench/roof.h"
#include "../../src/bench/workload_data.h"
#include "pal/pal.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

#define TOLERANCE 0.10
#define MIN_ROUNDS 3
#define MAX_ROUNDS 12
#define PASS_SECONDS 0.03

static int threads;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int optimised(void) {
#ifdef __OPTIMIZE__
  return 1;
#else
  return 0;
#endif
}

/* ---------------------------------------------------------- our own loops */

#if HAVE_X86
/* SSE2 multiply then add (what the scalar level compiles to), 12 chains. */
static double own_sse2(int64_t iters) {
  __m128 a0 = _mm_set1_ps(0.5f), a1 = _mm_set1_ps(0.6f), a2 = _mm_set1_ps(0.7f),
         a3 = _mm_set1_ps(0.8f), a4 = _mm_set1_ps(0.9f), a5 = _mm_set1_ps(1.0f),
         a6 = _mm_set1_ps(1.1f), a7 = _mm_set1_ps(1.2f), a8 = _mm_set1_ps(1.3f),
         a9 = _mm_set1_ps(1.4f), a10 = _mm_set1_ps(1.5f), a11 = _mm_set1_ps(1.6f);
  const __m128 m = _mm_set1_ps(0.99999f), c = _mm_set1_ps(1e-6f);
  for (int64_t i = 0; i < iters; ++i) {
#define STEP(a) a = _mm_add_ps(_mm_mul_ps(a, m), c)
    STEP(a0); STEP(a1); STEP(a2); STEP(a3); STEP(a4); STEP(a5);
    STEP(a6); STEP(a7); STEP(a8); STEP(a9); STEP(a10); STEP(a11);
#undef STEP
  }
  __m128 s = _mm_add_ps(_mm_add_ps(_mm_add_ps(a0, a1), _mm_add_ps(a2, a3)),
                        _mm_add_ps(_mm_add_ps(a4, a5), _mm_add_ps(a6, a7)));
  s = _mm_add_ps(s, _mm_add_ps(_mm_add_ps(a8, a9), _mm_add_ps(a10, a11)));
  float out[4];
  _mm_storeu_ps(out, s);
  return out[0] + out[1] + out[2] + out[3];
}
#define OWN_SSE2_FLOPS (12.0 * 4 * 2)

/* 256-bit FMA, 10 chains (latency 4 x 2 ports = 8 needed). */
__attribute__((target("avx2,fma"))) static double own_fma256(int64_t iters) {
  __m256 a0 = _mm256_set1_ps(0.5f), a1 = _mm256_set1_ps(0.6f), a2 = _mm256_set1_ps(0.7f),
         a3 = _mm256_set1_ps(0.8f), a4 = _mm256_set1_ps(0.9f), a5 = _mm256_set1_ps(1.0f),
         a6 = _mm256_set1_ps(1.1f), a7 = _mm256_set1_ps(1.2f), a8 = _mm256_set1_ps(1.3f),
         a9 = _mm256_set1_ps(1.4f);
  const __m256 m = _mm256_set1_ps(0.99999f), c = _mm256_set1_ps(1e-6f);
  for (int64_t i = 0; i < iters; ++i) {
#define STEP(a) a = _mm256_fmadd_ps(a, m, c)
    STEP(a0); STEP(a1); STEP(a2); STEP(a3); STEP(a4);
    STEP(a5); STEP(a6); STEP(a7); STEP(a8); STEP(a9);
#undef STEP
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(a8, a9));
  float out[8];
  _mm256_storeu_ps(out, s);
  return out[0] + out[3] + out[7];
}
#define OWN_FMA256_FLOPS (10.0 * 8 * 2)

/* 512-bit FMA, 16 chains (32 zmm registers leave room). */
__attribute__((target("avx512f"))) static double own_fma512(int64_t iters) {
  __m512 a[16];
  for (int k = 0; k < 16; ++k) a[k] = _mm512_set1_ps(0.5f + 0.1f * (float)k);
  const __m512 m = _mm512_set1_ps(0.99999f), c = _mm512_set1_ps(1e-6f);
  for (int64_t i = 0; i < iters; ++i)
    for (int k = 0; k < 16; ++k) a[k] = _mm512_fmadd_ps(a[k], m, c);
  __m512 s = a[0];
  for (int k = 1; k < 16; ++k) s = _mm512_add_ps(s, a[k]);
  return _mm512_reduce_add_ps(s);
}
#define OWN_FMA512_FLOPS (16.0 * 16 * 2)

/* 256-bit streaming read, eight accumulators. */
__attribute__((target("avx2"))) static double own_read256(const float *p, int64_t n) {
  __m256 s[8];
  for (int k = 0; k < 8; ++k) s[k] = _mm256_setzero_ps();
  for (int64_t i = 0; i + 64 <= n; i += 64)
    for (int k = 0; k < 8; ++k) s[k] = _mm256_add_ps(s[k], _mm256_load_ps(p + i + 8 * k));
  for (int k = 1; k < 8; ++k) s[0] = _mm256_add_ps(s[0], s[k]);
  float out[8];
  _mm256_storeu_ps(out, s[0]);
  return out[0] + out[5];
}

__attribute__((target("avx512f"))) static double own_read512(const float *p, int64_t n) {
  __m512 s[4];
  for (int k = 0; k < 4; ++k) s[k] = _mm512_setzero_ps();
  for (int64_t i = 0; i + 64 <= n; i += 64)
    for (int k = 0; k < 4; ++k) s[k] = _mm512_add_ps(s[k], _mm512_load_ps(p + i + 16 * k));
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s[0], s[1]), _mm512_add_ps(s[2], s[3])));
}
#endif

static double own_read_portable(const float *p, int64_t n) {
  float s[8] = {0};
  for (int64_t i = 0; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) s[k] += p[i + k];
  return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

/* ------------------------------------------------------------ measuring */

static volatile double sink;

static double cpu_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Best aggregate FLOP/s of `passes` passes of loop on every thread, the pass
 * length calibrated (once per loop, kept in *iters) to PASS_SECONDS of wall
 * time. Each thread's rate is over the CPU time it was given, so other
 * processes sharing the cores slow no pass (the probe times itself alike). */
static double own_compute(double (*loop)(int64_t), double flops_per_iter, int64_t *iters,
                          int passes) {
  double best = 0;
  for (int p = 0; p < passes; ++p) {
    double t0 = now_s(), s = 0, rate = 0;
#pragma omp parallel num_threads(threads) reduction(+ : s, rate)
    {
      double c0 = cpu_now();
      s += loop(*iters);
      rate += flops_per_iter * (double)*iters / (cpu_now() - c0);
    }
    double dt = now_s() - t0;
    sink += s;
    if (dt < PASS_SECONDS) { /* still calibrating: this pass does not count */
      *iters *= dt < PASS_SECONDS / 16 ? 8 : 2;
      --p;
      continue;
    }
    if (rate > best) best = rate;
  }
  return best;
}

typedef struct agreement {
  double probe, own; /* best of each so far */
  int rounds;
} agreement;

static int settled(const agreement *a) {
  return a->rounds >= MIN_ROUNDS && fabs(a->probe / a->own - 1) <= TOLERANCE;
}

static void report(const char *what, const agreement *a, const char *unit, double scale) {
  printf("[ MEASURED ] probe %-12s %8.1f %s, own loop %8.1f %s, ratio %.3f (%d rounds, %d threads)\n",
         what, a->probe / scale, unit, a->own / scale, unit, a->probe / a->own, a->rounds, threads);
  fflush(stdout);
}

static void skip_line(const char *what, const char *why) {
  printf("[  SKIP    ] probe %s: %s\n", what, why);
  fflush(stdout);
}

static void skip_agreement(const char *what) {
  printf("[  SKIP    ] agreement of probe %s with our loop: unoptimised build (at -O0 the two "
         "loops spill to the stack differently)\n", what);
  fflush(stdout);
}

/* Probe r against our loop, interleaved round by round. */
static void check_compute(bench_roof r, double (*own)(int64_t), double own_flops) {
  const char *why = bench_probe_missing(r);
  if (why) {
    skip_line(bench_roof_name(r), why);
    assert_true(bench_probe_compute(r, threads) == 0);
    return;
  }
  agreement a = {0, 0, 0};
  int64_t iters = 1024;
  do {
    double p = bench_probe_compute(r, threads);
    double o = own_compute(own, own_flops, &iters, 3);
    a.probe = fmax(a.probe, p);
    a.own = fmax(a.own, o);
    ++a.rounds;
    assert_true(p > 0 && o > 0);
  } while (optimised() && !settled(&a) && a.rounds < MAX_ROUNDS);
  report(bench_roof_name(r), &a, "GFLOP/s", 1e9);
  if (!optimised()) return skip_agreement(bench_roof_name(r));
  assert_true(fabs(a.probe / a.own - 1) <= TOLERANCE);
}

static void test_portable(void **state) {
  (void)state;
  assert_null(bench_probe_missing(BENCH_ROOF_PORTABLE));
#if HAVE_X86
  check_compute(BENCH_ROOF_PORTABLE, own_sse2, OWN_SSE2_FLOPS);
#else
  assert_true(bench_probe_compute(BENCH_ROOF_PORTABLE, threads) > 0);
#endif
}

static void test_fp32_fma256(void **state) {
  (void)state;
#if HAVE_X86
  check_compute(BENCH_ROOF_FP32_FMA256, own_fma256, OWN_FMA256_FLOPS);
#else
  skip_line("fp32_fma256", "not x86");
#endif
}

static void test_fp32_fma512(void **state) {
  (void)state;
#if HAVE_X86
  check_compute(BENCH_ROOF_FP32_FMA512, own_fma512, OWN_FMA512_FLOPS);
#else
  skip_line("fp32_fma512", "not x86");
#endif
}

/* The roofs with no loop of our own here: each runs where the CPU has it and
 * is named as skipped where it does not. */
static void test_other_roofs(void **state) {
  (void)state;
  const bench_roof rs[] = {BENCH_ROOF_BF16_DOT, BENCH_ROOF_AMX_BF16, BENCH_ROOF_FP16_FMA512};
  for (size_t i = 0; i < sizeof rs / sizeof rs[0]; ++i) {
    const char *why = bench_probe_missing(rs[i]);
    const double f = bench_probe_compute(rs[i], threads);
    if (why) {
      skip_line(bench_roof_name(rs[i]), why);
      assert_true(f == 0);
    } else {
      printf("[ MEASURED ] probe %-12s %8.1f GFLOP/s (%d threads)\n", bench_roof_name(rs[i]), f / 1e9,
             threads);
      assert_true(f > 0);
    }
  }
  /* the probe a level's kernels need is there whenever the level is */
  for (int isa = PAL_ISA_SCALAR; isa < PAL_ISA_COUNT; ++isa)
    for (int dt = 0; dt < PAL_DTYPE_COUNT; ++dt)
      if (pal_isa_supported((pal_isa)isa))
        assert_null(bench_probe_missing(bench_level_roof((pal_isa)isa, (pal_dtype)dt)));
}

/* Bandwidth: every width this CPU has runs; the widest (the one pal bench
 * uses) agrees with a read loop of our own of the same width. */
static void test_bandwidth(void **state) {
  (void)state;
  const int64_t bytes = 256ll << 20; /* 8 x a 32 MiB LLC; streams from DRAM */
  const bench_bw_kind widest = bench_bw_widest();
  for (int k = 0; k < BENCH_BW_COUNT; ++k) {
    const char *why = bench_bw_missing((bench_bw_kind)k);
    if (why) {
      skip_line(bench_bw_name((bench_bw_kind)k), why);
      assert_true(bench_probe_read_with((bench_bw_kind)k, bytes, threads, 1, 0) == 0);
    } else if (k != (int)widest) {
      const double b = bench_probe_read_with((bench_bw_kind)k, bytes, threads, 3, 0);
      printf("[ MEASURED ] probe %-12s %8.1f GB/s (best of 3, %d threads)\n",
             bench_bw_name((bench_bw_kind)k), b / 1e9, threads);
      assert_true(b > 0);
    }
  }
  int64_t n = bytes / 4;
  n -= n % ((int64_t)threads * 64);
  float *a = bench_alloc(n * 4);
  assert_non_null(a);
#pragma omp parallel num_threads(threads)
  {
    int64_t part = n / omp_get_num_threads(), t = omp_get_thread_num();
    memset(a + t * part, 0, (size_t)part * sizeof(float));
  }
  double (*own)(const float *, int64_t) = own_read_portable;
#if HAVE_X86
  if (widest == BENCH_BW_AVX2) own = own_read256;
  if (widest == BENCH_BW_AVX512) own = own_read512;
#endif
  agreement ag = {0, 0, 0};
  do {
    ag.probe = fmax(ag.probe, bench_probe_read_with(widest, bytes, threads, 4, 0));
    for (int rep = 0; rep < 4; ++rep) {
      double t0 = now_s(), s = 0;
#pragma omp parallel num_threads(threads) reduction(+ : s)
      {
        int64_t part = n / omp_get_num_threads(), t = omp_get_thread_num();
        s += own(a + t * part, part);
      }
      sink += s;
      ag.own = fmax(ag.own, (double)n * 4 / (now_s() - t0));
    }
    ++ag.rounds;
  } while (optimised() && !settled(&ag) && ag.rounds < MAX_ROUNDS);
  free(a);
  report(bench_bw_name(widest), &ag, "GB/s", 1e9);
  if (!optimised()) return skip_agreement(bench_bw_name(widest));
  assert_true(fabs(ag.probe / ag.own - 1) <= TOLERANCE);
}

/* The margin and the level -> roof table (docs/BENCHMARKS.md). */
static void test_roof_rules(void **state) {
  (void)state;
  assert_int_equal(bench_level_roof(PAL_ISA_SCALAR, PAL_BF16), BENCH_ROOF_PORTABLE);
  for (int dt = 0; dt < PAL_DTYPE_COUNT; ++dt) {
    assert_int_equal(bench_level_roof(PAL_ISA_AVX2, (pal_dtype)dt), BENCH_ROOF_FP32_FMA256);
    assert_int_equal(bench_level_roof(PAL_ISA_AVX512, (pal_dtype)dt), BENCH_ROOF_FP32_FMA512);
  }
  assert_int_equal(bench_level_roof(PAL_ISA_AMX, PAL_F32), BENCH_ROOF_FP32_FMA512);
  assert_int_equal(bench_level_roof(PAL_ISA_AMX, PAL_F16), BENCH_ROOF_AMX_BF16);
  assert_int_equal(bench_level_roof(PAL_ISA_AMX, PAL_BF16), BENCH_ROOF_AMX_BF16);
  const double edge = 1 + BENCH_PROBE_SUSPECT_MARGIN;
  assert_int_equal(bench_probe_suspect(edge, edge, 1), 0); /* at the margin: not yet */
  assert_int_equal(bench_probe_suspect(edge + 1e-9, -1, 1), BENCH_SUSPECT_BW);
  assert_int_equal(bench_probe_suspect(edge + 1e-9, -1, 0), 0); /* hot rows: caches, not DRAM */
  assert_int_equal(bench_probe_suspect(0.5, 1.31, 0), BENCH_SUSPECT_FLOP);
  assert_int_equal(bench_probe_suspect(2, 2, 1), BENCH_SUSPECT_BW | BENCH_SUSPECT_FLOP);
}

int main(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN); /* what pal bench probes with */
  threads = n > 0 ? (int)n : 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_roof_rules),  cmocka_unit_test(test_portable),
      cmocka_unit_test(test_fp32_fma256), cmocka_unit_test(test_fp32_fma512),
      cmocka_unit_test(test_other_roofs), cmocka_unit_test(test_bandwidth),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
