/* attend_avx512.c - AVX-512 (F/BW/VL/DQ) micro-kernels: the online-softmax
 * block step of cpu_kernels.h for fp32, fp16 and bf16 K/V, 16 floats per
 * vector. Results match attend_scalar.c up to fp32 rounding order.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu_kernels.h"

/* The ISA applies from here to the pop below only. Headers come first so the
 * exported init prototypes stay baseline: a declaration seen under the pragma
 * would carry the target to the init definition below. */
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")
#endif
#include <immintrin.h>

#include "prefetch_rows.h"

#include "simd_avx512.h"

#define INLINE static inline __attribute__((always_inline))

/* How far ahead of the scores K is prefetched, in tokens: 8 measured best
 * (of 8..64) streaming fp16 pages from DRAM on Sapphire Rapids. */
#define PF_K_AHEAD 8

/* The next block is not prefetched row by row: only the first row of each
 * of its streams, a page run or a 4 KiB page of a longer run
 * (pal__prefetch_run_heads; measurements in docs/ARCHITECTURE.md §5c). On
 * Ice Lake-SP (2 cores, 16-token fp16/bf16 HND pages) run heads took g = 1 at
 * 32k context from 7.6 to 7.2 ms, g = 1 at 4k 9-15% lower and batch 8 at 32k
 * 3-17% lower, against prefetching every next-block row into L2 at g <= 2
 * (whose extra requests crowd the fill buffers the block's own loads need;
 * spreading them over the whole P.V pass at g >= 4 was 40-80% slower).
 * (Sapphire Rapids had measured the row-by-row scheme 15-25% faster than no
 * next-block prefetch at g <= 2; not re-measured there against run heads.) */
#define RUN_HEAD_HINT _MM_HINT_T1

/* Scores rows are PAL__BLOCK_TOKENS floats apart in scratch. */
#define SROW PAL__BLOCK_TOKENS
/* Rows left from which the scores take one tile of 8 rows. */
#define R8_MIN_ROWS 5

static inline int min_i(int a, int b) { return a < b ? a : b; }

/* Internal "dtype": bf16 read 32 elements at a time and split into even and
 * odd elements (shift / mask: 2 instructions per 32 values instead of 4). Q is
 * permuted to match in scratch; acc is permuted in registers only. */
#define DT_BF16_EO 3

INLINE size_t elem_size(int dt) { return dt == PAL_F32 ? 4u : 2u; }

/* 32 bf16 at p (16 if half: the rest reads as +0) as fp32 even / odd elements. */
INLINE void load32_eo(const char *p, int half, __m512 *even, __m512 *odd) {
  const __m512i x = half ? _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)p))
                         : _mm512_loadu_si512(p);
  *even = _mm512_castsi512_ps(_mm512_slli_epi32(x, 16));
  *odd = _mm512_castsi512_ps(_mm512_and_si512(x, _mm512_set1_epi32((int)0xffff0000u)));
}

