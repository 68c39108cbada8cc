/* attend_amx.c - AMX-BF16 micro-kernels for fp16 and bf16 K/V: the
 * online-softmax block step of cpu_kernels.h with both matrix products on the
 * tile unit. fp32 K/V, d < 32 and groups below AMX_MIN_G_* fall back to the
 * AVX-512 kernels.
 *
 * One call, for a piece of gc <= 16 query rows (larger groups run in pieces):
 *  1. Q^T in VNNI layout (B tiles). q = q_hi + q_mid + q_lo, three bf16 parts
 *     (24 bits; two parts measured acc/l errors up to 4e-5). Small groups put
 *     the parts side by side as columns of one tile. Built once and kept in
 *     the scratch while q does not change (see qt_valid).
 *  2. Scores S^T = K Q^T per 16-token group: A = 16 K rows x 32 elements.
 *     bf16 K is loaded straight from the pool when the 16 rows are uniformly
 *     strided (else gathered into scratch); fp16 K is split exactly into
 *     k_hi + k_lo (bf16 each: fp16 has 11 significant bits) in scratch, the
 *     next group while the tiles multiply this one.
 *  3. Softmax on the S^T rows, 4, 2 or 1 tokens per vector (lanes = query
 *     rows), with the scalar kernel's m / l / alpha bookkeeping; P = p_hi +
 *     p_lo (bf16) transposed into A tiles (rows = query rows, token pairs).
 *  4. Per 32 (bf16) or 16 (fp16) columns: V re-laid out in VNNI layout (token
 *     pairs; fp16 split into hi + lo) with AVX-512, then acc += P V on the
 *     tiles with acc itself as the C tile; the next columns are re-laid out
 *     before these products are issued.
 * Products kept: every q part with k (bf16) or with k_hi, and q_hi, q_mid
 * with k_lo (fp16); p_hi v + p_lo v (bf16), p_{hi,lo} x v_{hi,lo} (fp16).
 * The tile unit accumulates in fp32. acc / l stays within ~6e-6 (relative to
 * the row's largest output) of a float64 reference, like the scalar kernel.
 *
 * The next block's rows (k_next / v_next) are prefetched to L2 in ~40 slices
 * spread over the call.
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

/* Smallest groups run on the tiles; below them the AVX-512 kernel is as
 * fast or faster (measured at d = 128, n = 64, Sapphire Rapids: streaming
 * from DRAM AMX wins from g = 3 (bf16) and g = 4-5 (fp16); in cache from 3
 * (bf16) and 7-9 (fp16), the fp16 -> bf16 hi / lo split costing ~18 ns a
 * token there). */
#ifndef AMX_MIN_G_BF16
#define AMX_MIN_G_BF16 3
#endif
#ifndef AMX_MIN_G_F16
#define AMX_MIN_G_F16 5
#endif

/* Next-block prefetch hint: T1 measured ahead of T0 and T2. */
#define PF_HINT _MM_HINT_T1

static inline int min_i(int a, int b) { return a < b ? a : b; }



#define HI_MASK ((int)0xffff0000u)
/* Word i of the result: the upper word of dword i of (a:b) - the bf16
 * truncations of a[0..15], b[0..15] in order. */
#define IDX_UPPER_WORDS                                                                      \
  _mm512_set_epi16(63, 61, 59, 57, 55, 53, 51, 49, 47, 45, 43, 41, 39, 37, 35, 33, 31, 29, 27, \
                   25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1)

/* The upper word of the result is x rounded to bf16 (ties away from zero);
 * x - hi_part(result) is then exact in fp32. */
INLINE __m512i round_bits(__m512 x) {
  return _mm512_add_epi32(_mm512_castps_si512(x), _mm512_set1_epi32(0x8000));
}
INLINE __m512 hi_part(__m512i r) {
  return _mm512_castsi512_ps(_mm512_and_si512(r, _mm512_set1_epi32(HI_MASK)));
}
/* Dword i = upper word of a_i | (upper word of b_i) << 16. */
INLINE __m512i pair_words(__m512i a, __m512i b) {
  return _mm512_mask_blend_epi16((__mmask32)0xAAAAAAAAu, _mm512_srli_epi32(a, 16), b);
}

/* One piece's shapes and scratch areas. */
typedef struct layout {
  int g, d, n, f16;
  int nch;  /* 32-element chunks of d (the last may overlap the one before) */
  int tp;   /* tokens per softmax vector: 4 (g <= 4), 2 (g <= 8), 1 */
  int nb;   /* B tiles of Q^T per chunk */
  int ncs;  /* columns of the S^T tile */
  int n_pad, ck, nck; /* tokens rounded to 16 / 32 / 64; P.V chunk; chunks */
  int kk_double, vv_double; /* two buffers: convert the next while the tiles use one */
  char *qt;  /* [nch][nb] B tiles, 1 KiB each */
  float *st; /* [64][16] S^T rows, then softmax vectors */
  char *ph, *pl; /* [g][64 tokens] bf16 P hi / lo, rows 128 B apart */
  char *kk;      /* fp16: [nch][hi, lo] 16 x 64 B; bf16: 16 gathered rows */
  char *vv;      /* V tiles of one column block, [n_pad * 64 B] per buffer */
  char *cache;   /* NULL, or a header and a copy of q that Q^T was built from */
} layout;

