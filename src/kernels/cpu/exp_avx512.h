/* exp_avx512.h - the AVX-512 exp shared by every kernel that needs one
 * (attend_avx512.c, attend_amx.c, the prefill kernels). Include it after the
 * file's `#pragma GCC target` with AVX-512F and <immintrin.h>: it is
 * inline-only, so each including file compiles it for its own target. */
#ifndef PAL_EXP_AVX512_H
#define PAL_EXP_AVX512_H

/* exp(x) for 16 floats, relative error about 1e-7 (Cephes expf polynomial).
 * Inputs below -110 clamp to a value whose result scalef rounds to +0, which
 * also gives exp(-inf) = 0; scalef keeps the subnormal range. max/min take x
 * as the second operand so a NaN x stays NaN. */
static inline __attribute__((always_inline)) __m512 pal__exp16_avx512(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-110.0f), x);
  x = _mm512_min_ps(_mm512_set1_ps(88.5f), x);
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
  p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

#endif /* PAL_EXP_AVX512_H */
