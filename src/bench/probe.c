/* probe.c - the probes' framework: threads, timing, calibrated passes,
 * best-of-N, which probe this CPU can run, and the portable loops (see
 * probe.h). */
#define _POSIX_C_SOURCE 200809L
#include "probe.h"
#include "cpu_load.h"
#include "workload_data.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pal/pal.h"

#define BW_MIN_TRIALS 10
#define BW_MIN_SECONDS 1.0
/* Compute probes: passes of at least PASS_SECONDS of wall time (calibrated by
 * growing the iteration count), best of PASSES: about 0.3 s per probe. */
#define PASS_SECONDS 0.03
#define PASSES 7

static double now_s(void) { return clock_seconds(CLOCK_MONOTONIC); }

static pal_cpu_info cpu_info(void) {
  pal_cpu_info cpu;
  pal_cpu_info_get(&cpu);
  return cpu;
}

/* ------------------------------------------------------------- bandwidth */

static double read_sum_portable(const float *a, int64_t n) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int64_t i = 0; i + 4 <= n; i += 4) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
  }
  return (double)(s0 + s1 + s2 + s3);
}

const char *bench_bw_name(bench_bw_kind k) {
  static const char *const names[BENCH_BW_COUNT] = {"portable_read", "avx2_read", "avx512_read"};
  return (int)k >= 0 && k < BENCH_BW_COUNT ? names[k] : "?";
}

const char *bench_bw_missing(bench_bw_kind k) {
  const pal_cpu_info cpu = cpu_info();
  if (k == BENCH_BW_AVX2 && !cpu.avx2) return "no AVX2 here";
  if (k == BENCH_BW_AVX512 && !cpu.avx512f) return "no AVX-512F here";
  return (int)k < 0 || k >= BENCH_BW_COUNT ? "unknown probe" : NULL;
}

bench_bw_kind bench_bw_widest(void) {
  if (!bench_bw_missing(BENCH_BW_AVX512)) return BENCH_BW_AVX512;
  if (!bench_bw_missing(BENCH_BW_AVX2)) return BENCH_BW_AVX2;
  return BENCH_BW_PORTABLE;
}

static double read_part(bench_bw_kind k, const float *a, int64_t n) {
  if (k == BENCH_BW_AVX512) return bench__read_sum_avx512(a, n);
  if (k == BENCH_BW_AVX2) return bench__read_sum_avx2(a, n);
  return read_sum_portable(a, n);
}

double bench_probe_read_with(bench_bw_kind kind, int64_t bytes, int threads, int min_trials,
                             double min_seconds) {
  if (bench_bw_missing(kind) || threads < 1) return 0;
  int64_t n = bytes / (int64_t)sizeof(float);
  n -= n % ((int64_t)threads * 64);
  if (n <= 0) return 0;
  float *a = bench_alloc(n * (int64_t)sizeof(float));
  if (!a) return 0;
  /* first touch by the thread that reads each part, so pages are local */
#pragma omp parallel num_threads(threads)
  {
    int64_t part = n / omp_get_num_threads(), t = omp_get_thread_num();
    memset(a + t * part, 0, (size_t)part * sizeof(float));
  }
  /* Best of at least min_trials reads spread over min_seconds: other
   * tenants' memory traffic comes and goes in bursts (best-of-5 in 0.25 s
   * read 17.7-25.8 GB/s from run to run on a shared Ice Lake-SP), and a
   * longer window is likelier to catch a quiet stretch. */
  double best = 0, sink = 0, start = now_s();
  for (int trial = 0; trial < min_trials || now_s() - start < min_seconds; ++trial) {
    double t0 = now_s();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    {
      int64_t part = n / omp_get_num_threads(), t = omp_get_thread_num();
      sink += read_part(kind, a + t * part, part);
    }
    double rate = (double)n * sizeof(float) / (now_s() - t0);
    if (rate > best) best = rate;
  }
  free(a);
  return sink == 12345.678 ? 0 : best; /* sink keeps the reads from being optimised away */
}

double bench_probe_read_bandwidth(int64_t bytes, int threads, bench_bw_kind *kind) {
  *kind = bench_bw_widest();
  return bench_probe_read_with(*kind, bytes, threads, BW_MIN_TRIALS, BW_MIN_SECONDS);
}

/* --------------------------------------------------------------- compute */

/* The scalar level is portable C built for the baseline target, which the
 * compiler vectorises with the baseline's vectors (SSE2 on x86-64) as a
 * multiply then an add. Its roof is that: 12 independent chains of one
 * baseline vector each (a mul+add chain is 6-8 cycles; 12 x 2 instructions
 * keep two multiply and two add pipes busy; on Zen 3 12 chains reached 16
 * FLOP/cycle a core, 14 chains 8 % less). The GNU vector extension is the
 * portable spelling of "the target's vector". */
typedef float bench_v4 __attribute__((vector_size(16)));
#define PORTABLE_CHAINS 12
#define PORTABLE_FLOPS_PER_ITER (PORTABLE_CHAINS * 4.0 * 2)

static double muladd_portable(int64_t iters) {
  bench_v4 a[PORTABLE_CHAINS];
  const bench_v4 x = {0.999999f, 0.999999f, 0.999999f, 0.999999f};
  const bench_v4 y = {1e-7f, 1e-7f, 1e-7f, 1e-7f};
  for (int i = 0; i < PORTABLE_CHAINS; ++i) a[i] = (bench_v4){(float)i, 1, 2, 3};
  for (int64_t it = 0; it < iters; ++it)
    for (int i = 0; i < PORTABLE_CHAINS; ++i) a[i] = a[i] * x + y;
  bench_v4 s = a[0];
  for (int i = 1; i < PORTABLE_CHAINS; ++i) s += a[i];
  return (double)(s[0] + s[1] + s[2] + s[3]);
}