/* Chunk c of 32 elements starts at chunk_off; with d % 32 == 16 the last
 * chunk overlaps the previous one and its first 16 q elements are zero. */
INLINE int chunk_off(int c, int d) { return min_i(32 * c, d - 32); }

/* Prefetches the next block's rows (K and V) to L2: each tick issues the
 * next share of rows, ~40 ticks spread over the call. A prefetch that finds
 * no free fill buffer stalls the core: a whole block at once measured far
 * slower, and so did a tick per row (its bookkeeping in the inner loops). */
typedef struct pf_cursor {
  const char *const *k, *const *v;
  int row_bytes, rows, done; /* rows of the next block; rows prefetched so far */
  int tick, ticks;
} pf_cursor;

static inline void pf_tick(pf_cursor *p) {
  if (!p) return;
  const int upto = p->tick >= p->ticks ? p->rows : p->rows * ++p->tick / p->ticks;
  for (int t = p->done; t < upto; ++t) {
    const char *k = p->k[t], *v = p->v[t];
    for (int o = 0; o < p->row_bytes; o += 64) {
      _mm_prefetch(k + o, PF_HINT);
      _mm_prefetch(v + o, PF_HINT);
    }
  }
  if (upto > p->done) p->done = upto;
}

/* 1. Q^T tiles. Column layout per tokens-per-vector: tp 4: [hi 0..3 | mid
 * 4..7 | lo 8..11]; tp 2: [hi 0..7 | mid 8..15], [lo 0..7]; tp 1: [hi],
 * [mid], [lo]. A score is the sum of its row's columns. */
static __m512i build_qt(const float *q, const layout *L, pf_cursor *pf) {
  const int g = L->g, d = L->d, nb = L->nb, tp = L->tp;
  __m512i sum = _mm512_setzero_si512();
  const int col_mid = tp == 4 ? 4 : tp == 2 ? 8 : 0, col_lo = tp == 4 ? 8 : 0;
  const int tile_mid = tp == 1 ? 1 : 0, tile_lo = tp == 4 ? 0 : tp == 2 ? 1 : 2;
  const __m512i up = IDX_UPPER_WORDS;
  __m512i stg[3][16];
  for (int b = 0; b < nb; ++b)
    for (int j = 0; j < 16; ++j) stg[b][j] = _mm512_setzero_si512();
  for (int c = 0; c < L->nch; ++c) {
    const int off = chunk_off(c, d), zero_lo = 32 * c > off;
    for (int r = 0; r < g; ++r) {
      const float *x = q + (int64_t)r * d + off;
      const __m512 x0 = zero_lo ? _mm512_setzero_ps() : _mm512_load_ps(x);
      const __m512 x1 = _mm512_load_ps(x + 16);
      const __m512i h0 = round_bits(x0), h1 = round_bits(x1);
      const __m512 y0 = _mm512_sub_ps(x0, hi_part(h0)), y1 = _mm512_sub_ps(x1, hi_part(h1));
      const __m512i m0 = round_bits(y0), m1 = round_bits(y1);
      const __m512 z0 = _mm512_sub_ps(y0, hi_part(m0)), z1 = _mm512_sub_ps(y1, hi_part(m1));
      stg[0][r] = _mm512_permutex2var_epi16(h0, up, h1);
      stg[tile_mid][col_mid + r] = _mm512_permutex2var_epi16(m0, up, m1);
      stg[tile_lo][col_lo + r] = (__m512i)_mm512_cvtne2ps_pbh(z1, z0);
    }
    char *o = L->qt + (int64_t)c * nb * 1024;
    pf_tick(pf);
    for (int b = 0; b < nb; ++b) {
      __m512i t[16];
      for (int j = 0; j < 16; ++j) t[j] = stg[b][j];
      pal__transpose16_epi32(t);
      for (int k = 0; k < 16; ++k) {
        _mm512_store_si512(o + 1024 * b + 64 * k, t[k]);
        sum = _mm512_xor_si512(sum, t[k]);
      }
    }
  }
  return sum;
}

/* The Q^T tiles cost ~3-5 ns a token to build per call while q stays the
 * same for a whole range of blocks, so they are kept in the scratch between
 * calls of one thread. Scratch content on entry is not trusted: the tiles are
 * reused only when the header (shape), the saved copy of q (bit for bit) and
 * a checksum of the tiles all match, else rebuilt - the result is identical
 * either way. */