/* 16 consecutive elements of dtype dt as fp32; exact for every dtype. */
INLINE __m512 load16(const char *p, int dt) {
  if (dt == PAL_F32) return _mm512_loadu_ps(p);
  __m256i h = _mm256_loadu_si256((const __m256i *)p);
  if (dt == PAL_F16) return _mm512_cvtph_ps(h);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* Writes lanes r*T .. r*T+T-1 of sv (T = 16 / R) to dst. */
INLINE void store_lanes(float *dst, __m512 sv, int r, int R) {
  if (R == 1) {
    _mm512_storeu_ps(dst, sv);
  } else if (R == 2) {
    _mm256_storeu_ps(dst, r == 0 ? _mm512_castps512_ps256(sv) : _mm512_extractf32x8_ps(sv, 1));
  } else if (R == 8) {
    const __m128 h = (r >> 1) == 0   ? _mm512_castps512_ps128(sv)
                     : (r >> 1) == 1 ? _mm512_extractf32x4_ps(sv, 1)
                     : (r >> 1) == 2 ? _mm512_extractf32x4_ps(sv, 2)
                                     : _mm512_extractf32x4_ps(sv, 3);
    if (r & 1)
      _mm_storeh_pi((__m64 *)(void *)dst, h);
    else
      _mm_storel_pi((__m64 *)(void *)dst, h);
  } else {
    __m128 h;
    switch (r) {
      case 0: h = _mm512_castps512_ps128(sv); break;
      case 1: h = _mm512_extractf32x4_ps(sv, 1); break;
      case 2: h = _mm512_extractf32x4_ps(sv, 2); break;
      default: h = _mm512_extractf32x4_ps(sv, 3); break;
    }
    _mm_storeu_ps(dst, h);
  }
}

/* acc[r*T + j] += q_r . k_j over elements i .. i+15 (i .. i+31 for DT_BF16_EO,
 * whose q rows hold [even 16 | odd 16] per 32 elements; half: only 16 left). */
INLINE void score_step(__m512 acc[16], const float *const qr[8], const char *const kt[16], int i,
                       int dt, int R, int half) {
  const int T = 16 / R;
  if (dt != DT_BF16_EO) {
    __m512 qv[8];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      qv[r] = _mm512_load_ps(qr[r] + i);
      /* In a register: as FMA memory operands q would be loaded once per
       * token, and R = 8 (T = 2) would then be bound by the load ports. */
      __asm__("" : "+v"(qv[r]));
    }
#pragma GCC unroll 16
    for (int j = 0; j < T; ++j) {
      const __m512 kv = load16(kt[j] + (size_t)i * elem_size(dt), dt);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r * T + j] = _mm512_fmadd_ps(qv[r], kv, acc[r * T + j]);
    }
  } else if (R == 8) {
    /* K of both tokens first, then q a row at a time: each q pair is loaded
     * once for both tokens (16 accumulators + 4 K + 2 q fit in the 32
     * registers; all 16 q vectors would not). */
    __m512 ke[2], ko[2];
#pragma GCC unroll 2
    for (int j = 0; j < 2; ++j) load32_eo(kt[j] + 2 * (size_t)i, half, &ke[j], &ko[j]);
#pragma GCC unroll 8
    for (int r = 0; r < 8; ++r) {
      __m512 qe = _mm512_load_ps(qr[r] + i), qo = _mm512_load_ps(qr[r] + i + 16);
      __asm__("" : "+v"(qe), "+v"(qo));
#pragma GCC unroll 2
      for (int j = 0; j < 2; ++j) {
        acc[r * 2 + j] = _mm512_fmadd_ps(qe, ke[j], acc[r * 2 + j]);
        acc[r * 2 + j] = _mm512_fmadd_ps(qo, ko[j], acc[r * 2 + j]);
      }
    }
  } else {
#pragma GCC unroll 16
    for (int j = 0; j < T; ++j) {
      __m512 ke, ko;
      load32_eo(kt[j] + 2 * (size_t)i, half, &ke, &ko);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) {
        acc[r * T + j] = _mm512_fmadd_ps(_mm512_load_ps(qr[r] + i), ke, acc[r * T + j]);
        acc[r * T + j] = _mm512_fmadd_ps(_mm512_load_ps(qr[r] + i + 16), ko, acc[r * T + j]);
      }
    }
  }
}

/* Scores of rows r0 .. r0+R-1 (R in {1,2,4,8}; rows past g repeat row g-1 and
 * are not stored) against all n tokens, T = 16/R tokens per tile so that every
 * tile fills exactly one pal__reduce16. Tokens past n repeat token n-1: only
 * tokens 0..n-1 are ever read. q rows start at q, qstride floats apart. With
 * pf (the first group of rows) it also prefetches K a little ahead and V,
 * which is read only after all scores, so the pool's latency hides behind the
 * Q.K arithmetic. */
INLINE void score_rows(const pal__attend_args *a, const float *q, int64_t qstride, int dt, float *s,
                       int r0, int R, int pf) {
  const int T = 16 / R, g = a->g, d = a->d, n = a->n;
  const char *const *kr = a->k_rows;
  const float *qr[8];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) qr[r] = q + (int64_t)min_i(r0 + r, g - 1) * qstride;
  const int64_t row_bytes = (int64_t)d * (int64_t)elem_size(dt);
  if (pf) pal__prefetch_rows(kr, 0, min_i(PF_K_AHEAD, n), row_bytes, _MM_HINT_T0);
  for (int t0 = 0; t0 < n; t0 += T) {
    const char *kt[16];
#pragma GCC unroll 16
    for (int j = 0; j < T; ++j) kt[j] = kr[min_i(t0 + j, n - 1)];
    if (pf) {
      pal__prefetch_rows(kr, t0 + PF_K_AHEAD, min_i(t0 + PF_K_AHEAD + T, n), row_bytes, _MM_HINT_T0);
      pal__prefetch_rows(a->v_rows, t0, min_i(t0 + T, n), row_bytes, _MM_HINT_T0);
    }
    __m512 acc[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) acc[i] = _mm512_setzero_ps();
    if (dt != DT_BF16_EO) {
      for (int i = 0; i < d; i += 16) score_step(acc, qr, kt, i, dt, R, 0);
    } else {
      int i = 0;
      for (; i + 32 <= d; i += 32) score_step(acc, qr, kt, i, dt, R, 0);
      if (i < d) score_step(acc, qr, kt, i, dt, R, 1);
    }
    __m512 sv = pal__reduce16(acc, PAL__RED_ADD);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r)
      if (r0 + r < g) store_lanes(s + (int64_t)(r0 + r) * SROW + t0, sv, r, R);
  }
}

