/* probe_avx512_bf16.c - AVX512_BF16 dot-product peak: back-to-back
 * VDPBF16PS on 12 independent accumulators. Only called after
 * pal_cpu_info_get() reports AVX512_BF16. */
#pragma GCC target("avx512f,avx512bf16")
#include <immintrin.h>

#include "probe.h"

double bench__bf16_dot_loop(int64_t iters) {
  /* Each VDPBF16PS: 16 fp32 lanes, each += two bf16 products = 16 x 4 FLOPs;
   * 12 chains cover its latency x throughput. Values do not matter for speed
   * (0x3f80 is bf16 1.0). */
  __m512 a[12];
  const __m512bh x = (__m512bh)_mm512_set1_epi16(0x3f80), y = x;
  for (int i = 0; i < 12; ++i) a[i] = _mm512_set1_ps((float)i);
  for (int64_t it = 0; it < iters; ++it) {
    a[0] = _mm512_dpbf16_ps(a[0], x, y);
    a[1] = _mm512_dpbf16_ps(a[1], x, y);
    a[2] = _mm512_dpbf16_ps(a[2], x, y);
    a[3] = _mm512_dpbf16_ps(a[3], x, y);
    a[4] = _mm512_dpbf16_ps(a[4], x, y);
    a[5] = _mm512_dpbf16_ps(a[5], x, y);
    a[6] = _mm512_dpbf16_ps(a[6], x, y);
    a[7] = _mm512_dpbf16_ps(a[7], x, y);
    a[8] = _mm512_dpbf16_ps(a[8], x, y);
    a[9] = _mm512_dpbf16_ps(a[9], x, y);
    a[10] = _mm512_dpbf16_ps(a[10], x, y);
    a[11] = _mm512_dpbf16_ps(a[11], x, y);
  }
  __m512 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, a[i]);
  return _mm512_reduce_add_ps(s);
}