#define QT_MAGIC 0x51544301
INLINE __m512i qt_header(const layout *L) {
  return _mm512_setr_epi32(QT_MAGIC, L->g, L->d, L->tp, L->nch, L->nb, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}

INLINE int qt_valid(const float *q, const layout *L) {
  const char *c = L->cache;
  if (_mm512_cmpneq_epi32_mask(_mm512_load_si512(c), qt_header(L))) return 0;
  const float *copy = (const float *)(c + 128);
  __mmask16 diff = 0;
  for (int i = 0; i < L->g * L->d; i += 16)
    diff |= _mm512_cmpneq_epi32_mask(_mm512_load_si512(q + i), _mm512_load_si512(copy + i));
  if (diff) return 0;
  __m512i sum = _mm512_setzero_si512();
  for (int64_t i = 0; i < (int64_t)L->nch * L->nb * 1024; i += 64)
    sum = _mm512_xor_si512(sum, _mm512_load_si512(L->qt + i));
  return !_mm512_cmpneq_epi32_mask(sum, _mm512_load_si512(c + 64));
}

INLINE void qt_save(const float *q, const layout *L, __m512i sum) {
  char *c = L->cache;
  float *copy = (float *)(c + 128);
  for (int i = 0; i < L->g * L->d; i += 16) _mm512_store_si512(copy + i, _mm512_load_si512(q + i));
  _mm512_store_si512(c + 64, sum);
  _mm512_store_si512(c, qt_header(L));
}

/* Byte stride when the 16 rows at p are uniformly strided, else 0. */
INLINE int64_t uniform_stride(const char *const *p) {
  const intptr_t s = (intptr_t)p[1] - (intptr_t)p[0];
  for (int i = 2; i < 16; ++i)
    if ((intptr_t)p[i] - (intptr_t)p[i - 1] != s) return 0;
  return (int64_t)s;
}

/* fp16 K rows t0 .. t1-1 of a 16-row group (rows >= valid are zero) as
 * k_hi / k_lo bf16 A tiles at kk: [chunk][hi, lo][16 rows x 64 B]. */
INLINE void convert_k16(const char *const *kr, int t0, int t1, int valid, const layout *L,
                        char *kk) {
  const __m512i up = IDX_UPPER_WORDS, hm = _mm512_set1_epi32(HI_MASK);
  const int nch = L->nch, last = L->d - 32; /* offset of the last chunk */
  for (int t = t0; t < t1; ++t) {
    char *o = kk + 64 * t;
    if (t >= valid) {
      for (int c = 0; c < nch; ++c, o += 2048) {
        _mm512_store_si512(o, _mm512_setzero_si512());
        _mm512_store_si512(o + 1024, _mm512_setzero_si512());
      }
      continue;
    }
    const char *src = kr[t];
    for (int c = 0; c < nch; ++c, o += 2048) {
      const char *p = src + 2 * min_i(32 * c, last);
      const __m512 f0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
      const __m512 f1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p + 32)));
      const __m512i b0 = _mm512_castps_si512(f0), b1 = _mm512_castps_si512(f1);
      /* hi: truncation to bf16; lo = f - hi has at most 3 bits: exact */
      const __m512 l0 = _mm512_sub_ps(f0, _mm512_castsi512_ps(_mm512_and_si512(b0, hm)));
      const __m512 l1 = _mm512_sub_ps(f1, _mm512_castsi512_ps(_mm512_and_si512(b1, hm)));
      _mm512_store_si512(o, _mm512_permutex2var_epi16(b0, up, b1));
      _mm512_store_si512(o + 1024, _mm512_permutex2var_epi16(_mm512_castps_si512(l0), up,
                                                               _mm512_castps_si512(l1)));
    }
  }
}

/* S^T += K Q^T for chunk c: k_hi with every part of q, k_lo with hi and mid
 * (fp16: A tiles at kk), or the bf16 K tile at kb with stride sb. */
INLINE void score_chunk(const layout *L, int c, const char *kk, const char *kb, int64_t sb) {
  const char *qq = L->qt + (int64_t)c * L->nb * 1024;
  if (L->f16) {
    TLOAD(1, kk, 64);
    TLOAD(2, qq, 64);
    TDP(0, 1, 2);
    if (L->nb == 1) {
      TLOAD(1, kk + 1024, 64);
      TDP(0, 1, 2);
    } else if (L->nb == 2) {
      TLOAD(3, qq + 1024, 64);
      TDP(0, 1, 3);
      TLOAD(1, kk + 1024, 64);
      TDP(0, 1, 2);
    } else {
      TLOAD(3, qq + 1024, 64);
      TDP(0, 1, 3);
      TLOAD(2, qq + 2048, 64);
      TDP(0, 1, 2);
      TLOAD(1, kk + 1024, 64);
      TDP(0, 1, 3);
      TLOAD(2, qq, 64);
      TDP(0, 1, 2);
    }
    return;
  }
  TLOAD(1, kb, sb);
  TLOAD(2, qq, 64);
  TDP(0, 1, 2);
  if (L->nb >= 2) {
    TLOAD(3, qq + 1024, 64);
    TDP(0, 1, 3);
  }
  if (L->nb == 3) {
    TLOAD(2, qq + 2048, 64);
    TDP(0, 1, 2);
  }
}

