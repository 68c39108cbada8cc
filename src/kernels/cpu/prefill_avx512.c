/* prefill_avx512.c - AVX-512 (F/BW/VL/DQ) prefill micro-kernels
 * (prefill_kernels.h) for fp32, fp16 and bf16 K/V. Operands are fp32, as in
 * prefill_scalar.c: Q pre-multiplied by the scale [M][d], K transposed to
 * [d][64] (so 64 scores of a row are 4 vectors), V [64][d]. fp16 / bf16 K/V
 * are converted once per key tile while packing; the products are then
 * register-blocked fp32 FMA GEMMs:
 *   qk: 6 rows x 64 keys (24 accumulators) per pass over d: per element of d
 *       4 K^T loads and 6 broadcasts feed 24 FMAs;
 *   pv: 6 rows x 64 columns of acc per pass over the n keys: per key 4 V
 *       loads and 6 broadcasts feed 24 FMAs.
 * Results match prefill_scalar.c up to fp32 rounding order.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu_kernels.h"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")
#endif
#include <immintrin.h>

#include "simd_avx512.h"

#define INLINE static inline __attribute__((always_inline))
#define KEYS PAL__PREFILL_KEYS

/* 16 consecutive elements of dtype dt as fp32 (exact). */
INLINE __m512 load16(const char *p, int dt) {
  if (dt == PAL_F32) return _mm512_loadu_ps(p);
  const __m256i h = _mm256_loadu_si256((const __m256i *)p);
  if (dt == PAL_F16) return _mm512_cvtph_ps(h);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}


/* In-register transpose of a 16 x 16 matrix of floats. */
INLINE void transpose16(__m512 v[16]) {
  __m512i r[16];
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) r[i] = _mm512_castps_si512(v[i]);
  pal__transpose16_epi32(r);
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i) v[i] = _mm512_castsi512_ps(r[i]);
}

static void pack_q(const float *q, int m, int d, float scale, void *qp) {
  float *o = qp;
  const __m512 s = _mm512_set1_ps(scale);
  for (int64_t i = 0; i < (int64_t)m * d; i += 16)
    _mm512_store_ps(o + i, _mm512_mul_ps(_mm512_load_ps(q + i), s));
}

/* K^T [d][64]: 16 x 16 blocks transposed in registers; keys >= n are zero. */
INLINE void pack_k_body(const char *const *rows, int n, int d, float *kt, int dt) {
  const size_t es = dt == PAL_F32 ? 4 : 2;
  for (int t0 = 0; t0 < KEYS; t0 += 16) {
    if (t0 >= n) {
      for (int i = 0; i < d; ++i) _mm512_store_ps(kt + (int64_t)i * KEYS + t0, _mm512_setzero_ps());
      continue;
    }
    for (int i = 0; i < d; i += 16) {
      __m512 v[16];
#pragma GCC unroll 16
      for (int j = 0; j < 16; ++j)
        v[j] = t0 + j < n ? load16(rows[t0 + j] + (size_t)i * es, dt) : _mm512_setzero_ps();
      transpose16(v);
#pragma GCC unroll 16
      for (int j = 0; j < 16; ++j) _mm512_store_ps(kt + (int64_t)(i + j) * KEYS + t0, v[j]);
    }
  }
}

/* V operand: [64 row pointers][64 x d fp32]. fp32 rows are used in place
 * (the pointers name the pool's rows); fp16 / bf16 rows are converted into
 * the buffer once per tile and the pointers name the copies. */
INLINE void pack_v_body(const char *const *rows, int n, int d, void *vp, int dt) {
  const float **ptr = vp;
  float *v = (float *)((char *)vp + KEYS * sizeof(float *));
  for (int t = 0; t < n; ++t) {
    if (dt == PAL_F32) {
      ptr[t] = (const float *)(const void *)rows[t];
      continue;
    }
    float *o = v + (int64_t)t * d;
    for (int i = 0; i < d; i += 16) _mm512_store_ps(o + i, load16(rows[t] + (size_t)i * 2, dt));
    ptr[t] = o;
  }
}

