/* attend_avx2.c - AVX2 + FMA + F16C micro-kernels: the online-softmax block
 * step of cpu_kernels.h for fp32, fp16 and bf16 K/V, 8 floats per vector.
 * Results match attend_scalar.c up to fp32 rounding order.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu_kernels.h"

/* The ISA applies from here to the pop below only. Headers come first so the
 * exported init prototypes stay baseline: a declaration seen under the pragma
 * would carry the target to the init definition below. */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif
#include <immintrin.h>

#include "prefetch_rows.h"

#define INLINE static inline __attribute__((always_inline))

/* How far ahead of the scores K is prefetched, in tokens: 8 measured best
 * (of 8..64) streaming fp16 pages from DRAM on Sapphire Rapids. */
#define PF_K_AHEAD 8

/* Of the next block only the first row of each stream (a page run or a 4 KiB
 * page of a longer run) is prefetched, into L2 (pal__prefetch_run_heads): the
 * policy measured for the AVX-512 kernels (attend_avx512.c,
 * docs/ARCHITECTURE.md §5c), whose block work is the same. */
#define RUN_HEAD_HINT _MM_HINT_T1

/* Scores rows are PAL__BLOCK_TOKENS floats apart in scratch. */
#define SROW PAL__BLOCK_TOKENS
/* Rows left from which the scores take one pass of 8 rows x 1 token. */
#define R8_MIN_ROWS 7

static inline int min_i(int a, int b) { return a < b ? a : b; }

/* Internal "dtype": bf16 read 16 elements at a time and split into even and
 * odd elements (shift / mask: 2 instructions per 16 values instead of 4). Q is
 * permuted to match in scratch; acc is permuted in registers only. */
#define DT_BF16_EO 3

INLINE size_t elem_size(int dt) { return dt == PAL_F32 ? 4u : 2u; }

/* 16 bf16 at p as fp32 even / odd elements. */
INLINE void load16_eo(const char *p, __m256 *even, __m256 *odd) {
  const __m256i x = _mm256_loadu_si256((const __m256i *)p);
  *even = _mm256_castsi256_ps(_mm256_slli_epi32(x, 16));
  *odd = _mm256_castsi256_ps(_mm256_and_si256(x, _mm256_set1_epi32((int)0xffff0000u)));
}

