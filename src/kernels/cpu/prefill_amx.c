/* prefill_amx.c - AMX-BF16 prefill micro-kernels (prefill_kernels.h) for
 * fp16 and bf16 K/V: both products of a (query tile x key tile) step on the
 * tile unit, softmax on AVX-512. fp32 K/V use the AVX-512 kernels.
 *
 * Scores are kept transposed, S^T = K Q^T [64 keys][32 rows], so the softmax
 * runs with query rows in the lanes (no horizontal reductions). Operands
 * (tiles of 16 rows x 64 B, one tile shape for all):
 *   Q^T B tiles [part][row tile (2)][d chunk of 32]: row j = dims 2j, 2j+1 of
 *       16 query rows, built once per work item;
 *   K   A tiles: 16 keys x 32 dims, straight from the pool when a group of 16
 *       bf16 keys is uniformly strided, else copied (see k_header);
 *   V   B tiles [part][column tile of 16][key chunk of 32]: row j = keys 2j,
 *       2j+1 of 16 columns (two V rows interleaved), per key tile;
 *   P   A tiles [part][row tile][key chunk], from S^T by pairing keys into
 *       dwords and one 16 x 16 dword transpose per tile, in pv's spare area.
 * Precision (the tile unit multiplies bf16 and accumulates in fp32):
 *   - bf16 Q and output ("bf16q"): Q is exact in bf16 when left unscaled,
 *     so the scale multiplies the fp32 scores; P is one bf16 (relative error
 *     2^-9 per weight, below the bf16 output's own rounding);
 *   - otherwise Q * scale and P are split into hi + lo bf16 (16 significant
 *     bits, relative error ~2^-17 per product);
 *   - bf16 K/V are exact; fp16 K/V are split exactly into hi + lo bf16
 *     (fp16 has 11 significant bits); lo x lo products are dropped.
 * Rows past m and keys past n are zero operands; the framework never reads
 * the scores or accumulators they produce.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu_kernels.h"

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("amx-tile,amx-bf16,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma,f16c")
#endif
#include <immintrin.h>

#include "amx_tiles.h"
#include "simd_avx512.h"

#define INLINE static inline __attribute__((always_inline))
#define KEYS PAL__PREFILL_KEYS
#define TILE 1024

/* Every tile is 16 rows x 64 B. */
static void use_tiles(void) {
  pal__tile_cfg want;
  memset(&want, 0, sizeof want);
  want.palette = 1;
  for (int i = 0; i < 8; ++i) want.rows[i] = 16, want.colsb[i] = 64;
  pal__tile_cfg_load(&want);
}

static inline int min_i(int a, int b) { return a < b ? a : b; }

/* Header at the end of the Q operand. */
typedef struct q_header {
  float scale;      /* applied to the scores by qk (bf16q), else 1 */
  int32_t parts;    /* 1 or 2 */
} q_header;

INLINE q_header *header_of(void *qp, int d) {
  return (q_header *)((char *)qp + PAL__PREFILL_Q_BYTES(d) - 64);
}

/* The upper word of the result is x rounded to bf16 (ties away); x minus
 * hi_part(result) is exact in fp32. */