/* 2. S^T tiles of every 16-token group into L->st. fp16 with two buffers:
 * the next group is converted a few rows after each chunk's products, so
 * the conversion (vector ports) runs while the tile unit multiplies. */
static void scores(const pal__attend_args *a, const layout *L, pf_cursor *pf) {
  const int d = L->d, n = a->n, row_bytes = 2 * d, nch = L->nch;
  const int64_t kbytes = (int64_t)nch * 2048;
  if (L->f16 && L->kk_double) convert_k16(a->k_rows, 0, 16, min_i(16, n), L, L->kk);
  for (int t0 = 0, s = 0; t0 < n; t0 += 16, ++s) {
    const int rows = min_i(16, n - t0);
    const char *const *kr = a->k_rows + t0;
    if (L->f16) {
      char *cur = L->kk + (L->kk_double ? (s & 1) * kbytes : 0);
      char *nxt = L->kk + ((s + 1) & 1) * kbytes;
      const int next_rows = L->kk_double && t0 + 16 < n ? min_i(16, n - t0 - 16) : -1;
      if (!L->kk_double) convert_k16(kr, 0, 16, rows, L, cur);
      TZERO(0);
      for (int c = 0; c < nch; ++c) {
        pf_tick(pf);
        score_chunk(L, c, cur + (int64_t)c * 2048, NULL, 0);
        if (next_rows >= 0) convert_k16(kr + 16, 16 * c / nch, 16 * (c + 1) / nch, next_rows, L, nxt);
      }
    } else {
      const char *base;
      int64_t stride = rows == 16 ? uniform_stride(kr) : 0;
      if (stride) {
        base = kr[0];
      } else {
        /* Gather the rows (zeros past n) into one strided copy. */
        for (int t = 0; t < 16; ++t) {
          char *o = L->kk + (int64_t)t * row_bytes;
          for (int i = 0; i < row_bytes; i += 64) {
            const __mmask32 mk = i + 64 <= row_bytes ? (__mmask32)~0u : (__mmask32)0xffffu;
            const __m512i x =
                t < rows ? _mm512_maskz_loadu_epi16(mk, kr[t] + i) : _mm512_setzero_si512();
            _mm512_mask_storeu_epi16(o + i, mk, x);
          }
        }
        base = L->kk;
        stride = row_bytes;
      }
      TZERO(0);
      for (int c = 0; c < nch; ++c) {
        pf_tick(pf);
        score_chunk(L, c, NULL, base + 2 * chunk_off(c, d), stride);
      }
    }
    TSTORE(0, L->st + 16 * t0, 64);
  }
}
/* Softmax vector i: tokens tp*i .. tp*i+tp-1, 16/tp lanes each, the parts
 * of each score summed. */
INLINE __m512 softmax_vec(const float *st, int i, int tp) {
  if (tp == 1) return _mm512_load_ps(st + 16 * i);
  if (tp == 2) {
    const __m512 a = _mm512_load_ps(st + 32 * i), b = _mm512_load_ps(st + 32 * i + 16);
    return _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x44), _mm512_shuffle_f32x4(a, b, 0xee));
  }
  const float *p = st + 64 * i;
  const __m512 a = _mm512_load_ps(p), b = _mm512_load_ps(p + 16);
  const __m512 c = _mm512_load_ps(p + 32), d = _mm512_load_ps(p + 48);
  const __m512 u0 = _mm512_shuffle_f32x4(a, b, 0x44), u1 = _mm512_shuffle_f32x4(c, d, 0x44);
  const __m512 u2 = _mm512_shuffle_f32x4(a, b, 0xee), u3 = _mm512_shuffle_f32x4(c, d, 0xee);
  const __m512 w0 = _mm512_shuffle_f32x4(u0, u1, 0x88), w1 = _mm512_shuffle_f32x4(u0, u1, 0xdd);
  const __m512 w2 = _mm512_shuffle_f32x4(u2, u3, 0x88);
  return _mm512_add_ps(_mm512_add_ps(w0, w1), w2);
}

/* Lanes of the tokens of vector i that are < n. */
INLINE __mmask16 token_mask(int i, int n, int tp) {
  const int lanes = 16 / tp, valid = n - tp * i;
  if (valid >= tp) return (__mmask16)0xffff;
  return valid <= 0 ? 0 : (__mmask16)((1u << (valid * lanes)) - 1u);
}

/* x combined over the tp token slots with max (or add). */
INLINE __m512 slots_max(__m512 x, int tp) {
  if (tp >= 2) x = _mm512_max_ps(x, _mm512_shuffle_f32x4(x, x, 0x4e));
  if (tp == 4) x = _mm512_max_ps(x, _mm512_shuffle_f32x4(x, x, 0xb1));
  return x;
}
INLINE __m512 slots_add(__m512 x, int tp) {
  if (tp >= 2) x = _mm512_add_ps(x, _mm512_shuffle_f32x4(x, x, 0x4e));
  if (tp == 4) x = _mm512_add_ps(x, _mm512_shuffle_f32x4(x, x, 0xb1));
  return x;
}
/* Lanes 0 .. 16/tp-1 of x repeated in every slot. */
INLINE __m512 slots_bcast(__m512 x, int tp) {
  if (tp == 2) return _mm512_shuffle_f32x4(x, x, 0x44);
  if (tp == 4) return _mm512_shuffle_f32x4(x, x, 0x00);
  return x;
}

