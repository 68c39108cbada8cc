/* tests/reference.c - independent float64 references (see reference.h). */
#include "reference.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- dtype helpers */

size_t ref_dtype_size(pal_dtype dt) {
  switch (dt) {
  case PAL_F32: return 4;
  case PAL_F16: return 2;
  case PAL_BF16: return 2;
  default: return 0;
  }
}

const char *ref_dtype_name(pal_dtype dt) {
  switch (dt) {
  case PAL_F32: return "fp32";
  case PAL_F16: return "fp16";
  case PAL_BF16: return "bf16";
  default: return "dtype?";
  }
}

double ref_f16_bits_to_f64(uint16_t h) {
  _Float16 x;
  memcpy(&x, &h, sizeof x);
  return (double)x;
}

double ref_bf16_bits_to_f64(uint16_t h) {
  uint32_t b = (uint32_t)h << 16;
  float f;
  memcpy(&f, &b, sizeof f);
  return (double)f;
}

uint16_t ref_f64_to_f16_bits(double v) {
  /* gcc converts double -> _Float16 with one correct (RNE) rounding. */
  _Float16 x = (_Float16)v;
  uint16_t h;
  memcpy(&h, &x, sizeof h);
  if (isnan(v)) h |= 0x0200; /* make sure it is a quiet NaN */
  return h;
}

uint16_t ref_f32_to_bf16_bits(float f) {
  uint32_t b;
  memcpy(&b, &f, sizeof b);
  if (isnan(f)) return (uint16_t)((b >> 16) | 0x0040); /* quiet NaN, keep sign */
  b += 0x7fffu + ((b >> 16) & 1u);                     /* round to nearest even */
  return (uint16_t)(b >> 16);
}

uint16_t ref_f64_to_bf16_bits(double v) {
  if (isnan(v)) return signbit(v) ? 0xffc0 : 0x7fc0;
  /* double -> float with round-to-odd, then float -> bf16 RNE: float keeps
   * 16 more bits than bf16, so the two-step rounding equals one RNE rounding. */
  float f = (float)v;
  if (isfinite(f) && (double)f != v) {
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    if (fabs((double)f) > fabs(v)) b -= 1; /* truncate toward zero (sign-magnitude) */
    b |= 1u;                               /* sticky: odd */
    memcpy(&f, &b, sizeof f);
  }
  return ref_f32_to_bf16_bits(f);
}

double ref_load(pal_dtype dt, const void *base, int64_t i) {
  switch (dt) {
  case PAL_F32: {
    float f;
    memcpy(&f, (const char *)base + i * 4, 4);
    return (double)f;
  }
  case PAL_F16: {
    uint16_t h;
    memcpy(&h, (const char *)base + i * 2, 2);
    return ref_f16_bits_to_f64(h);
  }
  case PAL_BF16: {
    uint16_t h;
    memcpy(&h, (const char *)base + i * 2, 2);
    return ref_bf16_bits_to_f64(h);
  }
  default: abort();
  }
}

void ref_store(pal_dtype dt, void *base, int64_t i, double v) {
  switch (dt) {
  case PAL_F32: {
    float f = (float)v;
    memcpy((char *)base + i * 4, &f, 4);
    return;
  }
  case PAL_F16: {
    uint16_t h = ref_f64_to_f16_bits(v);
    memcpy((char *)base + i * 2, &h, 2);
    return;
  }
  case PAL_BF16: {
    uint16_t h = ref_f64_to_bf16_bits(v);
    memcpy((char *)base + i * 2, &h, 2);
    return;
  }
  default: abort();
  }
}

void ref_store_nan(pal_dtype dt, void *base, int64_t i) {
  if (dt == PAL_F32) {
    uint32_t b = 0x7fc00000u;
    memcpy((char *)base + i * 4, &b, 4);
  } else {
    uint16_t h = dt == PAL_F16 ? 0x7e00 : 0x7fc0;
    memcpy((char *)base + i * 2, &h, 2);
  }
}

void ref_fill_nan(pal_dtype dt, void *base, int64_t n) {
  for (int64_t i = 0; i < n; i++) ref_store_nan(dt, base, i);
}

