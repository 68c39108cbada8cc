/* probe_avx512.c - AVX-512 inner loops for the bandwidth and fp32-peak probes.
 * Only called after pal_cpu_info_get() reports AVX-512 F. */
#pragma GCC target("avx512f")
#include <immintrin.h>

#include "probe.h"

double bench__read_sum_avx512(const float *a, int64_t n) {
  /* Four independent accumulators keep the adds off the critical path, so
   * the loop is limited by loads alone. */
  __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (int64_t i = 0; i + 64 <= n; i += 64) {
    s0 = _mm512_add_ps(s0, _mm512_load_ps(a + i));
    s1 = _mm512_add_ps(s1, _mm512_load_ps(a + i + 16));
    s2 = _mm512_add_ps(s2, _mm512_load_ps(a + i + 32));
    s3 = _mm512_add_ps(s3, _mm512_load_ps(a + i + 48));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

double bench__fma_loop_avx512(int64_t iters) {
  /* 12 independent chains cover FMA latency (4 cycles) x 2 ports with room
   * to spare; each iteration is 12 FMAs x 16 lanes x 2 FLOPs. */
  __m512 a[12];
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 12; ++i) a[i] = _mm512_set1_ps((float)i);
  for (int64_t it = 0; it < iters; ++it) {
    a[0] = _mm512_fmadd_ps(a[0], x, y);
    a[1] = _mm512_fmadd_ps(a[1], x, y);
    a[2] = _mm512_fmadd_ps(a[2], x, y);
    a[3] = _mm512_fmadd_ps(a[3], x, y);
    a[4] = _mm512_fmadd_ps(a[4], x, y);
    a[5] = _mm512_fmadd_ps(a[5], x, y);
    a[6] = _mm512_fmadd_ps(a[6], x, y);
    a[7] = _mm512_fmadd_ps(a[7], x, y);
    a[8] = _mm512_fmadd_ps(a[8], x, y);
    a[9] = _mm512_fmadd_ps(a[9], x, y);
    a[10] = _mm512_fmadd_ps(a[10], x, y);
    a[11] = _mm512_fmadd_ps(a[11], x, y);
  }
  __m512 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, a[i]);
  return _mm512_reduce_add_ps(s);
}
