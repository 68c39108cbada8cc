/* simd_avx512.h - AVX-512 building blocks shared by the kernels that need
 * them (attend_avx512.c, attend_amx.c, prefill_avx512.c, prefill_amx.c).
 * Include it after the file's `#pragma GCC target` with AVX-512F and
 * <immintrin.h>: it is inline-only, so each including file compiles it for
 * its own target. */
#ifndef PAL_SIMD_AVX512_H
#define PAL_SIMD_AVX512_H

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

/* The first `left` lanes (none for left <= 0, all for left >= 16). */
static inline __attribute__((always_inline)) __mmask16 pal__tail_mask16(int left) {
  return left >= 16 ? (__mmask16)0xffff : left <= 0 ? 0 : (__mmask16)((1u << left) - 1u);
}

#define PAL__RED_ADD 0
#define PAL__RED_MAX 1

static inline __attribute__((always_inline)) __m512 pal__red_op(__m512 a, __m512 b, int op) {
  return op == PAL__RED_ADD ? _mm512_add_ps(a, b) : _mm512_max_ps(a, b);
}

/* Lane i of the result is the sum (PAL__RED_ADD) or max (PAL__RED_MAX) of
 * the lanes of v[i]: 16 horizontal reductions share one shuffle tree (45
 * instructions instead of 16 separate reductions). */
static inline __attribute__((always_inline)) __m512 pal__reduce16(const __m512 v[16], int op) {
  __m512 x[8], y[4], z[2];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i)
    x[i] = pal__red_op(_mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]),
                       _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]), op);
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(x[2 * i]), b = _mm512_castps_pd(x[2 * i + 1]);
    y[i] = pal__red_op(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)),
                       _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)), op);
  }
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i)
    z[i] = pal__red_op(_mm512_shuffle_f32x4(y[2 * i], y[2 * i + 1], 0x88),
                       _mm512_shuffle_f32x4(y[2 * i], y[2 * i + 1], 0xdd), op);
  return pal__red_op(_mm512_shuffle_f32x4(z[0], z[1], 0x88),
                     _mm512_shuffle_f32x4(z[0], z[1], 0xdd), op);
}

/* Lane-wise max of the n scores at sr, from `init`; a NaN score is skipped
 * (max_ps returns its second operand on NaN, like the scalar's dot > max). */
static inline __attribute__((always_inline)) __m512 pal__row_max16(const float *sr, int n, __m512 init) {
  __m512 mx = init;
  for (int t = 0; t < n; t += 16) {
    const __mmask16 k = pal__tail_mask16(n - t);
    mx = _mm512_mask_max_ps(mx, k, _mm512_maskz_loadu_ps(k, sr + t), mx);
  }
  return mx;
}

/* sr[t] = exp(sr[t] - m) for the n scores at sr, in place; returns the
 * lane-wise partial sums of the results. */
static inline __attribute__((always_inline)) __m512 pal__row_exp_sum16(float *sr, int n, float m) {
  const __m512 mv = _mm512_set1_ps(m);
  __m512 sum = _mm512_setzero_ps();
  for (int t = 0; t < n; t += 16) {
    const __mmask16 k = pal__tail_mask16(n - t);
    const __m512 p = pal__exp16_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, sr + t), mv));
    _mm512_mask_storeu_ps(sr + t, k, p);
    sum = _mm512_mask_add_ps(sum, k, sum, p);
  }
  return sum;
}

/* row[0..d-1] *= f, d a multiple of 16, row 64-byte aligned. */
static inline __attribute__((always_inline)) void pal__scale_row16(float *row, int d, float f) {
  const __m512 fv = _mm512_set1_ps(f);
  for (int i = 0; i < d; i += 16) _mm512_store_ps(row + i, _mm512_mul_ps(_mm512_load_ps(row + i), fv));
}

/* In-register transpose of a 16 x 16 matrix of dwords (r[i] is row i on
 * entry, column i on return). */
static inline __attribute__((always_inline)) void pal__transpose16_epi32(__m512i r[16]) {
  __m512i t[16], u[16];
#pragma GCC unroll 8
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
  }
  /* u[4b + c] lane L: column 4L + c of rows 4b .. 4b+3 */
#pragma GCC unroll 4
  for (int b = 0; b < 4; ++b) {
    u[4 * b + 0] = _mm512_unpacklo_epi64(t[4 * b], t[4 * b + 2]);
    u[4 * b + 1] = _mm512_unpackhi_epi64(t[4 * b], t[4 * b + 2]);
    u[4 * b + 2] = _mm512_unpacklo_epi64(t[4 * b + 1], t[4 * b + 3]);
    u[4 * b + 3] = _mm512_unpackhi_epi64(t[4 * b + 1], t[4 * b + 3]);
  }
#pragma GCC unroll 4
  for (int c = 0; c < 4; ++c) {
    const __m512i v0 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x88);
    const __m512i w0 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xdd);
    const __m512i v1 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x88);
    const __m512i w1 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xdd);
    r[c] = _mm512_shuffle_i32x4(v0, v1, 0x88);
    r[8 + c] = _mm512_shuffle_i32x4(v0, v1, 0xdd);
    r[4 + c] = _mm512_shuffle_i32x4(w0, w1, 0x88);
    r[12 + c] = _mm512_shuffle_i32x4(w0, w1, 0xdd);
  }
}

#endif /* PAL_SIMD_AVX512_H */