static int amx_ready(void) {
  const pal_cpu_info cpu = cpu_info();
  return cpu.amx_tile && cpu.amx_bf16 && bench__amx_enable() == 0;
}

typedef struct roof_probe {
  const char *name, *key;
  double (*loop)(int64_t);
  double flops_per_iter;
} roof_probe;

static const roof_probe roofs[BENCH_ROOF_COUNT] = {
    [BENCH_ROOF_PORTABLE] = {"portable", "peak_portable_flops", muladd_portable,
                             PORTABLE_FLOPS_PER_ITER},
    [BENCH_ROOF_FP32_FMA256] = {"fp32_fma256", "peak_fp32_fma256_flops", bench__fma_loop_avx2,
                                BENCH_FMA256_FLOPS_PER_ITER},
    [BENCH_ROOF_FP32_FMA512] = {"fp32_fma512", "peak_fp32_fma512_flops", bench__fma_loop_avx512,
                                BENCH_FMA512_FLOPS_PER_ITER},
    [BENCH_ROOF_BF16_DOT] = {"bf16_dot", "peak_bf16_dot_flops", bench__bf16_dot_loop,
                             BENCH_BF16_DOT_FLOPS_PER_ITER},
    [BENCH_ROOF_AMX_BF16] = {"amx_bf16", "peak_amx_bf16_flops", bench__amx_bf16_loop,
                             BENCH_AMX_FLOPS_PER_ITER},
    [BENCH_ROOF_FP16_FMA512] = {"fp16_fma512", "peak_fp16_flops", bench__fp16_fma_loop,
                                BENCH_FP16_FLOPS_PER_ITER},
};

const char *bench_roof_name(bench_roof r) {
  return (int)r >= 0 && r < BENCH_ROOF_COUNT ? roofs[r].name : "?";
}

const char *bench_roof_key(bench_roof r) {
  return (int)r >= 0 && r < BENCH_ROOF_COUNT ? roofs[r].key : "?";
}

const char *bench_probe_missing(bench_roof r) {
  const pal_cpu_info cpu = cpu_info();
  switch (r) {
    case BENCH_ROOF_PORTABLE: return NULL;
    case BENCH_ROOF_FP32_FMA256: return cpu.avx2 && cpu.fma ? NULL : "no AVX2+FMA here";
    case BENCH_ROOF_FP32_FMA512: return cpu.avx512f ? NULL : "no AVX-512F here";
    case BENCH_ROOF_BF16_DOT: return cpu.avx512_bf16 ? NULL : "no AVX512_BF16 here";
    case BENCH_ROOF_AMX_BF16:
      if (!cpu.amx_tile || !cpu.amx_bf16) return "no AMX-BF16 here";
      return amx_ready() ? NULL : "AMX-BF16 present but Linux refused tile state";
    case BENCH_ROOF_FP16_FMA512:
      if (!cpu.avx512_fp16) return "no AVX512_FP16 here";
      return bench__fp16_loop_built ? NULL : "the compiler had no AVX512-FP16 intrinsics";
    default: return "unknown probe";
  }
}

static double thread_cpu_s(void) { return clock_seconds(CLOCK_THREAD_CPUTIME_ID); }

/* Runs loop(iters) on every thread at once; the pass's aggregate FLOP/s, each
 * thread's rate over the CPU time it got. Other processes time-sharing our
 * cores then lower no pass (a wall-clock pass under a compile on 2 cores
 * reads half the peak, and a halved peak doubles every utilisation); the
 * cores' own speed is what a roof means. *seconds: the pass's wall time. */
static double one_pass(double (*loop)(int64_t), int64_t iters, double flops_per_iter,
                       int threads, double *seconds, double *sink) {
  double t0 = now_s(), s = 0, rate = 0;
#pragma omp parallel num_threads(threads) reduction(+ : s, rate)
  {
    const double c0 = thread_cpu_s();
    s += loop(iters);
    const double c = thread_cpu_s() - c0;
    rate += c > 0 ? flops_per_iter * (double)iters / c : 0;
  }
  *seconds = now_s() - t0;
  *sink += s;
  return rate;
}

double bench_probe_compute(bench_roof r, int threads) {
  if (bench_probe_missing(r) || threads < 1) return 0;
  const roof_probe *p = &roofs[r];
  double sink = 0, secs = 0, best = 0;
  /* Calibrate: grow the pass until it lasts PASS_SECONDS (this also wakes
   * the threads and lets the clock settle); only passes that long count. */
  int64_t iters = 1024;
  for (;;) {
    double rate = one_pass(p->loop, iters, p->flops_per_iter, threads, &secs, &sink);
    if (secs >= PASS_SECONDS || iters > ((int64_t)1 << 40)) {
      best = rate;
      break;
    }
    iters *= secs < PASS_SECONDS / 16 ? 8 : 2;
  }
  for (int pass = 1; pass < PASSES; ++pass) {
    double rate = one_pass(p->loop, iters, p->flops_per_iter, threads, &secs, &sink);
    if (rate > best) best = rate;
  }
  return sink == 12345.678 ? 0 : best; /* sink keeps the work from being optimised away */
}