/* Turns the scores of rows r0 .. r0+R-1 (R <= 16) into probabilities in
 * place and updates their m, l and the scale of acc. The rows go together so
 * that their horizontal max and sum share one pal__reduce16 each and the
 * max -> exp -> sum chain of one row overlaps the others' (row by row it was
 * latency-bound: 13% of a g = 8 block). The scalar's comparisons are kept so
 * NaN scores behave alike (pal__row_max16). */
INLINE void softmax_rows(const pal__attend_args *a, float *s, int r0, int R) {
  const int n = a->n;
  __m512 v[16];
  for (int i = 0; i < 16; ++i)
    v[i] = i < R ? pal__row_max16(s + (int64_t)(r0 + i) * SROW, n, _mm512_set1_ps(-INFINITY))
                 : _mm512_set1_ps(-INFINITY);
  const __mmask16 rows = (__mmask16)((1u << R) - 1u);
  const __m512 bmax = pal__reduce16(v, PAL__RED_MAX);
  const __m512 m_old = _mm512_maskz_loadu_ps(rows, a->m + r0);
  const __m512 m_new = _mm512_max_ps(m_old, bmax); /* m_old > bmax ? m_old : bmax */
  const __m512 alpha = pal__exp16_avx512(_mm512_sub_ps(m_old, m_new));
  float mn[16];
  _mm512_storeu_ps(mn, m_new);
  for (int i = 0; i < 16; ++i)
    v[i] = i < R ? pal__row_exp_sum16(s + (int64_t)(r0 + i) * SROW, n, mn[i]) : _mm512_setzero_ps();
  const __m512 l_old = _mm512_maskz_loadu_ps(rows, a->l + r0);
  const __m512 sum = pal__reduce16(v, PAL__RED_ADD);
  _mm512_mask_storeu_ps(a->l + r0, rows, _mm512_add_ps(_mm512_mul_ps(l_old, alpha), sum));
  _mm512_mask_storeu_ps(a->m + r0, rows, m_new);
  /* Steady state keeps the max, so alpha == 1 and the rows are left alone
   * (NaN != 1, as in the scalar). */
  __mmask16 rescale = _mm512_mask_cmp_ps_mask(rows, alpha, _mm512_set1_ps(1.0f), _CMP_NEQ_UQ);
  if (!rescale) return;
  float al[16];
  _mm512_storeu_ps(al, alpha);
  for (; rescale; rescale &= (__mmask16)(rescale - 1)) {
    const int i = __builtin_ctz(rescale);
    pal__scale_row16(a->acc + (int64_t)(r0 + i) * a->d, a->d, al[i]);
  }
}

/* The per-token start shared by both P.V tiles: token t's V row (offset to
 * the tile's columns) and its R probabilities broadcast into pr. */
INLINE const char *pv_token(const pal__attend_args *a, const float *p, int t, size_t off, int R,
                            __m512 pr[8]) {
  const char *vt = a->v_rows[t] + off;
  /* One base register per token: keeps gcc from splitting off + column
   * offset into loop invariants it has no registers for. */
  __asm__("" : "+r"(vt));
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) pr[r] = _mm512_set1_ps(p[r * SROW + t]);
  return vt;
}

/* acc[r0..r0+R-1][16*c0 .. 16*(c0+C)-1] += sum_t p[r][t] v_t, the R x C
 * accumulator tile held in registers across all n tokens. */
INLINE void pv_tile(const pal__attend_args *a, const float *s, int dt, int r0, int c0, int R,
                    int C) {
  const int d = a->d, n = a->n;
  const size_t es = elem_size(dt);
  float *accp = a->acc + (int64_t)r0 * d + 16 * c0;
  const float *p = s + (int64_t)r0 * SROW;
  __m512 acc[16];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) acc[r * C + c] = _mm512_load_ps(accp + (int64_t)r * d + 16 * c);
  const size_t off = (size_t)(16 * c0) * es;
  for (int t = 0; t < n; ++t) {
    __m512 pr[8];
    const char *vt = pv_token(a, p, t, off, R, pr);
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) {
      __m512 vv = load16(vt + (size_t)(16 * c) * es, dt);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) acc[r * C + c] = _mm512_fmadd_ps(pr[r], vv, acc[r * C + c]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int c = 0; c < C; ++c) _mm512_store_ps(accp + (int64_t)r * d + 16 * c, acc[r * C + c]);
}