INLINE __m512i round_bits(__m512 x) {
  return _mm512_add_epi32(_mm512_castps_si512(x), _mm512_set1_epi32(0x8000));
}
INLINE __m512 hi_part(__m512i r) {
  return _mm512_castsi512_ps(_mm512_and_si512(r, _mm512_set1_epi32((int)0xffff0000u)));
}
/* bf16 words: upper words of a (elements 0..15) then b (16..31). */
INLINE __m512i upper_words(__m512i a, __m512i b) {
  const __m512i idx = _mm512_set_epi16(63, 61, 59, 57, 55, 53, 51, 49, 47, 45, 43, 41, 39, 37, 35,
                                       33, 31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  return _mm512_permutex2var_epi16(a, idx, b);
}

/* 32 values x[0..31] (x0, x1: 16 each) as bf16 hi (and lo) rows. */
INLINE void split32(__m512 x0, __m512 x1, __m512i *hi, __m512i *lo) {
  const __m512i h0 = round_bits(x0), h1 = round_bits(x1);
  *hi = upper_words(h0, h1);
  const __m512 l0 = _mm512_sub_ps(x0, hi_part(h0)), l1 = _mm512_sub_ps(x1, hi_part(h1));
  *lo = upper_words(round_bits(l0), round_bits(l1));
}



/* exp(x) to a relative error of ~4e-5 (2^f by its degree-4 Taylor
 * polynomial on |f| <= 1/2), for the bf16q mode only: P is rounded to bf16
 * (2^-9) right after. Inputs below -110 give exactly 0 (scalef by 2^-159),
 * so exp(-inf) = 0 as in pal__exp16_avx512. */
INLINE __m512 exp16_bf16(__m512 x) {
  x = _mm512_max_ps(_mm512_set1_ps(-110.0f), x);
  const __m512 l2e = _mm512_set1_ps(1.44269504088896341f);
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, l2e),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m512 f = _mm512_fmsub_ps(x, l2e, n);
  __m512 p = _mm512_set1_ps(9.6181291e-3f); /* ln2^4 / 24 */
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(5.5504109e-2f)); /* ln2^3 / 6 */
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(2.4022651e-1f)); /* ln2^2 / 2 */
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(6.9314718e-1f)); /* ln2 */
  p = _mm512_fmadd_ps(p, f, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

#define ROWS PAL__PREFILL_ROWS

/* ------------------------------------------------------------ Q^T */

/* Q^T B tiles [part][row tile][d chunk]: row j = dims 2j, 2j+1 of 16 query
 * rows (a dword transpose of the rows' 32 bf16 each); rows past m zero. */
INLINE void pack_q_body(const float *q, int m, int d, float scale, void *qp, int bf16q) {
  const int nch = (d + 31) / 32, parts = bf16q ? 1 : 2;
  char *o = qp;
  const __m512 sv = _mm512_set1_ps(bf16q ? 1.0f : scale);
  const int64_t part = (int64_t)2 * nch * TILE;
  for (int rt = 0; rt < 2; ++rt)
    for (int c = 0; c < nch; ++c) {
      __m512i hi[16], lo[16];
      for (int r = 0; r < 16; ++r) {
        const int row = 16 * rt + r;
        __m512 x0 = _mm512_setzero_ps(), x1 = _mm512_setzero_ps();
        if (row < m) {
          const float *x = q + (int64_t)row * d + 32 * c;
          x0 = _mm512_mul_ps(_mm512_loadu_ps(x), sv);
          if (32 * c + 16 < d) x1 = _mm512_mul_ps(_mm512_loadu_ps(x + 16), sv);
        }
        /* bf16q: q is bf16 data, so hi is exact and lo is zero */
        split32(x0, x1, &hi[r], &lo[r]);
      }
      char *dst = o + ((int64_t)rt * nch + c) * TILE;
      pal__transpose16_epi32(hi);
      for (int j = 0; j < 16; ++j) _mm512_store_si512(dst + 64 * j, hi[j]);
      if (parts == 2) {
        pal__transpose16_epi32(lo);
        for (int j = 0; j < 16; ++j) _mm512_store_si512(dst + part + 64 * j, lo[j]);
      }
    }
  q_header *h = header_of(qp, d);
  h->scale = bf16q ? scale : 1.0f;
  h->parts = parts;
}

static void pack_q_full(const float *q, int m, int d, float scale, void *qp) {
  pack_q_body(q, m, d, scale, qp, 0);
}
static void pack_q_bf16q(const float *q, int m, int d, float scale, void *qp) {
  pack_q_body(q, m, d, scale, qp, 1);
}

/* ------------------------------------------------------------ K */

/* 32 elements from column c0 of a row as bf16 hi / lo (lo zero for bf16);
 * columns >= d read as zero. */
INLINE void row32(const char *row, int c0, int d, int f16, __m512i *hi, __m512i *lo) {
  const int full = c0 + 32 <= d;
  const char *p = row + 2 * (size_t)c0;
  if (!f16) {
    *hi = full ? _mm512_loadu_si512(p)
               : _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)p));
    *lo = _mm512_setzero_si512();
    return;
  }
  const __m512 f0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
  const __m512 f1 = full ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p + 32)))
                         : _mm512_setzero_ps();
  /* hi: truncation to bf16; f - hi has at most 3 significant bits: exact */
  const __m512i b0 = _mm512_castps_si512(f0), b1 = _mm512_castps_si512(f1);
  const __m512i m = _mm512_set1_epi32((int)0xffff0000u);
  const __m512 l0 = _mm512_sub_ps(f0, _mm512_castsi512_ps(_mm512_and_si512(b0, m)));
  const __m512 l1 = _mm512_sub_ps(f1, _mm512_castsi512_ps(_mm512_and_si512(b1, m)));
  *hi = upper_words(b0, b1);
  *lo = upper_words(_mm512_castps_si512(l0), _mm512_castps_si512(l1));
}