/* 8 consecutive elements of dtype dt as fp32; exact for every dtype. */
INLINE __m256 load8(const char *p, int dt) {
  if (dt == PAL_F32) return _mm256_loadu_ps((const float *)p);
  __m128i h = _mm_loadu_si128((const __m128i *)p);
  if (dt == PAL_F16) return _mm256_cvtph_ps(h);
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

/* All-ones in lanes 0 .. left-1. */
INLINE __m256i tail_mask(int left) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(left), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* exp(x), relative error about 1e-7 (Cephes expf polynomial). The exponent is
 * built in the float bits, which covers results down to FLT_MIN: anything
 * below (exp(-inf) included) is flushed to 0. max/min take x as the second
 * operand so a NaN x stays NaN. */
INLINE __m256 exp8(__m256 x) {
  const __m256 lo = _mm256_set1_ps(-87.336544750553102f); /* ln(FLT_MIN) */
  const __m256 under = _mm256_cmp_ps(x, lo, _CMP_LT_OQ);
  x = _mm256_max_ps(lo, x);
  x = _mm256_min_ps(_mm256_set1_ps(88.37f), x);
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
  p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
  __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(under, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

INLINE float hmax8(__m256 v) {
  __m128 x = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_max_ps(x, _mm_movehl_ps(x, x));
  x = _mm_max_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

INLINE float hsum8(__m256 v) {
  __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  x = _mm_add_ps(x, _mm_movehl_ps(x, x));
  x = _mm_add_ss(x, _mm_movehdup_ps(x));
  return _mm_cvtss_f32(x);
}

/* Lane i of the result is the sum of the lanes of v[i]: the 8 horizontal sums
 * share one shuffle tree. */
INLINE __m256 reduce8(const __m256 v[8]) {
  __m256 x[4], y[2];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i)
    x[i] = _mm256_add_ps(_mm256_unpacklo_ps(v[2 * i], v[2 * i + 1]),
                         _mm256_unpackhi_ps(v[2 * i], v[2 * i + 1]));
#pragma GCC unroll 2
  for (int i = 0; i < 2; ++i) {
    __m256d a = _mm256_castps_pd(x[2 * i]), b = _mm256_castps_pd(x[2 * i + 1]);
    y[i] = _mm256_add_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(a, b)),
                         _mm256_castpd_ps(_mm256_unpackhi_pd(a, b)));
  }
  return _mm256_add_ps(_mm256_permute2f128_ps(y[0], y[1], 0x20),
                       _mm256_permute2f128_ps(y[0], y[1], 0x31));
}

/* Writes lanes r*T .. r*T+T-1 of sv (T = 8 / R) to dst. */
INLINE void store_lanes(float *dst, __m256 sv, int r, int R) {
  if (R == 1) {
    _mm256_storeu_ps(dst, sv);
  } else if (R == 2) {
    _mm_storeu_ps(dst, r == 0 ? _mm256_castps256_ps128(sv) : _mm256_extractf128_ps(sv, 1));
  } else if (R == 8) {
    /* lane r to lane 0; a variable index, so unoptimised builds compile too */
    _mm_store_ss(dst, _mm256_castps256_ps128(_mm256_permutevar8x32_ps(sv, _mm256_set1_epi32(r))));
  } else {
    __m128 h = r < 2 ? _mm256_castps256_ps128(sv) : _mm256_extractf128_ps(sv, 1);
    if (r % 2 == 0)
      _mm_storel_pi((__m64 *)dst, h);
    else
      _mm_storeh_pi((__m64 *)dst, h);
  }
}

/* Scores of rows r0 .. r0+R-1 (R in {1,2,4,8}; rows past g repeat row g-1 and
 * are not stored) against all n tokens, T = 8/R tokens per tile so that every
 * tile fills exactly one reduce8. Tokens past n repeat token n-1: only tokens
 * 0..n-1 are ever read. q rows start at q, d floats apart (for DT_BF16_EO
 * [even 8 | odd 8] per 16 elements). With pf (the first group of rows) it
 * also prefetches K a little ahead and V, which is read only after all
 * scores, so the pool's latency hides behind the Q.K arithmetic. */
INLINE void score_rows(const pal__attend_args *a, const float *q, int dt, float *s, int r0, int R,
                       int pf) {
  const int T = 8 / R, g = a->g, d = a->d, n = a->n;
  const size_t es = elem_size(dt);
  const char *const *kr = a->k_rows;
  const float *qr[8];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) qr[r] = q + (int64_t)min_i(r0 + r, g - 1) * d;
  const int64_t row_bytes = (int64_t)d * (int64_t)es;
  if (pf) pal__prefetch_rows(kr, 0, min_i(PF_K_AHEAD, n), row_bytes, _MM_HINT_T0);
  for (int t0 = 0; t0 < n; t0 += T) {
    const char *kt[8];
#pragma GCC unroll 8
    for (int j = 0; j < T; ++j) kt[j] = kr[min_i(t0 + j, n - 1)];
    if (pf) {
      pal__prefetch_rows(kr, t0 + PF_K_AHEAD, min_i(t0 + PF_K_AHEAD + T, n), row_bytes, _MM_HINT_T0);
      pal__prefetch_rows(a->v_rows, t0, min_i(t0 + T, n), row_bytes, _MM_HINT_T0);
    }
    __m256 acc[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) acc[i] = _mm256_setzero_ps();
    if (R == 8) {
      /* One token, 8 rows: q as FMA memory operands (8 accumulators, the
       * q vectors and K would not fit in 16 registers). */
      if (dt != DT_BF16_EO) {
        for (int i = 0; i < d; i += 8) {
          const __m256 kv = load8(kt[0] + (size_t)i * es, dt);
#pragma GCC unroll 8
          for (int r = 0; r < 8; ++r) acc[r] = _mm256_fmadd_ps(_mm256_load_ps(qr[r] + i), kv, acc[r]);
        }
      } else {
        for (int i = 0; i < d; i += 16) {
          __m256 ke, ko;
          load16_eo(kt[0] + 2 * (size_t)i, &ke, &ko);
#pragma GCC unroll 8
          for (int r = 0; r < 8; ++r) {
            acc[r] = _mm256_fmadd_ps(_mm256_load_ps(qr[r] + i), ke, acc[r]);
            acc[r] = _mm256_fmadd_ps(_mm256_load_ps(qr[r] + i + 8), ko, acc[r]);
          }
        }
      }
    } else if (dt != DT_BF16_EO) {
      for (int i = 0; i < d; i += 8) {
        __m256 qv[4];
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) qv[r] = _mm256_load_ps(qr[r] + i);
#pragma GCC unroll 8
        for (int j = 0; j < T; ++j) {
          __m256 kv = load8(kt[j] + (size_t)i * es, dt);
#pragma GCC unroll 4
          for (int r = 0; r < R; ++r) acc[r * T + j] = _mm256_fmadd_ps(qv[r], kv, acc[r * T + j]);
        }
      }
    } else {
      for (int i = 0; i < d; i += 16) {
#pragma GCC unroll 8
        for (int j = 0; j < T; ++j) {
          __m256 ke, ko;
          load16_eo(kt[j] + 2 * (size_t)i, &ke, &ko);
#pragma GCC unroll 4
          for (int r = 0; r < R; ++r) {
            acc[r * T + j] = _mm256_fmadd_ps(_mm256_load_ps(qr[r] + i), ke, acc[r * T + j]);
            acc[r * T + j] = _mm256_fmadd_ps(_mm256_load_ps(qr[r] + i + 8), ko, acc[r * T + j]);
          }
        }
      }
    }
    __m256 sv = reduce8(acc);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
      if (r0 + r < g) store_lanes(s + (int64_t)(r0 + r) * SROW + t0, sv, r, R);
  }
}