/* pv_tile for DT_BF16_EO: C chunks of 32 columns from column 32*c0, each
 * held as even / odd accumulators; acc is permuted on load and store only. */
INLINE void pv_tile_eo(const pal__attend_args *a, const float *s, int r0, int c0, int R, int C) {
  const int d = a->d, n = a->n;
  float *accp = a->acc + (int64_t)r0 * d + 32 * c0;
  const float *p = s + (int64_t)r0 * SROW;
  const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  __m512 ae[8], ao[8];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
      const float *x = accp + (int64_t)r * d + 32 * c;
      const __m512 lo = _mm512_load_ps(x), hi = _mm512_load_ps(x + 16);
      ae[r * C + c] = _mm512_permutex2var_ps(lo, ie, hi);
      ao[r * C + c] = _mm512_permutex2var_ps(lo, io, hi);
    }
  const size_t off = 64 * (size_t)c0;
  for (int t = 0; t < n; ++t) {
    __m512 pr[8];
    const char *vt = pv_token(a, p, t, off, R, pr);
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
      __m512 ve, vo;
      load32_eo(vt + 64 * (size_t)c, 0, &ve, &vo);
#pragma GCC unroll 8
      for (int r = 0; r < R; ++r) {
        ae[r * C + c] = _mm512_fmadd_ps(pr[r], ve, ae[r * C + c]);
        ao[r * C + c] = _mm512_fmadd_ps(pr[r], vo, ao[r * C + c]);
      }
    }
  }
  const __m512i il = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i ih = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
      float *x = accp + (int64_t)r * d + 32 * c;
      _mm512_store_ps(x, _mm512_permutex2var_ps(ae[r * C + c], il, ao[r * C + c]));
      _mm512_store_ps(x + 16, _mm512_permutex2var_ps(ae[r * C + c], ih, ao[r * C + c]));
    }
}

/* All of d for rows r0..r0+R-1, in column tiles as wide as the registers
 * allow; the first rows ask for the next block's stream heads first. */
INLINE void pv_rows(const pal__attend_args *a, const float *s, int dt, int r0, int R) {
  int c0 = 0, nc = a->d / 16;
  if (r0 == 0 && a->next_n > 0)
    pal__prefetch_run_heads(a->k_next, a->v_next, a->next_n,
                            (int64_t)a->d * (int64_t)elem_size(dt), RUN_HEAD_HINT);
  if (dt == DT_BF16_EO) {
    /* Whole 32-column chunks here; an odd 16 columns at the end go below. */
    const int nc32 = a->d / 32;
    for (int c = 0; c < nc32;) {
      const int left = nc32 - c;
      if (R == 1 && left >= 8) {
        pv_tile_eo(a, s, r0, c, R, 8), c += 8;
      } else if (R <= 2 && left >= 4) {
        pv_tile_eo(a, s, r0, c, R, 4), c += 4;
      } else if (R <= 4 && left >= 2) {
        pv_tile_eo(a, s, r0, c, R, 2), c += 2;
      } else {
        pv_tile_eo(a, s, r0, c, R, 1), c += 1;
      }
    }
    c0 = 2 * nc32;
    dt = PAL_BF16;
  }
  while (c0 < nc) {
    const int left = nc - c0;
    if (R == 1 && left >= 16) {
      pv_tile(a, s, dt, r0, c0, R, 16), c0 += 16;
    } else if (R <= 2 && left >= 8) {
      pv_tile(a, s, dt, r0, c0, R, 8), c0 += 8;
    } else if (R <= 4 && left >= 4) {
      pv_tile(a, s, dt, r0, c0, R, 4), c0 += 4;
    } else if (left >= 2) {
      pv_tile(a, s, dt, r0, c0, R, 2), c0 += 2;
    } else {
      pv_tile(a, s, dt, r0, c0, R, 1), c0 += 1;
    }
  }
}

