/* probe_avx512_fp16.c - AVX512_FP16 peak: back-to-back VFMADD...PH on 12
 * independent accumulators. Needs a compiler with AVX512-FP16 intrinsics
 * (GCC 12, clang 14); otherwise bench__fp16_loop_built is 0 and the probe
 * reports itself skipped. Only called after pal_cpu_info_get() reports
 * AVX512_FP16. */
#include "probe.h"

#if (defined(__clang__) && __clang_major__ >= 14) || \
    (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 12)
#pragma GCC target("avx512f,avx512fp16")
#include <immintrin.h>

const int bench__fp16_loop_built = 1;

double bench__fp16_fma_loop(int64_t iters) {
  /* Each FMA: 32 fp16 lanes x 2 FLOPs; values stay near 1 (x < 1, small y). */
  __m512h a[12];
  const __m512h x = _mm512_set1_ph((_Float16)0.999f), y = _mm512_set1_ph((_Float16)0.0001f);
  for (int i = 0; i < 12; ++i) a[i] = _mm512_set1_ph((_Float16)(float)i);
  for (int64_t it = 0; it < iters; ++it) {
    a[0] = _mm512_fmadd_ph(a[0], x, y);
    a[1] = _mm512_fmadd_ph(a[1], x, y);
    a[2] = _mm512_fmadd_ph(a[2], x, y);
    a[3] = _mm512_fmadd_ph(a[3], x, y);
    a[4] = _mm512_fmadd_ph(a[4], x, y);
    a[5] = _mm512_fmadd_ph(a[5], x, y);
    a[6] = _mm512_fmadd_ph(a[6], x, y);
    a[7] = _mm512_fmadd_ph(a[7], x, y);
    a[8] = _mm512_fmadd_ph(a[8], x, y);
    a[9] = _mm512_fmadd_ph(a[9], x, y);
    a[10] = _mm512_fmadd_ph(a[10], x, y);
    a[11] = _mm512_fmadd_ph(a[11], x, y);
  }
  __m512h s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ph(s, a[i]);
  return (double)_mm512_reduce_add_ph(s);
}

#else

const int bench__fp16_loop_built = 0;

double bench__fp16_fma_loop(int64_t iters) {
  (void)iters;
  return 0;
}

#endif