/* K operand: a header naming, per key group of 16, where its A tiles are
 * (chunk c of the group at base + 64 c, rows `stride` bytes apart), then a
 * copy area [part][group][16 rows][nch x 64 B]. A group of 16 bf16 keys that
 * are uniformly strided in the pool (a page run, d a multiple of 32) is
 * loaded by the tiles straight from the pool; other groups (fp16, which is
 * split into hi + lo, short or gathered groups) are copied, keys past n zero. */
typedef struct k_header {
  const char *base[4];
  int64_t stride[4];
} k_header;

INLINE void pack_k_body(const char *const *rows, int n, int d, void *kp, int f16) {
  const int nch = (d + 31) / 32;
  k_header *h = kp;
  char *o = (char *)kp + 64;
  const int64_t part = (int64_t)4 * nch * TILE, rs = (int64_t)nch * 64;
  for (int g = 0; g < 4; ++g) {
    const int t0 = 16 * g;
    if (!f16 && d % 32 == 0 && t0 + 16 <= n) {
      const intptr_t st = (intptr_t)rows[t0 + 1] - (intptr_t)rows[t0];
      int uniform = 1;
      for (int i = 2; i < 16 && uniform; ++i)
        uniform = (intptr_t)rows[t0 + i] - (intptr_t)rows[t0 + i - 1] == st;
      if (uniform) {
        h->base[g] = rows[t0];
        h->stride[g] = (int64_t)st;
        continue;
      }
    }
    char *dst = o + (int64_t)g * 16 * rs;
    h->base[g] = dst;
    h->stride[g] = rs;
    for (int i = 0; i < 16; ++i) {
      const int t = t0 + i;
      for (int c = 0; c < nch; ++c) {
        __m512i hi = _mm512_setzero_si512(), lo = _mm512_setzero_si512();
        if (t < n) row32(rows[t], 32 * c, d, f16, &hi, &lo);
        _mm512_store_si512(dst + i * rs + 64 * c, hi);
        if (f16) _mm512_store_si512(dst + part + i * rs + 64 * c, lo);
      }
    }
  }
}

static void pack_k_bf16(const char *const *r, int n, int d, void *o) { pack_k_body(r, n, d, o, 0); }
static void pack_k_f16(const char *const *r, int n, int d, void *o) { pack_k_body(r, n, d, o, 1); }

/* ------------------------------------------------------------ V */