/* Decode n contiguous elements starting at element `off` into dst. */
static void load_row(pal_dtype dt, const void *base, int64_t off, int n, double *dst) {
  switch (dt) {
  case PAL_F32: {
    const float *p = (const float *)base + off;
    for (int i = 0; i < n; i++) dst[i] = (double)p[i];
    break;
  }
  case PAL_F16: {
    const _Float16 *p = (const _Float16 *)base + off;
    for (int i = 0; i < n; i++) dst[i] = (double)p[i];
    break;
  }
  case PAL_BF16: {
    const uint16_t *p = (const uint16_t *)base + off;
    for (int i = 0; i < n; i++) {
      uint32_t b = (uint32_t)p[i] << 16;
      float f;
      memcpy(&f, &b, 4);
      dst[i] = (double)f;
    }
    break;
  }
  default: abort();
  }
}

/* --------------------------------------------------- attention kernel */

/* One attention row in double: q [D], keys/values [n][D] (row-major). */
static void attend_row(const double *q, const double *keys, const double *vals, int64_t n, int D,
                       double scale, double *scores, double *out, double *lse, double *sbound) {
  for (int d = 0; d < D; d++) out[d] = 0.0;
  if (sbound) *sbound = 0.0;
  if (n == 0) {
    *lse = -INFINITY;
    return;
  }
  double m = -INFINITY, l1max = 0.0;
  for (int64_t t = 0; t < n; t++) {
    const double *k = keys + t * D;
    /* four partial sums: shorter dependency chains, still float64 */
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, a0 = 0.0, a1 = 0.0;
    int d = 0;
    for (; d + 4 <= D; d += 4) {
      const double p0 = q[d] * k[d], p1 = q[d + 1] * k[d + 1];
      const double p2 = q[d + 2] * k[d + 2], p3 = q[d + 3] * k[d + 3];
      s0 += p0;
      s1 += p1;
      s2 += p2;
      s3 += p3;
      a0 += fabs(p0) + fabs(p1);
      a1 += fabs(p2) + fabs(p3);
    }
    for (; d < D; d++) {
      s0 += q[d] * k[d];
      a0 += fabs(q[d] * k[d]);
    }
    double s = ((s0 + s1) + (s2 + s3)) * scale;
    scores[t] = s;
    if (s > m || isnan(s)) m = isnan(m) ? m : s; /* a NaN max stays: float64 semantics */
    if (isfinite(a0 + a1) && a0 + a1 > l1max) l1max = a0 + a1; /* a dropped -inf key bounds nothing */
  }
  if (sbound) *sbound = fabs(scale) * l1max;
  double sum = 0.0;
  for (int64_t t = 0; t < n; t++) {
    double p = exp(scores[t] - m);
    scores[t] = p;
    sum += p;
  }
  for (int64_t t = 0; t < n; t++) {
    const double p = scores[t];
    const double *v = vals + t * D;
    for (int d = 0; d < D; d++) out[d] += p * v[d];
  }
  for (int d = 0; d < D; d++) out[d] /= sum;
  *lse = m + log(sum);
}

/* ------------------------------------------------------ paged decode */

int64_t ref_seq_len(const pal_page_table *pt, int32_t page_size, int32_t s) {
  if (pt->form == PAL_PAGES_BLOCK_TABLE) return pt->seq_lens[s];
  int64_t np = (int64_t)pt->kv_indptr[s + 1] - pt->kv_indptr[s];
  if (np <= 0) return 0;
  return (np - 1) * page_size + pt->kv_last_page_len[s];
}

int64_t ref_page_of(const pal_page_table *pt, int32_t page_size, int32_t s, int64_t t) {
  int64_t j = t / page_size;
  if (pt->form == PAL_PAGES_BLOCK_TABLE)
    return pt->block_table[(int64_t)s * pt->max_pages_per_seq + j];
  return pt->kv_indices[pt->kv_indptr[s] + j];
}

/* The longest context in the table. */
static int64_t max_seq_len(const pal_page_table *pt, int32_t ps) {
  int64_t maxlen = 0;
  for (int32_t s = 0; s < pt->num_seqs; s++) {
    int64_t n = ref_seq_len(pt, ps, s);
    if (n > maxlen) maxlen = n;
  }
  return maxlen;
}

/* Tokens [0, n) of sequence s, KV head h, gathered through the page table
 * and the pool's strides into keys / vals ([n][D] doubles). */
static void gather_head(const pal_kv_pool *pool, const pal_page_table *pt, int32_t s, int h,
                        int64_t n, double *keys, double *vals) {
  const int D = pool->head_dim;
  const int32_t ps = pool->page_size;
  for (int64_t t = 0; t < n; t++) {
    const int64_t page = ref_page_of(pt, ps, s, t);
    const int64_t off =
        page * pool->stride_page + h * pool->stride_head + (t % ps) * pool->stride_token;
    load_row(pool->dtype, pool->k, off, D, keys + t * D);
    load_row(pool->dtype, pool->v, off, D, vals + t * D);
  }
}