static void pack_k_f32(const char *const *r, int n, int d, void *o) { pack_k_body(r, n, d, o, PAL_F32); }
static void pack_k_f16(const char *const *r, int n, int d, void *o) { pack_k_body(r, n, d, o, PAL_F16); }
static void pack_k_bf16(const char *const *r, int n, int d, void *o) { pack_k_body(r, n, d, o, PAL_BF16); }
static void pack_v_f32(const char *const *r, int n, int d, void *o) { pack_v_body(r, n, d, o, PAL_F32); }
static void pack_v_f16(const char *const *r, int n, int d, void *o) { pack_v_body(r, n, d, o, PAL_F16); }
static void pack_v_bf16(const char *const *r, int n, int d, void *o) { pack_v_body(r, n, d, o, PAL_BF16); }

/* s[r0 .. r0+R-1][0 .. 64) = q rows . K^T, NV vectors of 16 keys. */
INLINE void qk_block(const float *q, int d, const float *kt, float *s, int R, int NV) {
  __m512 acc[6][4];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_setzero_ps();
  for (int i = 0; i < d; ++i) {
    const float *k = kt + (int64_t)i * KEYS;
    __m512 kv[4];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) kv[v] = _mm512_load_ps(k + 16 * v);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m512 qb = _mm512_set1_ps(q[(int64_t)r * d + i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm512_fmadd_ps(qb, kv[v], acc[r][v]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm512_store_ps(s + (int64_t)r * KEYS + 16 * v, acc[r][v]);
}

#define QK_NV(R, NV)                                            \
  switch (NV) {                                                 \
    case 1: qk_block(q, d, kt, s, R, 1); break;                 \
    case 2: qk_block(q, d, kt, s, R, 2); break;                 \
    case 3: qk_block(q, d, kt, s, R, 3); break;                 \
    default: qk_block(q, d, kt, s, R, 4); break;                \
  }

static void qk(const void *qp, int m, int d, const void *kp, int n, float *s_out) {
  const float *kt = kp;
  const int nv = (n + 15) / 16;
  for (int r0 = 0; r0 < m; r0 += 6) {
    const float *q = (const float *)qp + (int64_t)r0 * d;
    float *s = s_out + (int64_t)r0 * KEYS;
    switch (m - r0 < 6 ? m - r0 : 6) {
      case 1: QK_NV(1, nv); break;
      case 2: QK_NV(2, nv); break;
      case 3: QK_NV(3, nv); break;
      case 4: QK_NV(4, nv); break;
      case 5: QK_NV(5, nv); break;
      default: QK_NV(6, nv); break;
    }
  }
}

/* Rows in groups of 16: per-row partial vectors, one reduction tree for
 * the 16 maxima and one for the 16 sums, alpha for 16 rows in one exp. */
static void softmax(float *s, int m, int n, float *mx, float *l, float *acc, int d) {
  for (int r0 = 0; r0 < m; r0 += 16) {
    const int rows = m - r0 < 16 ? m - r0 : 16;
    const __mmask16 rm = (__mmask16)(rows == 16 ? 0xffff : (1u << rows) - 1u);
    __m512 part[16];
    for (int r = 0; r < 16; ++r)
      part[r] = r < rows ? pal__row_max16(s + (int64_t)(r0 + r) * KEYS, n, _mm512_set1_ps(-INFINITY))
                         : _mm512_set1_ps(-INFINITY);
    const __m512 m_old = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), rm, mx + r0);
    const __m512 m_new = _mm512_max_ps(m_old, pal__reduce16(part, PAL__RED_MAX));
    /* rows with nothing visible yet keep m = -inf: exponents against 0 give
     * p = 0 and alpha = 0 (their l and acc are 0) */
    const __mmask16 none = _mm512_cmp_ps_mask(m_new, _mm512_set1_ps(-INFINITY), _CMP_EQ_OQ);
    const __m512 m_use = _mm512_mask_mov_ps(m_new, none, _mm512_setzero_ps());
    const __m512 alpha = pal__exp16_avx512(_mm512_sub_ps(m_old, m_use));
    float mu[16], al[16];
    _mm512_storeu_ps(mu, m_use);
    _mm512_storeu_ps(al, alpha);
    for (int r = 0; r < 16; ++r) {
      __m512 sum = _mm512_setzero_ps();
      if (r < rows) {
        sum = pal__row_exp_sum16(s + (int64_t)(r0 + r) * KEYS, n, mu[r]);
        if (al[r] != 1.0f) pal__scale_row16(acc + (int64_t)(r0 + r) * d, d, al[r]);
      }
      part[r] = sum;
    }
    const __m512 sum = pal__reduce16(part, PAL__RED_ADD);
    _mm512_mask_storeu_ps(l + r0, rm, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(rm, l + r0), alpha, sum));
    _mm512_mask_storeu_ps(mx + r0, rm, m_new);
  }
}