/* Two V rows (columns c0 .. c0+15) interleaved as one VNNI tile row. */
INLINE void pair16(const char *v0, const char *v1, int c0, int f16, __m512i *hi, __m512i *lo) {
  const __m512i ia = _mm512_set_epi16(47, 15, 46, 14, 45, 13, 44, 12, 43, 11, 42, 10, 41, 9, 40, 8,
                                      39, 7, 38, 6, 37, 5, 36, 4, 35, 3, 34, 2, 33, 1, 32, 0);
  __m512i x0 = _mm512_setzero_si512(), x1 = _mm512_setzero_si512();
  __m512i y0 = _mm512_setzero_si512(), y1 = _mm512_setzero_si512();
  if (!f16) {
    if (v0) x0 = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(v0 + 2 * c0)));
    if (v1) x1 = _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)(v1 + 2 * c0)));
    *hi = _mm512_permutex2var_epi16(x0, ia, x1);
    *lo = _mm512_setzero_si512();
    return;
  }
  const __m512i m = _mm512_set1_epi32((int)0xffff0000u);
  if (v0) {
    const __m512 f = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v0 + 2 * c0)));
    const __m512i b = _mm512_castps_si512(f);
    const __m512 l = _mm512_sub_ps(f, _mm512_castsi512_ps(_mm512_and_si512(b, m)));
    x0 = _mm512_srli_epi32(b, 16);
    y0 = _mm512_srli_epi32(_mm512_castps_si512(l), 16);
  }
  if (v1) {
    const __m512 f = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(v1 + 2 * c0)));
    const __m512i b = _mm512_castps_si512(f);
    x1 = _mm512_and_si512(b, m);
    y1 = _mm512_and_si512(_mm512_castps_si512(_mm512_sub_ps(f, _mm512_castsi512_ps(x1))), m);
  }
  *hi = _mm512_or_si512(x0, x1);
  *lo = _mm512_or_si512(y0, y1);
}

/* V B tiles [part][column tile of 16][key chunk of 32]: row j = keys 2j,
 * 2j+1 of the chunk; keys past n zero. */
INLINE void pack_v_body(const char *const *rows, int n, int d, void *vp, int f16) {
  const int nct = d / 16;
  char *o = vp;
  const int64_t part = (int64_t)nct * 2 * TILE;
  for (int k = 0; k < 2; ++k)
    for (int r = 0; r < 16; ++r) {
      const int t = 32 * k + 2 * r;
      const char *v0 = t < n ? rows[t] : NULL, *v1 = t + 1 < n ? rows[t + 1] : NULL;
      for (int j = 0; j < nct; ++j) {
        char *dst = o + ((int64_t)j * 2 + k) * TILE + 64 * r;
        __m512i hi, lo;
        pair16(v0, v1, 16 * j, f16, &hi, &lo);
        _mm512_store_si512(dst, hi);
        if (f16) _mm512_store_si512(dst + part, lo);
      }
    }
}

static void pack_v_bf16(const char *const *r, int n, int d, void *o) { pack_v_body(r, n, d, o, 0); }
static void pack_v_f16(const char *const *r, int n, int d, void *o) { pack_v_body(r, n, d, o, 1); }

/* ------------------------------------------------------------ S^T = K Q^T */

/* S^T [64 keys][32 rows] (row stride ROWS floats): C tiles (key group g,
 * row tile rt) for two key groups x two row tiles at a time. */