void ref_decode(const void *q, pal_dtype q_dtype, int32_t num_q_heads, const pal_kv_pool *pool,
                const pal_page_table *pt, double scale, double *out, double *lse,
                double *sbound) {
  const int D = pool->head_dim;
  const int Hkv = pool->num_kv_heads;
  const int G = num_q_heads / Hkv;
  const int32_t ps = pool->page_size;
  if (scale == 0.0) scale = 1.0 / sqrt((double)D);

  const int64_t maxlen = max_seq_len(pt, ps);
  double *keys = malloc(sizeof(double) * (size_t)(maxlen + 1) * D);
  double *vals = malloc(sizeof(double) * (size_t)(maxlen + 1) * D);
  double *scores = malloc(sizeof(double) * (size_t)(maxlen + 1));
  double *qrow = malloc(sizeof(double) * D);
  if (!keys || !vals || !scores || !qrow) abort();

  for (int32_t s = 0; s < pt->num_seqs; s++) {
    const int64_t n = ref_seq_len(pt, ps, s);
    for (int h = 0; h < Hkv; h++) {
      gather_head(pool, pt, s, h, n, keys, vals);
      for (int g = 0; g < G; g++) {
        const int64_t row = (int64_t)s * num_q_heads + (int64_t)h * G + g;
        load_row(q_dtype, q, row * D, D, qrow);
        attend_row(qrow, keys, vals, n, D, scale, scores, out + row * D, lse + row,
                   sbound ? sbound + row : NULL);
      }
    }
  }
  free(keys);
  free(vals);
  free(scores);
  free(qrow);
}

/* ------------------------------------------------ paged prefill */

/* One prefill row: keys/vals hold tokens [0, n) of the sequence; the row's
 * query position is pos and it sees [lo, pos]. Written out in full (not via
 * attend_row) so the score options stay next to the softmax they feed. */
static void prefill_row(const double *q, const double *keys, const double *vals, int64_t n,
                        int64_t pos, int D, double scale, const ref_score_opts *o, double slope,
                        double *scores, double *out, double *lse, double *sbound) {
  int64_t hi = pos + 1 < n ? pos + 1 : n, lo = 0;
  if (o && o->window > 0) lo = pos - o->window + 1 > 0 ? pos - o->window + 1 : 0;
  for (int d = 0; d < D; d++) out[d] = 0.0;
  if (sbound) *sbound = 0.0;
  if (hi <= lo) {
    *lse = -INFINITY;
    return;
  }
  double m = -INFINITY, l1max = 0.0;
  for (int64_t t = lo; t < hi; t++) {
    const double *k = keys + t * D;
    double s = 0.0, a = 0.0;
    for (int d = 0; d < D; d++) {
      s += q[d] * k[d];
      a += fabs(q[d] * k[d]);
    }
    s *= scale;
    if (o && o->softcap > 0.0) s = o->softcap * tanh(s / o->softcap);
    s += slope * (double)(t - pos);
    scores[t] = s;
    if (s > m || isnan(s)) m = isnan(m) ? m : s;
    if (isfinite(a) && a > l1max) l1max = a;
  }
  if (sbound) *sbound = fabs(scale) * l1max;
  double sum = 0.0;
  for (int64_t t = lo; t < hi; t++) sum += (scores[t] = exp(scores[t] - m));
  for (int64_t t = lo; t < hi; t++)
    for (int d = 0; d < D; d++) out[d] += scores[t] * vals[t * D + d];
  for (int d = 0; d < D; d++) out[d] /= sum;
  *lse = m + log(sum);
}