/* Stores P rows from Y (16 vectors: lanes 0-7 row r of pairs j, lanes 8-15
 * row r of pairs j + 16), for tp >= 2. */
INLINE void store_p_rows(__m512i y[16], char *dst, int g, int npairs) {
  pal__transpose16_epi32(y);
  for (int r = 0; r < g; ++r) {
    char *o = dst + 128 * r;
    if (npairs == 8) {
      _mm256_store_si256((__m256i *)o, _mm512_castsi512_si256(y[r]));
    } else {
      _mm512_store_si512(o, y[r]);
      if (npairs == 32) _mm512_store_si512(o + 64, y[r + 8]);
    }
  }
}

/* 3. Softmax, m / l / acc scaling, and the P tiles. */
INLINE void softmax_p_tp(const pal__attend_args *a, const layout *L, const int tp, pf_cursor *pf) {
  const int g = L->g, n = a->n, nv = (n + tp - 1) / tp, nv_pad = L->n_pad / tp;
  const __mmask16 rm = (__mmask16)((1u << g) - 1u);
  float *st = L->st;
  __m512 bmax = _mm512_set1_ps(-INFINITY);
  /* Vectors are written back in place: vector i reads rows >= i. */
  for (int i = 0; i < nv; ++i) {
    const __m512 x = softmax_vec(st, i, tp);
    if (tp > 1) _mm512_store_ps(st + 16 * i, x);
    /* max_ps returns its second operand on NaN, like the scalar's dot > bmax */
    bmax = _mm512_mask_max_ps(bmax, token_mask(i, n, tp), x, bmax);
  }
  pf_tick(pf);
  bmax = slots_max(bmax, tp);
  const __m512 m_old = slots_bcast(_mm512_maskz_loadu_ps(rm, a->m), tp);
  const __m512 m_new = _mm512_max_ps(m_old, bmax); /* m_old > bmax ? m_old : bmax */
  const __m512 alpha = pal__exp16_avx512(_mm512_sub_ps(m_old, m_new));
  __m512 sum = _mm512_setzero_ps();
  for (int i = 0; i < nv_pad; ++i) {
    const __mmask16 tm = token_mask(i, n, tp);
    const __m512 p = _mm512_maskz_mov_ps(tm, pal__exp16_avx512(_mm512_sub_ps(_mm512_load_ps(st + 16 * i), m_new)));
    _mm512_store_ps(st + 16 * i, p);
    sum = _mm512_add_ps(sum, p);
  }
  pf_tick(pf);
  sum = slots_add(sum, tp);
  _mm512_mask_storeu_ps(a->l, rm, _mm512_fmadd_ps(_mm512_maskz_loadu_ps(rm, a->l), alpha, sum));
  _mm512_mask_storeu_ps(a->m, rm, m_new);
  const __mmask16 scale = _mm512_mask_cmp_ps_mask(rm, alpha, _mm512_set1_ps(1.0f), _CMP_NEQ_UQ);
  if (scale) {
    float al[16];
    _mm512_storeu_ps(al, alpha);
    for (int r = 0; r < g; ++r) {
      if (!((scale >> r) & 1)) continue;
      float *acc = a->acc + (int64_t)r * L->d;
      const __m512 av = _mm512_set1_ps(al[r]);
      for (int i = 0; i < L->d; i += 16)
        _mm512_store_ps(acc + i, _mm512_mul_ps(_mm512_load_ps(acc + i), av));
    }
  }

  /* P = p_hi + p_lo as bf16 token pairs, transposed to rows. */
  const int npairs = L->n_pad / 2;
  if (tp == 1) {
    for (int k0 = 0; k0 < npairs; k0 += 16) {
      __m512i hv[16], lv[16];
      for (int k = 0; k < 16; ++k) {
        const int t = 2 * (k0 + k);
        const __m512 p0 = t < L->n_pad ? _mm512_load_ps(st + 16 * t) : _mm512_setzero_ps();
        const __m512 p1 = t < L->n_pad ? _mm512_load_ps(st + 16 * t + 16) : _mm512_setzero_ps();
        const __m512i r0 = round_bits(p0), r1 = round_bits(p1);
        hv[k] = pair_words(r0, r1);
        const __m512 l0 = _mm512_sub_ps(p0, hi_part(r0)), l1 = _mm512_sub_ps(p1, hi_part(r1));
        lv[k] = pair_words(round_bits(l0), round_bits(l1));
      }
      pal__transpose16_epi32(hv);
      pal__transpose16_epi32(lv);
      const int half = npairs - k0 < 16;
      for (int r = 0; r < g; ++r) {
        char *oh = L->ph + 128 * r + 4 * k0, *ol = L->pl + 128 * r + 4 * k0;
        if (half) {
          _mm256_store_si256((__m256i *)oh, _mm512_castsi512_si256(hv[r]));
          _mm256_store_si256((__m256i *)ol, _mm512_castsi512_si256(lv[r]));
        } else {
          _mm512_store_si512(oh, hv[r]);
          _mm512_store_si512(ol, lv[r]);
        }
      }
    }
    return;
  }
  /* R vectors: lanes 0-7 (tp 2) = row r of one token pair. Y_j = [pair j |
   * pair j + 16] so that one transpose gives whole P rows. */
  __m512i yh[16], yl[16];
  if (tp == 2) {
    __m512i rh[32], rl[32];
    for (int k = 0; k < 32; ++k) {
      if (k >= npairs) {
        rh[k] = rl[k] = _mm512_setzero_si512();
        continue;
      }
      const __m512 p = _mm512_load_ps(st + 16 * k);
      const __m512i h = round_bits(p);
      const __m512i lr = round_bits(_mm512_sub_ps(p, hi_part(h)));
      rh[k] = pair_words(h, _mm512_shuffle_i32x4(h, h, 0x4e));
      rl[k] = pair_words(lr, _mm512_shuffle_i32x4(lr, lr, 0x4e));
    }
    for (int j = 0; j < 16; ++j) {
      yh[j] = _mm512_shuffle_i64x2(rh[j], rh[j + 16], 0x44);
      yl[j] = _mm512_shuffle_i64x2(rl[j], rl[j + 16], 0x44);
    }
  } else {
    /* tp 4: W_i lanes 0-3 = pair 2i, lanes 8-11 = pair 2i + 1 */
    __m512i wh[16], wl[16];
    for (int i = 0; i < 16; ++i) {
      if (i >= nv_pad) {
        wh[i] = wl[i] = _mm512_setzero_si512();
        continue;
      }
      const __m512 p = _mm512_load_ps(st + 16 * i);
      const __m512i h = round_bits(p);
      const __m512i lr = round_bits(_mm512_sub_ps(p, hi_part(h)));
      wh[i] = pair_words(h, _mm512_alignr_epi32(h, h, 4));
      wl[i] = pair_words(lr, _mm512_alignr_epi32(lr, lr, 4));
    }
    for (int i = 0; i < 8; ++i) {
      yh[2 * i] = _mm512_shuffle_i32x4(wh[i], wh[i + 8], 0x00);
      yh[2 * i + 1] = _mm512_shuffle_i32x4(wh[i], wh[i + 8], 0xaa);
      yl[2 * i] = _mm512_shuffle_i32x4(wl[i], wl[i + 8], 0x00);
      yl[2 * i + 1] = _mm512_shuffle_i32x4(wl[i], wl[i + 8], 0xaa);
    }
  }
  store_p_rows(yh, L->ph, g, npairs);
  store_p_rows(yl, L->pl, g, npairs);
}