INLINE void qk_body(const void *qp, int m, int d, const void *kp, int n, float *st, int kparts) {
  const int nch = (d + 31) / 32, nrt = (m + 15) / 16, ngp = (n + 31) / 32;
  const q_header *h = header_of((void *)(uintptr_t)qp, d);
  const k_header *kh = kp;
  const char *q = qp;
  const int64_t qpart = (int64_t)2 * nch * TILE, kpart = (int64_t)4 * nch * TILE;
  const int64_t qrt = (int64_t)nch * TILE; /* row tile 1 of Q^T */
  for (int gp = 0; gp < ngp; ++gp) {
    TZERO(0);
    TZERO(1);
    TZERO(2);
    TZERO(3);
    const char *k0 = kh->base[2 * gp], *k1 = kh->base[2 * gp + 1];
    const int64_t s0 = kh->stride[2 * gp], s1 = kh->stride[2 * gp + 1];
    for (int c = 0; c < nch; ++c) {
      const char *qc = q + (int64_t)c * TILE;
      TLOAD(4, k0 + 64 * c, s0);
      TLOAD(5, k1 + 64 * c, s1);
      TLOAD(6, qc, 64);
      TDP(0, 4, 6);
      TDP(2, 5, 6);
      if (nrt > 1) {
        TLOAD(7, qc + qrt, 64);
        TDP(1, 4, 7);
        TDP(3, 5, 7);
      }
      if (h->parts == 2) {
        TLOAD(6, qc + qpart, 64);
        TDP(0, 4, 6);
        TDP(2, 5, 6);
        if (nrt > 1) {
          TLOAD(7, qc + qpart + qrt, 64);
          TDP(1, 4, 7);
          TDP(3, 5, 7);
        }
      }
      if (kparts == 2) { /* fp16: always copied, lo part one part further */
        TLOAD(4, k0 + kpart + 64 * c, s0);
        TLOAD(5, k1 + kpart + 64 * c, s1);
        TLOAD(6, qc, 64);
        TDP(0, 4, 6);
        TDP(2, 5, 6);
        if (nrt > 1) {
          TLOAD(7, qc + qrt, 64);
          TDP(1, 4, 7);
          TDP(3, 5, 7);
        }
      }
    }
    float *so = st + (int64_t)32 * gp * ROWS;
    TSTORE(0, so, 4 * ROWS);
    TSTORE(2, so + 16 * ROWS, 4 * ROWS);
    if (nrt > 1) {
      TSTORE(1, so + 16, 4 * ROWS);
      TSTORE(3, so + 16 * ROWS + 16, 4 * ROWS);
    }
  }
  if (h->scale != 1.0f) {
    const __m512 sv = _mm512_set1_ps(h->scale);
    for (int t = 0; t < n; ++t)
      for (int r = 0; r < 16 * nrt; r += 16) {
        float *x = st + (int64_t)t * ROWS + r;
        _mm512_store_ps(x, _mm512_mul_ps(_mm512_load_ps(x), sv));
      }
  }
}

static void qk_bf16(const void *qp, int m, int d, const void *kp, int n, float *s) {
  qk_body(qp, m, d, kp, n, s, 1);
}
static void qk_f16(const void *qp, int m, int d, const void *kp, int n, float *s) {
  qk_body(qp, m, d, kp, n, s, 2);
}

/* ------------------------------------------------------------ softmax */

/* Lanes are query rows: maxima and sums run down the keys, no horizontal
 * reductions. Keys n .. 32 * ceil(n / 32) - 1 get p = 0 for pv's chunks. */
INLINE void softmax_t_body(float *st, int m, int n, float *mx, float *l, float *acc, int d,
                           const int fast) {
  const int nrt = (m + 15) / 16, n32 = (n + 31) / 32 * 32;
  for (int rt = 0; rt < nrt; ++rt) {
    const int r0 = 16 * rt;
    const __mmask16 rm = (__mmask16)(m - r0 >= 16 ? 0xffff : (1u << (m - r0)) - 1u);
    float *col = st + r0;
    __m512 bm = _mm512_set1_ps(-INFINITY);
    for (int t = 0; t < n; ++t) bm = _mm512_max_ps(bm, _mm512_load_ps(col + (int64_t)t * ROWS));
    const __m512 m_old = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), rm, mx + r0);
    const __m512 m_new = _mm512_max_ps(m_old, bm);
    /* a row with nothing visible yet keeps m = -inf: exponents against 0
     * then give p = 0 and alpha = 0 (l and acc are 0 anyway) */
    const __mmask16 none = _mm512_cmp_ps_mask(m_new, _mm512_set1_ps(-INFINITY), _CMP_EQ_OQ);
    const __m512 m_use = _mm512_mask_mov_ps(m_new, none, _mm512_setzero_ps());
    const __m512 alpha = pal__exp16_avx512(_mm512_sub_ps(m_old, m_use));
    __m512 sum = _mm512_setzero_ps();
    for (int t = 0; t < n; ++t) {
      float *x = col + (int64_t)t * ROWS;
      const __m512 y = _mm512_sub_ps(_mm512_load_ps(x), m_use);
      const __m512 p = fast ? exp16_bf16(y) : pal__exp16_avx512(y);
      _mm512_store_ps(x, p);
      sum = _mm512_add_ps(sum, p);
    }
    for (int t = n; t < n32; ++t) _mm512_store_ps(col + (int64_t)t * ROWS, _mm512_setzero_ps());
    _mm512_mask_storeu_ps(l + r0, rm, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(rm, l + r0), alpha, sum));
    _mm512_mask_storeu_ps(mx + r0, rm, m_new);
    __mmask16 scale = _mm512_mask_cmp_ps_mask(rm, alpha, _mm512_set1_ps(1.0f), _CMP_NEQ_UQ);
    if (scale) {
      float al[16];
      _mm512_storeu_ps(al, alpha);
      for (int r = 0; r < 16; ++r) {
        if (!((scale >> r) & 1)) continue;
        float *a = acc + (int64_t)(r0 + r) * d;
        const __m512 av = _mm512_set1_ps(al[r]);
        for (int i = 0; i < d; i += 16) _mm512_store_ps(a + i, _mm512_mul_ps(_mm512_load_ps(a + i), av));
      }
    }
  }
}

