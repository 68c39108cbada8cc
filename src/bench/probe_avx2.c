/* probe_avx2.c - AVX2 inner loops for the bandwidth and fp32-peak probes
 * (the avx2 level's roofs). Only called after pal_cpu_info_get() reports
 * AVX2 and FMA. */
#pragma GCC target("avx2,fma")
#include <immintrin.h>

#include "probe.h"

static double hsum256(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

double bench__read_sum_avx2(const float *a, int64_t n) {
  /* 256-bit loads, 64 floats (four lines) per step into four independent
   * accumulators: the adds stay off the critical path, loads alone limit. */
  __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (int64_t i = 0; i + 64 <= n; i += 64) {
    s0 = _mm256_add_ps(s0, _mm256_add_ps(_mm256_load_ps(a + i), _mm256_load_ps(a + i + 8)));
    s1 = _mm256_add_ps(s1, _mm256_add_ps(_mm256_load_ps(a + i + 16), _mm256_load_ps(a + i + 24)));
    s2 = _mm256_add_ps(s2, _mm256_add_ps(_mm256_load_ps(a + i + 32), _mm256_load_ps(a + i + 40)));
    s3 = _mm256_add_ps(s3, _mm256_add_ps(_mm256_load_ps(a + i + 48), _mm256_load_ps(a + i + 56)));
  }
  return hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
}

double bench__fma_loop_avx2(int64_t iters) {
  /* 12 independent chains cover FMA latency (4-5 cycles) x 2 ports with room
   * to spare and, with the two constants, fit the 16 ymm registers; each
   * iteration is 12 FMAs x 8 lanes x 2 FLOPs. */
  __m256 a[12];
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) a[i] = _mm256_set1_ps((float)i);
  for (int64_t it = 0; it < iters; ++it) {
    a[0] = _mm256_fmadd_ps(a[0], x, y);
    a[1] = _mm256_fmadd_ps(a[1], x, y);
    a[2] = _mm256_fmadd_ps(a[2], x, y);
    a[3] = _mm256_fmadd_ps(a[3], x, y);
    a[4] = _mm256_fmadd_ps(a[4], x, y);
    a[5] = _mm256_fmadd_ps(a[5], x, y);
    a[6] = _mm256_fmadd_ps(a[6], x, y);
    a[7] = _mm256_fmadd_ps(a[7], x, y);
    a[8] = _mm256_fmadd_ps(a[8], x, y);
    a[9] = _mm256_fmadd_ps(a[9], x, y);
    a[10] = _mm256_fmadd_ps(a[10], x, y);
    a[11] = _mm256_fmadd_ps(a[11], x, y);
  }
  __m256 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, a[i]);
  return hsum256(s);
}