/* Turns row r's scores into probabilities in place and updates m, l and the
 * scale of acc; the scalar's comparisons are kept so NaN scores behave alike. */
INLINE void softmax_row(const pal__attend_args *a, float *sr, int r) {
  const int n = a->n;
  __m256 mx = _mm256_set1_ps(-INFINITY);
  for (int t = 0; t < n; t += 8) {
    __m256i mk = tail_mask(n - t);
    /* max_ps returns its second operand on NaN, like the scalar's dot > bmax. */
    __m256 m2 = _mm256_max_ps(_mm256_maskload_ps(sr + t, mk), mx);
    mx = _mm256_blendv_ps(mx, m2, _mm256_castsi256_ps(mk));
  }
  const float bmax = hmax8(mx);
  const float m_old = a->m[r];
  const float m_new = m_old > bmax ? m_old : bmax;
  const float alpha = expf(m_old - m_new);
  const __m256 mv = _mm256_set1_ps(m_new);
  __m256 sum = _mm256_setzero_ps();
  for (int t = 0; t < n; t += 8) {
    __m256i mk = tail_mask(n - t);
    __m256 p = exp8(_mm256_sub_ps(_mm256_maskload_ps(sr + t, mk), mv));
    p = _mm256_and_ps(p, _mm256_castsi256_ps(mk));
    _mm256_maskstore_ps(sr + t, mk, p);
    sum = _mm256_add_ps(sum, p);
  }
  a->l[r] = a->l[r] * alpha + hsum8(sum);
  a->m[r] = m_new;
  /* Steady state keeps the max, so alpha == 1 and the row is left alone. */
  if (alpha != 1.0f) {
    float *acc = a->acc + (int64_t)r * a->d;
    const __m256 av = _mm256_set1_ps(alpha);
    for (int i = 0; i < a->d; i += 8)
      _mm256_store_ps(acc + i, _mm256_mul_ps(_mm256_load_ps(acc + i), av));
  }
}

/* acc[r0..r0+R-1][8*c0 .. 8*(c0+C)-1] += sum_t p[r][t] v_t, the R x C
 * accumulator tile held in registers across all n tokens. */
INLINE void pv_tile(const pal__attend_args *a, const float *s, int dt, int r0, int c0, int R,
                    int C) {
  const int d = a->d, n = a->n;
  const size_t es = elem_size(dt);
  float *accp = a->acc + (int64_t)r0 * d + 8 * c0;
  const float *p = s + (int64_t)r0 * SROW;
  __m256 acc[8];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) acc[r * C + c] = _mm256_load_ps(accp + (int64_t)r * d + 8 * c);
  const size_t off = (size_t)(8 * c0) * es;
  for (int t = 0; t < n; ++t) {
    const char *vt = a->v_rows[t] + off;
    /* One base register per token: keeps gcc from splitting off + column
     * offset into loop invariants it has no registers for. */
    __asm__("" : "+r"(vt));
    __m256 pr[4];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) pr[r] = _mm256_broadcast_ss(p + r * SROW + t);
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
      __m256 vv = load8(vt + (size_t)(8 * c) * es, dt);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) acc[r * C + c] = _mm256_fmadd_ps(pr[r], vv, acc[r * C + c]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) _mm256_store_ps(accp + (int64_t)r * d + 8 * c, acc[r * C + c]);
}