static void softmax_p(const pal__attend_args *a, const layout *L, pf_cursor *pf) {
  if (L->tp == 4) softmax_p_tp(a, L, 4, pf);
  else if (L->tp == 2) softmax_p_tp(a, L, 2, pf);
  else softmax_p_tp(a, L, 1, pf);
}

/* acc[:, 16j .. 16j+15] += P V for one column tile whose V tiles (one per
 * chunk, ck/2 rows of 64 B) start at vt; fp16 lo tiles at vt + lo. */
INLINE void pv_tile(const pal__attend_args *a, const layout *L, int j, const char *vt,
                    int64_t lo) {
  float *acc = a->acc + 16 * j;
  const int tb = (L->ck / 2) * 64;
  TLOAD(4, acc, 4 * L->d);
  for (int c = 0; c < L->nck; ++c, vt += tb) {
    TLOAD(5, L->ph + 64 * c, 128);
    TLOAD(6, L->pl + 64 * c, 128);
    TLOAD(7, vt, 64);
    TDP(4, 5, 7);
    TDP(4, 6, 7);
    if (L->f16) {
      TLOAD(7, vt + lo, 64);
      TDP(4, 5, 7);
      TDP(4, 6, 7);
    }
  }
  TSTORE(4, acc, 4 * L->d);
}

/* One token pair of V columns c0 .. c0+w-1 into VNNI rows at o (second
 * tile set at o + half); v0 / v1 NULL past n. */