static void softmax_t(float *st, int m, int n, float *mx, float *l, float *acc, int d) {
  softmax_t_body(st, m, n, mx, l, acc, d, 0);
}
static void softmax_t_bf16q(float *st, int m, int n, float *mx, float *l, float *acc, int d) {
  softmax_t_body(st, m, n, mx, l, acc, d, 1);
}

/* ------------------------------------------------------------ acc += P V */

/* Dword i = upper word of a_i | (upper word of b_i) << 16. */
INLINE __m512i pair_words(__m512i a, __m512i b) {
  return _mm512_mask_blend_epi16((__mmask32)0xAAAAAAAAu, _mm512_srli_epi32(a, 16), b);
}

/* P A tiles [part][row tile][key chunk] from P^T (rows = keys, lanes = query
 * rows): key pairs as dwords, then a 16 x 16 dword transpose per tile. */
INLINE void p_tiles(const float *st, int nrt, int nk, int pparts, char *pt) {
  const int64_t part = (int64_t)2 * 2 * TILE;
  for (int rt = 0; rt < nrt; ++rt)
    for (int k = 0; k < nk; ++k) {
      __m512i hi[16], lo[16];
      for (int j = 0; j < 16; ++j) {
        const float *x = st + (int64_t)(32 * k + 2 * j) * ROWS + 16 * rt;
        const __m512 p0 = _mm512_load_ps(x), p1 = _mm512_load_ps(x + ROWS);
        const __m512i h0 = round_bits(p0), h1 = round_bits(p1);
        hi[j] = pair_words(h0, h1);
        if (pparts == 2)
          lo[j] = pair_words(round_bits(_mm512_sub_ps(p0, hi_part(h0))),
                             round_bits(_mm512_sub_ps(p1, hi_part(h1))));
      }
      char *dst = pt + ((int64_t)rt * 2 + k) * TILE;
      pal__transpose16_epi32(hi);
      for (int r = 0; r < 16; ++r) _mm512_store_si512(dst + 64 * r, hi[r]);
      if (pparts == 2) {
        pal__transpose16_epi32(lo);
        for (int r = 0; r < 16; ++r) _mm512_store_si512(dst + part + 64 * r, lo[r]);
      }
    }
}