/* pv_tile for DT_BF16_EO: C chunks of 16 columns from column 16*c0, each
 * held as even / odd accumulators; acc is permuted on load and store only. */
INLINE void pv_tile_eo(const pal__attend_args *a, const float *s, int r0, int c0, int R, int C) {
  const int d = a->d, n = a->n;
  float *accp = a->acc + (int64_t)r0 * d + 16 * c0;
  const float *p = s + (int64_t)r0 * SROW;
  __m256 ae[4], ao[4];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) {
      const float *x = accp + (int64_t)r * d + 16 * c;
      const __m256 lo = _mm256_load_ps(x), hi = _mm256_load_ps(x + 8);
      /* shuffle_ps leaves lanes ordered 0 1 4 5 | 2 3 6 7; 0xd8 restores them */
      ae[r * C + c] = _mm256_castpd_ps(_mm256_permute4x64_pd(
          _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0))), 0xd8));
      ao[r * C + c] = _mm256_castpd_ps(_mm256_permute4x64_pd(
          _mm256_castps_pd(_mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1))), 0xd8));
    }
  const size_t off = 32 * (size_t)c0;
  for (int t = 0; t < n; ++t) {
    const char *vt = a->v_rows[t] + off;
    /* One base register per token: keeps gcc from splitting off + column
     * offset into loop invariants it has no registers for. */
    __asm__("" : "+r"(vt));
    __m256 pr[4];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) pr[r] = _mm256_broadcast_ss(p + r * SROW + t);
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) {
      __m256 ve, vo;
      load16_eo(vt + 32 * (size_t)c, &ve, &vo);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        ae[r * C + c] = _mm256_fmadd_ps(pr[r], ve, ae[r * C + c]);
        ao[r * C + c] = _mm256_fmadd_ps(pr[r], vo, ao[r * C + c]);
      }
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) {
      float *x = accp + (int64_t)r * d + 16 * c;
      const __m256 u0 = _mm256_unpacklo_ps(ae[r * C + c], ao[r * C + c]);
      const __m256 u1 = _mm256_unpackhi_ps(ae[r * C + c], ao[r * C + c]);
      _mm256_store_ps(x, _mm256_permute2f128_ps(u0, u1, 0x20));
      _mm256_store_ps(x + 8, _mm256_permute2f128_ps(u0, u1, 0x31));
    }
}

/* All of d for rows r0..r0+R-1, in column tiles as wide as the registers
 * allow (d is a multiple of 16, so the 8-column count is even); the first
 * rows ask for the next block's stream heads first. */
INLINE void pv_rows(const pal__attend_args *a, const float *s, int dt, int r0, int R) {
  if (r0 == 0 && a->next_n > 0)
    pal__prefetch_run_heads(a->k_next, a->v_next, a->next_n,
                            (int64_t)a->d * (int64_t)elem_size(dt), RUN_HEAD_HINT);
  if (dt == DT_BF16_EO) {
    const int nc = a->d / 16;
    for (int c0 = 0; c0 < nc;) {
      const int left = nc - c0;
      if (R == 1 && left >= 4) {
        pv_tile_eo(a, s, r0, c0, R, 4), c0 += 4;
      } else if (R <= 2 && left >= 2) {
        pv_tile_eo(a, s, r0, c0, R, 2), c0 += 2;
      } else {
        pv_tile_eo(a, s, r0, c0, R, 1), c0 += 1;
      }
    }
    return;
  }
  const int nc = a->d / 8;
  for (int c0 = 0; c0 < nc;) {
    const int left = nc - c0;
    if (R == 1 && left >= 8) {
      pv_tile(a, s, dt, r0, c0, R, 8), c0 += 8;
    } else if (R <= 2 && left >= 4) {
      pv_tile(a, s, dt, r0, c0, R, 4), c0 += 4;
    } else {
      pv_tile(a, s, dt, r0, c0, R, 2), c0 += 2;
    }
  }
}