INLINE void relayout_pair(const char *v0, const char *v1, char *o, int64_t half, int f16, int w) {
  if (f16) {
    const __m512i hm = _mm512_set1_epi32(HI_MASK);
    const __m512 f0 = v0 ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)v0)) : _mm512_setzero_ps();
    const __m512 f1 = v1 ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)v1)) : _mm512_setzero_ps();
    const __m512i b0 = _mm512_castps_si512(f0), b1 = _mm512_castps_si512(f1);
    /* hi: truncation to bf16; lo = f - hi has at most 3 bits: exact */
    const __m512 l0 = _mm512_sub_ps(f0, _mm512_castsi512_ps(_mm512_and_si512(b0, hm)));
    const __m512 l1 = _mm512_sub_ps(f1, _mm512_castsi512_ps(_mm512_and_si512(b1, hm)));
    _mm512_store_si512(o, pair_words(b0, b1));
    _mm512_store_si512(o + half, _mm512_or_si512(_mm512_srli_epi32(_mm512_castps_si512(l0), 16),
                                                 _mm512_castps_si512(l1)));
    return;
  }
  const __m512i ia = _mm512_set_epi16(47, 15, 46, 14, 45, 13, 44, 12, 43, 11, 42, 10, 41, 9, 40, 8,
                                      39, 7, 38, 6, 37, 5, 36, 4, 35, 3, 34, 2, 33, 1, 32, 0);
  if (w == 32) {
    const __m512i ib = _mm512_add_epi16(ia, _mm512_set1_epi16(16));
    const __m512i x0 = v0 ? _mm512_loadu_si512(v0) : _mm512_setzero_si512();
    const __m512i x1 = v1 ? _mm512_loadu_si512(v1) : _mm512_setzero_si512();
    _mm512_store_si512(o, _mm512_permutex2var_epi16(x0, ia, x1));
    _mm512_store_si512(o + half, _mm512_permutex2var_epi16(x0, ib, x1));
  } else {
    const __m512i x0 = v0 ? _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)v0))
                          : _mm512_setzero_si512();
    const __m512i x1 = v1 ? _mm512_zextsi256_si512(_mm256_loadu_si256((const __m256i *)v1))
                          : _mm512_setzero_si512();
    _mm512_store_si512(o, _mm512_permutex2var_epi16(x0, ia, x1));
  }
}

/* V columns c0 .. c0+w-1 of every token pair in VNNI layout at buf: row t/2
 * of the chunk tiles (ck/2 rows x 64 B each, consecutive); the second set
 * (fp16 lo, or bf16 columns c0+16 ..) at buf + half. Pairs past n are zero. */
INLINE void relayout_v_body(const pal__attend_args *a, const layout *L, int c0, int w, char *buf,
                            pf_cursor *pf, const int f16) {
  const int n = a->n, full = n & ~1;
  const int64_t half = (int64_t)(L->n_pad / 2) * 64, off = 2 * c0;
  const char *const *vr = a->v_rows;
  int t = 0;
  for (; t < full; t += 2) {
    if ((t & 15) == 0) pf_tick(pf);
    relayout_pair(vr[t] + off, vr[t + 1] + off, buf + 32 * t, half, f16, w);
  }
  for (; t < L->n_pad; t += 2) {
    if ((t & 15) == 0) pf_tick(pf);
    relayout_pair(t < n ? vr[t] + off : NULL, NULL, buf + 32 * t, half, f16, w);
  }
}

INLINE void relayout_v(const pal__attend_args *a, const layout *L, int c0, int w, char *buf,
                       pf_cursor *pf) {
  if (L->f16) relayout_v_body(a, L, c0, 16, buf, pf, 1);
  else if (w == 32) relayout_v_body(a, L, c0, 32, buf, pf, 0);
  else relayout_v_body(a, L, c0, 16, buf, pf, 0);
}

/* 4. acc += P V, column block by column block (16 columns for fp16, 32 for
 * bf16; 32 for fp16 measured slower); with two buffers the next block is
 * re-laid out before this one's products are issued. */
static void pv(const pal__attend_args *a, const layout *L, pf_cursor *pf) {
  const int d = L->d, cols = L->f16 ? 16 : 32, nblk = (d + cols - 1) / cols;
  const int64_t half = (int64_t)(L->n_pad / 2) * 64;
  if (L->vv_double) relayout_v(a, L, 0, min_i(cols, d), L->vv, pf);
  for (int j = 0; j < nblk; ++j) {
    const int c0 = j * cols, w = min_i(cols, d - c0);
    char *buf = L->vv + (L->vv_double ? (j & 1) * 2 * half : 0);
    if (!L->vv_double) relayout_v(a, L, c0, w, buf, pf);
    else if (j + 1 < nblk)
      relayout_v(a, L, c0 + cols, min_i(cols, d - c0 - cols), L->vv + ((j + 1) & 1) * 2 * half, pf);
    if (L->f16) {
      pv_tile(a, L, c0 / 16, buf, half);
    } else {
      pv_tile(a, L, c0 / 16, buf, 0);
      if (w == 32) pv_tile(a, L, c0 / 16 + 1, buf + half, 0);
    }
  }
}