INLINE void pv_body(float *st, int m, int n, void *vp, int d, float *acc, int pparts, int vparts) {
  const int nrt = (m + 15) / 16, nk = (n + 31) / 32, nct = d / 16;
  char *pt = (char *)vp + PAL__PREFILL_KV_BYTES(d) - PAL__PREFILL_PV_SPARE;
  p_tiles(st, nrt, nk, pparts, pt);
  const char *v = vp;
  const int64_t vpart = (int64_t)nct * 2 * TILE, ppart = (int64_t)4 * TILE;
  const int64_t cs = 4 * (int64_t)d; /* acc row stride, bytes */
  /* C tiles: (row tile 0, 1) x (column tiles j, j + 1) */
  for (int j = 0; j < nct; j += 2) {
    const int two = j + 1 < nct;
    float *c0 = acc + 16 * j, *c1 = acc + (int64_t)16 * d + 16 * j;
    TLOAD(0, c0, cs);
    if (two) TLOAD(2, c0 + 16, cs);
    if (nrt > 1) {
      TLOAD(1, c1, cs);
      if (two) TLOAD(3, c1 + 16, cs);
    }
    for (int k = 0; k < nk; ++k) {
      const char *vb = v + ((int64_t)j * 2 + k) * TILE, *pa = pt + (int64_t)k * TILE;
      TLOAD(4, pa, 64);
      if (nrt > 1) TLOAD(5, pa + 2 * TILE, 64);
      TLOAD(6, vb, 64);
      TDP(0, 4, 6);
      if (nrt > 1) TDP(1, 5, 6);
      if (two) {
        TLOAD(7, vb + 2 * TILE, 64);
        TDP(2, 4, 7);
        if (nrt > 1) TDP(3, 5, 7);
      }
      if (vparts == 2) {
        TLOAD(6, vb + vpart, 64);
        TDP(0, 4, 6);
        if (nrt > 1) TDP(1, 5, 6);
        if (two) {
          TLOAD(7, vb + vpart + 2 * TILE, 64);
          TDP(2, 4, 7);
          if (nrt > 1) TDP(3, 5, 7);
        }
      }
      if (pparts == 2) {
        TLOAD(4, pa + ppart, 64);
        if (nrt > 1) TLOAD(5, pa + ppart + 2 * TILE, 64);
        TLOAD(6, vb, 64);
        TDP(0, 4, 6);
        if (nrt > 1) TDP(1, 5, 6);
        if (two) {
          TLOAD(7, vb + 2 * TILE, 64);
          TDP(2, 4, 7);
          if (nrt > 1) TDP(3, 5, 7);
        }
      }
    }
    TSTORE(0, c0, cs);
    if (two) TSTORE(2, c0 + 16, cs);
    if (nrt > 1) {
      TSTORE(1, c1, cs);
      if (two) TSTORE(3, c1 + 16, cs);
    }
  }
}

static void pv_bf16_1(float *p, int m, int n, void *vp, int d, float *acc) {
  pv_body(p, m, n, vp, d, acc, 1, 1);
}
static void pv_bf16_2(float *p, int m, int n, void *vp, int d, float *acc) {
  pv_body(p, m, n, vp, d, acc, 2, 1);
}
static void pv_f16_1(float *p, int m, int n, void *vp, int d, float *acc) {
  pv_body(p, m, n, vp, d, acc, 1, 2);
}
static void pv_f16_2(float *p, int m, int n, void *vp, int d, float *acc) {
  pv_body(p, m, n, vp, d, acc, 2, 2);
}

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

/* Pure pointer stores, compiled for the baseline target. The framework must
 * have had pal__amx_request_permission() succeed before these kernels run.
 * The softmax is the AVX-512 level's (set by the init below). */
void pal__prefill_kernels_init_amx(pal__prefill_kernels *t) {
  for (int b = 0; b < 2; ++b) {
    pal__prefill_ops *o = &t->ops[PAL_BF16][b];
    o->pack_q = b ? pack_q_bf16q : pack_q_full;
    o->pack_k = pack_k_bf16;
    o->pack_v = pack_v_bf16;
    o->qk = qk_bf16;
    o->pv = b ? pv_bf16_1 : pv_bf16_2;
    o->softmax = b ? softmax_t_bf16q : softmax_t;
    o->scores_transposed = 1;
    o->begin = use_tiles;
    o = &t->ops[PAL_F16][b];
    o->pack_q = b ? pack_q_bf16q : pack_q_full;
    o->pack_k = pack_k_f16;
    o->pack_v = pack_v_f16;
    o->qk = qk_f16;
    o->pv = b ? pv_f16_1 : pv_f16_2;
    o->softmax = b ? softmax_t_bf16q : softmax_t;
    o->scores_transposed = 1;
    o->begin = use_tiles;
  }
}