/* Scores of every row into s[r][t], K read as dtype dt. */
INLINE void score_all(const pal__attend_args *a, const float *q, int64_t qstride, int dt, float *s) {
  const int g = a->g;
  /* Row groups share each K vector; from 5 rows on, one tile of 8 rows x 2
   * tokens (q in registers) instead of a pass of 4 and another: K is read
   * and converted once. Streaming from DRAM (2 threads, alternated runs)
   * that took 0.84-0.89x the time at g = 8 and 0.91-0.96x at g = 5-6 (the
   * repeated rows included), although with K in L2 it gains only 2-3% (fp16)
   * or loses 0.5-1.4% (bf16): in a cold cache the second pass waits for K
   * lines again. One repeated row costs less than another pass. */
  for (int r0 = 0; r0 < g;) {
    const int left = g - r0;
    const int pf = r0 == 0;
    if (left >= R8_MIN_ROWS) {
      score_rows(a, q, qstride, dt, s, r0, 8, pf), r0 += 8;
    } else if (left >= 3) {
      score_rows(a, q, qstride, dt, s, r0, 4, pf), r0 += 4;
    } else if (left == 2) {
      score_rows(a, q, qstride, dt, s, r0, 2, pf), r0 += 2;
    } else {
      score_rows(a, q, qstride, dt, s, r0, 1, pf), r0 += 1;
    }
  }
}

/* Softmax of every row, then acc += P V in row groups. K and V are converted
 * in registers at each use rather than once into scratch: the fp16/bf16 block
 * stays in L1 where its fp32 copy would not, which measured faster for every
 * group size. */
INLINE void softmax_pv_all(const pal__attend_args *a, int dt, float *s) {
  const int g = a->g;
  for (int r0 = 0; r0 < g; r0 += 16) softmax_rows(a, s, r0, min_i(16, g - r0));
  for (int r0 = 0; r0 < g;) {
    const int left = g - r0;
    if (left >= 8) {
      pv_rows(a, s, dt, r0, 8), r0 += 8;
    } else if (left >= 4) {
      pv_rows(a, s, dt, r0, 4), r0 += 4;
    } else if (left >= 2) {
      pv_rows(a, s, dt, r0, 2), r0 += 2;
    } else {
      pv_rows(a, s, dt, r0, 1), r0 += 1;
    }
  }
}

INLINE void attend_body(const pal__attend_args *a, int dt) {
  score_all(a, a->q, a->d, dt, a->scratch);
  softmax_pv_all(a, dt, a->scratch);
}

void pal__attend_f32_avx512(const pal__attend_args *a) { attend_body(a, PAL_F32); }
void pal__attend_f16_avx512(const pal__attend_args *a) { attend_body(a, PAL_F16); }

/* bf16 for at most BLOCK rows: the even/odd-permuted q (g rows of d rounded
 * up to 32) fits where an fp32 K/V copy would (2 * BLOCK * d floats). */
static void attend_bf16_eo(const pal__attend_args *a) {
  const int g = a->g, d = a->d, d32 = (d + 31) & ~31;
  float *s = a->scratch;
  float *qp = s + (int64_t)g * SROW;
  const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  for (int r = 0; r < g; ++r) {
    const float *q = a->q + (int64_t)r * d;
    float *o = qp + (int64_t)r * d32;
    for (int i = 0; i < d; i += 32) {
      const __m512 lo = _mm512_load_ps(q + i);
      const __m512 hi = i + 16 < d ? _mm512_load_ps(q + i + 16) : _mm512_setzero_ps();
      _mm512_store_ps(o + i, _mm512_permutex2var_ps(lo, ie, hi));
      _mm512_store_ps(o + i + 16, _mm512_permutex2var_ps(lo, io, hi));
    }
  }
  score_all(a, qp, d32, DT_BF16_EO, s);
  softmax_pv_all(a, DT_BF16_EO, s);
}

void pal__attend_bf16_avx512(const pal__attend_args *a) {
  const int rows = PAL__BLOCK_TOKENS;
  if (a->g <= rows) {
    attend_bf16_eo(a);
    return;
  }
  /* Larger groups in pieces of 64 rows; each piece is an independent block
   * step sharing the scratch. */
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
void pal__cpu_kernels_init_avx512(pal__cpu_kernels *t) {
  pal__cpu_kernels_init_avx2(t);
  t->isa = PAL_ISA_AVX512;
  t->attend[PAL_F32] = pal__attend_f32_avx512;
  t->attend[PAL_F16] = pal__attend_f16_avx512;
  t->attend[PAL_BF16] = pal__attend_bf16_avx512;
  pal__prefill_kernels_init_avx512(&t->prefill);
}