/* acc[R rows][C vectors from column c0] += p rows . V over n keys. */
INLINE void pv_block(const float *p, int n, const float *const *vr, int c0, int d, float *acc,
                     int R, int C) {
  __m512 a[6][4];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) a[r][c] = _mm512_load_ps(acc + (int64_t)r * d + 16 * c);
  for (int t = 0; t < n; ++t) {
    const float *vt = vr[t] + c0;
    __m512 vv[4];
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) vv[c] = _mm512_loadu_ps(vt + 16 * c);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m512 pb = _mm512_set1_ps(p[(int64_t)r * KEYS + t]);
#pragma GCC unroll 4
      for (int c = 0; c < C; ++c) a[r][c] = _mm512_fmadd_ps(pb, vv[c], a[r][c]);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) _mm512_store_ps(acc + (int64_t)r * d + 16 * c, a[r][c]);
}

#define PV_C(R, C)                                              \
  switch (C) {                                                  \
    case 1: pv_block(pr, n, vr, c0, d, ac, R, 1); break;        \
    case 2: pv_block(pr, n, vr, c0, d, ac, R, 2); break;        \
    case 3: pv_block(pr, n, vr, c0, d, ac, R, 3); break;        \
    default: pv_block(pr, n, vr, c0, d, ac, R, 4); break;       \
  }

static void pv(float *p, int m, int n, void *vp, int d, float *acc) {
  const float *const *vr = vp;
  for (int c0 = 0; c0 < d; c0 += 64) {
    const int C = (d - c0) / 16 < 4 ? (d - c0) / 16 : 4;
    for (int r0 = 0; r0 < m; r0 += 6) {
      const float *pr = p + (int64_t)r0 * KEYS;
      float *ac = acc + (int64_t)r0 * d + c0;
      switch (m - r0 < 6 ? m - r0 : 6) {
        case 1: PV_C(1, C); break;
        case 2: PV_C(2, C); break;
        case 3: PV_C(3, C); break;
        case 4: PV_C(4, C); break;
        case 5: PV_C(5, C); break;
        default: PV_C(6, C); break;
      }
    }
  }
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

/* Pure pointer stores, compiled for the baseline target. Overwrites every
 * entry (pal__cpu_kernels_init_avx512 has filled the level below). */
void pal__prefill_kernels_init_avx512(pal__prefill_kernels *t) {
  void (*const pk[PAL_DTYPE_COUNT])(const char *const *, int, int, void *) = {
      pack_k_f32, pack_k_f16, pack_k_bf16};
  void (*const pvk[PAL_DTYPE_COUNT])(const char *const *, int, int, void *) = {
      pack_v_f32, pack_v_f16, pack_v_bf16};
  for (int dt = 0; dt < PAL_DTYPE_COUNT; ++dt)
    for (int b = 0; b < 2; ++b)
      t->ops[dt][b] = (pal__prefill_ops){0, NULL, pack_q, pk[dt], pvk[dt], qk, softmax, pv};
}