/* One block step for g <= 16 rows. */
static void attend_piece(const pal__attend_args *a, int f16, int prefetch, int cacheable) {
  layout L;
  const int g = a->g, d = a->d, n = a->n;
  L.g = g, L.d = d, L.n = n, L.f16 = f16;
  L.nch = (d + 31) / 32;
  L.tp = g <= 4 ? 4 : g <= 8 ? 2 : 1;
  L.nb = L.tp == 4 ? 1 : L.tp == 2 ? 2 : 3;
  L.ncs = L.tp == 4 ? 12 : L.tp == 2 ? 16 : g;
  L.n_pad = n <= 16 ? 16 : n <= 32 ? 32 : 64;
  L.ck = L.n_pad == 16 ? 16 : 32;
  L.nck = L.n_pad / L.ck;
  char *s = (char *)a->scratch;
  L.qt = s;
  s += (int64_t)L.nch * L.nb * 1024;
  L.st = (float *)s;
  s += 64 * 64;
  L.ph = s;
  L.pl = s + 128 * g;
  s += 256 * g;
  /* The Q^T cache, then double buffers, where the scratch allows (all but
   * the smallest d). */
  const int64_t kk_bytes = f16 ? (int64_t)L.nch * 2048 : 32 * (int64_t)d;
  const int64_t vv_bytes = (int64_t)L.n_pad * 64, cache_bytes = 128 + 4 * (int64_t)g * d;
  int64_t left = pal__attend_scratch_floats(g, d) * 4 - (s - (char *)a->scratch) - kk_bytes - vv_bytes;
  L.cache = NULL;
  if (cacheable && left >= cache_bytes) {
    L.cache = s;
    s += cache_bytes;
    left -= cache_bytes;
  }
  L.kk_double = f16 && left >= kk_bytes;
  if (L.kk_double) left -= kk_bytes;
  L.vv_double = left >= vv_bytes;
  L.kk = s;
  s += kk_bytes * (L.kk_double ? 2 : 1);
  L.vv = s;

  pal__tile_cfg cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.palette = 1;
  cfg.rows[0] = 16, cfg.colsb[0] = (uint16_t)(4 * L.ncs);          /* S^T */
  cfg.rows[1] = 16, cfg.colsb[1] = 64;                             /* K */
  cfg.rows[2] = 16, cfg.colsb[2] = (uint16_t)(4 * L.ncs);          /* Q^T */
  cfg.rows[3] = 16, cfg.colsb[3] = (uint16_t)(4 * L.ncs);          /* Q^T */
  cfg.rows[4] = (uint8_t)g, cfg.colsb[4] = 64;                     /* acc */
  cfg.rows[5] = (uint8_t)g, cfg.colsb[5] = (uint16_t)(2 * L.ck);   /* P hi */
  cfg.rows[6] = (uint8_t)g, cfg.colsb[6] = (uint16_t)(2 * L.ck);   /* P lo */
  cfg.rows[7] = (uint8_t)(L.ck / 2), cfg.colsb[7] = 64;            /* V */
  pal__tile_cfg_load(&cfg);

  /* ticks: Q^T and scores per chunk, softmax 2, V per 16 tokens per block */
  const int ticks = L.nch + (n + 15) / 16 * L.nch + 2 +
                    (d + (f16 ? 15 : 31)) / (f16 ? 16 : 32) * (L.n_pad / 16);
  pf_cursor pc = {a->k_next, a->v_next, 2 * d, a->next_n, 0, 0, ticks};
  pf_cursor *pf = prefetch && a->next_n > 0 ? &pc : NULL;
  if (!L.cache) {
    build_qt(a->q, &L, pf);
  } else if (!qt_valid(a->q, &L)) {
    qt_save(a->q, &L, build_qt(a->q, &L, pf));
  }
  scores(a, &L, pf);
  softmax_p(a, &L, pf);
  pv(a, &L, pf);
  if (pf) { /* whatever the rounding left */
    pc.tick = pc.ticks;
    pf_tick(pf);
  }
}

static void attend_amx(const pal__attend_args *a, int f16) {
  if (a->g < (f16 ? AMX_MIN_G_F16 : AMX_MIN_G_BF16) || a->d < 32) {
    if (f16) pal__attend_f16_avx512(a);
    else pal__attend_bf16_avx512(a);
    return;
  }
  if (a->g <= 16) {
    attend_piece(a, f16, 1, 1);
    return;
  }
  /* Larger groups in balanced pieces of at most 16 rows (equal pieces keep
   * one tile configuration). */
  const int pieces = (a->g + 15) / 16;
  for (int i = 0, r0 = 0; i < pieces; ++i) {
    const int rows = (a->g - r0) / (pieces - i);
    pal__attend_args b = *a;
    const int64_t off = (int64_t)r0 * a->d;
    b.q += off, b.acc += off, b.m += r0, b.l += r0;
    b.g = rows;
    attend_piece(&b, f16, i == 0, 0);
    r0 += rows;
  }
}

static void attend_f16_amx(const pal__attend_args *a) { attend_amx(a, 1); }
static void attend_bf16_amx(const pal__attend_args *a) { attend_amx(a, 0); }

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

/* Pure pointer stores, compiled for the baseline target. The framework must
 * have had pal__amx_request_permission() succeed before these kernels run. */
void pal__cpu_kernels_init_amx(pal__cpu_kernels *t) {
  pal__cpu_kernels_init_avx512(t);
  t->isa = PAL_ISA_AMX;
  t->attend[PAL_F16] = attend_f16_amx;
  t->attend[PAL_BF16] = attend_bf16_amx;
  pal__prefill_kernels_init_amx(&t->prefill);
}