/* Scores of every row, softmax, then acc += P V in row groups. K and V are
 * converted in registers at each use rather than once into scratch: the
 * fp16/bf16 block stays in L1 where its fp32 copy would not, which measured
 * faster for every group size. */
INLINE void attend_body(const pal__attend_args *a, const float *q, int dt) {
  const int g = a->g;
  float *s = a->scratch;
  /* One repeated row in a group of 4 costs less than another pass over K.
   * From 7 rows on, 8 rows of one token (q from memory) read K once instead
   * of in two passes: streaming from DRAM (PAL_ISA=avx2, 2 threads,
   * alternated runs) 0.95-0.97x the time at g = 8, 0.75-0.98x at g = 7 and
   * 16; at g = 6 the two repeated rows cost more (1.05-1.09x). */
  for (int r0 = 0; r0 < g;) {
    const int left = g - r0;
    const int pf = r0 == 0;
    if (left >= R8_MIN_ROWS) {
      score_rows(a, q, dt, s, r0, 8, pf), r0 += 8;
    } else if (left >= 3) {
      score_rows(a, q, dt, s, r0, 4, pf), r0 += 4;
    } else if (left == 2) {
      score_rows(a, q, dt, s, r0, 2, pf), r0 += 2;
    } else {
      score_rows(a, q, dt, s, r0, 1, pf), r0 += 1;
    }
  }
  for (int r = 0; r < g; ++r) softmax_row(a, s + (int64_t)r * SROW, r);
  for (int r0 = 0; r0 < g;) {
    const int left = g - r0;
    if (left >= 4) {
      pv_rows(a, s, dt, r0, 4), r0 += 4;
    } else if (left >= 2) {
      pv_rows(a, s, dt, r0, 2), r0 += 2;
    } else {
      pv_rows(a, s, dt, r0, 1), r0 += 1;
    }
  }
}

static void attend_f32_avx2(const pal__attend_args *a) { attend_body(a, a->q, PAL_F32); }
static void attend_f16_avx2(const pal__attend_args *a) { attend_body(a, a->q, PAL_F16); }

/* bf16 for at most 2 * BLOCK rows: q permuted to [even 8 | odd 8] per 16
 * elements fits where an fp32 K/V copy would (2 * BLOCK * d floats). */
static void attend_bf16_eo(const pal__attend_args *a) {
  const int g = a->g, d = a->d;
  float *qp = a->scratch + (int64_t)g * SROW;
  for (int r = 0; r < g; ++r) {
    const float *q = a->q + (int64_t)r * d;
    float *o = qp + (int64_t)r * d;
    for (int i = 0; i < d; i += 16) {
      const __m256 lo = _mm256_load_ps(q + i), hi = _mm256_load_ps(q + i + 8);
      const __m256 e = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
      const __m256 od = _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1));
      _mm256_store_ps(o + i, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xd8)));
      _mm256_store_ps(o + i + 8, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(od), 0xd8)));
    }
  }
  attend_body(a, qp, DT_BF16_EO);
}

static void attend_bf16_avx2(const pal__attend_args *a) {
  const int rows = 2 * PAL__BLOCK_TOKENS;
  if (a->g <= rows) {
    attend_bf16_eo(a);
    return;
  }
  /* Larger groups in pieces; each piece is an independent block step sharing
   * the scratch. */
  for (int r0 = 0; r0 < a->g; r0 += rows) {
    pal__attend_args b = *a;
    const int64_t off = (int64_t)r0 * a->d;
    b.q += off, b.acc += off, b.m += r0, b.l += r0;
    b.g = min_i(rows, a->g - r0);
    if (r0 + rows < a->g) b.next_n = 0; /* the last piece prefetches the next block */
    attend_bf16_eo(&b);
  }
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

/* Pure pointer stores, compiled for the baseline target: safe to run anywhere. */
void pal__cpu_kernels_init_avx2(pal__cpu_kernels *t) {
  pal__cpu_kernels_init_scalar(t);
  t->isa = PAL_ISA_AVX2;
  t->attend[PAL_F32] = attend_f32_avx2;
  t->attend[PAL_F16] = attend_f16_avx2;
  t->attend[PAL_BF16] = attend_bf16_avx2;
  pal__prefill_kernels_init_avx2(&t->prefill);
}