void ref_prefill(const void *q, pal_dtype q_dtype, int32_t num_q_heads, const int32_t *qo_indptr,
                 const pal_kv_pool *pool, const pal_page_table *pt, double scale,
                 const ref_score_opts *opts, double *out, double *lse, double *sbound) {
  const int D = pool->head_dim, Hkv = pool->num_kv_heads, G = num_q_heads / Hkv;
  const int32_t ps = pool->page_size;
  if (scale == 0.0) scale = 1.0 / sqrt((double)D);
  const int64_t maxlen = max_seq_len(pt, ps);
  double *keys = malloc(sizeof(double) * (size_t)(maxlen + 1) * D);
  double *vals = malloc(sizeof(double) * (size_t)(maxlen + 1) * D);
  double *scores = malloc(sizeof(double) * (size_t)(maxlen + 1));
  double *qrow = malloc(sizeof(double) * D);
  if (!keys || !vals || !scores || !qrow) abort();
  for (int32_t s = 0; s < pt->num_seqs; s++) {
    const int64_t n = ref_seq_len(pt, ps, s);
    const int64_t q_len = (int64_t)qo_indptr[s + 1] - qo_indptr[s];
    for (int h = 0; h < Hkv; h++) {
      gather_head(pool, pt, s, h, n, keys, vals);
      for (int g = 0; g < G; g++) {
        const int hq = h * G + g;
        const double slope = opts && opts->alibi_slopes ? (double)opts->alibi_slopes[hq] : 0.0;
        for (int64_t i = 0; i < q_len; i++) {
          const int64_t row = (qo_indptr[s] + i) * num_q_heads + hq;
          load_row(q_dtype, q, row * D, D, qrow);
          prefill_row(qrow, keys, vals, n, n - q_len + i, D, scale, opts, slope, scores,
                      out + row * D, lse + row, sbound ? sbound + row : NULL);
        }
      }
    }
  }
  free(keys);
  free(vals);
  free(scores);
  free(qrow);
}


/* ------------------------------------------------------- dense SDPA */

void ref_sdpa(const void *q, const void *k, const void *v, pal_dtype dtype,
              const pal_sdpa_shape *shape, double scale, double *out, double *lse,
              double *sbound) {
  const int D = shape->head_dim;
  const int Hq = shape->num_q_heads, Hkv = shape->num_kv_heads;
  const int G = Hq / Hkv;
  const int64_t Lq = shape->q_len, Lk = shape->kv_len;
  if (scale == 0.0) scale = 1.0 / sqrt((double)D);
  double *keys = malloc(sizeof(double) * (size_t)(Lk + 1) * D);
  double *vals = malloc(sizeof(double) * (size_t)(Lk + 1) * D);
  double *scores = malloc(sizeof(double) * (size_t)(Lk + 1));
  double *qrow = malloc(sizeof(double) * D);
  if (!keys || !vals || !scores || !qrow) abort();
  for (int b = 0; b < shape->batch; b++) {
    for (int h = 0; h < Hkv; h++) {
      const int64_t kvbase = ((int64_t)b * Hkv + h) * Lk * D;
      for (int64_t t = 0; t < Lk; t++) {
        load_row(dtype, k, kvbase + t * D, D, keys + t * D);
        load_row(dtype, v, kvbase + t * D, D, vals + t * D);
      }
      for (int g = 0; g < G; g++) {
        const int hq = h * G + g;
        for (int64_t i = 0; i < Lq; i++) {
          const int64_t row = ((int64_t)b * Hq + hq) * Lq + i;
          int64_t visible = Lk;
          if (shape->causal) {
            visible = Lk - Lq + i + 1;
            if (visible < 0) visible = 0;
            if (visible > Lk) visible = Lk;
          }
          load_row(dtype, q, row * D, D, qrow);
          attend_row(qrow, keys, vals, visible, D, scale, scores, out + row * D, lse + row,
                     sbound ? sbound + row : NULL);
        }
      }
    }
  }
  free(keys);
  free(vals);
  free(scores);
  free(qrow);
}

/* -------------------------------------------------------- fill KV */

void ref_fill_kv(const void *k_new, const void *v_new, pal_dtype src_dtype, int64_t num_tokens,
                 const int64_t *slot_mapping, const pal_kv_pool *pool) {
  const int D = pool->head_dim, Hkv = pool->num_kv_heads;
  const int32_t ps = pool->page_size;
  for (int64_t i = 0; i < num_tokens; i++) {
    const int64_t slot = slot_mapping[i];
    if (slot == -1) continue;
    const int64_t page = slot / ps, off = slot % ps;
    for (int h = 0; h < Hkv; h++) {
      const int64_t dst = page * pool->stride_page + h * pool->stride_head + off * pool->stride_token;
      const int64_t src = (i * Hkv + h) * D;
      for (int d = 0; d < D; d++) {
        ref_store(pool->dtype, pool->k, dst + d, ref_load(src_dtype, k_new, src + d));
        ref_store(pool->dtype, pool->v, dst + d, ref_load(src_dtype, v_new, src + d));
      }
    }
  }
}
