/* prefill_portable.h - the portable prefill micro-kernels (prefill_kernels.h)
 * as static functions, for inclusion by exactly one ISA file each:
 * prefill_scalar.c (baseline x86-64) and prefill_avx2.c (the same loops
 * compiled for AVX2 + FMA under its target pragma, where the compiler
 * vectorises them 8 wide). Operands are fp32: Q pre-multiplied by the scale
 * [M][d], K transposed [d][64], V [64][d].
 * PORTABLE_FILL(t) fills every entry of a pal__prefill_kernels.
 */
#ifndef PAL_PREFILL_PORTABLE_H
#define PAL_PREFILL_PORTABLE_H

#include <math.h>
#include <string.h>

#include "cpu_kernels.h"

#define KEYS PAL__PREFILL_KEYS

static void pack_q_f32(const float *q, int m, int d, float scale, void *qp) {
  float *o = qp;
  for (int64_t i = 0; i < (int64_t)m * d; ++i) o[i] = q[i] * scale;
}

/* K^T: kt[i][t] = k_t[i]; columns t >= n are zero. */
static void pack_k(pal_dtype dt, const char *const *rows, int n, int d, float *kt) {
  float row[PAL_MAX_HEAD_DIM];
  for (int t = 0; t < KEYS; ++t) {
    if (t < n) pal__row_to_f32(dt, rows[t], row, d);
    for (int i = 0; i < d; ++i) kt[(int64_t)i * KEYS + t] = t < n ? row[i] : 0.0f;
  }
}

static void pack_v(pal_dtype dt, const char *const *rows, int n, int d, float *v) {
  for (int t = 0; t < n; ++t) pal__row_to_f32(dt, rows[t], v + (int64_t)t * d, d);
}

static void pack_k_f32(const char *const *r, int n, int d, void *o) { pack_k(PAL_F32, r, n, d, o); }
static void pack_k_f16(const char *const *r, int n, int d, void *o) { pack_k(PAL_F16, r, n, d, o); }
static void pack_k_bf16(const char *const *r, int n, int d, void *o) { pack_k(PAL_BF16, r, n, d, o); }
static void pack_v_f32(const char *const *r, int n, int d, void *o) { pack_v(PAL_F32, r, n, d, o); }
static void pack_v_f16(const char *const *r, int n, int d, void *o) { pack_v(PAL_F16, r, n, d, o); }
static void pack_v_bf16(const char *const *r, int n, int d, void *o) { pack_v(PAL_BF16, r, n, d, o); }

static void qk(const void *qp, int m, int d, const void *kp, int n, float *s) {
  const float *q = qp, *kt = kp;
  /* whole 16-key groups: the same loop shape for every n, zero padding */
  const int n16 = (n + 15) / 16 * 16;
  for (int r = 0; r < m; ++r) {
    float acc[KEYS] = {0};
    const float *qr = q + (int64_t)r * d;
    for (int i = 0; i < d; ++i) {
      const float x = qr[i];
      const float *k = kt + (int64_t)i * KEYS;
      for (int t = 0; t < n16; ++t) acc[t] += x * k[t];
    }
    memcpy(s + (int64_t)r * KEYS, acc, (size_t)n16 * sizeof(float));
  }
}

static void softmax(float *s, int m, int n, float *mx, float *l, float *acc, int d) {
  for (int r = 0; r < m; ++r) {
    float *sr = s + (int64_t)r * KEYS;
    float bmax = -INFINITY;
    for (int t = 0; t < n; ++t)
      if (sr[t] > bmax) bmax = sr[t];
    const float m_new = mx[r] > bmax ? mx[r] : bmax;
    if (m_new == -INFINITY) { /* nothing visible yet: p = 0, state unchanged */
      for (int t = 0; t < n; ++t) sr[t] = 0.0f;
      continue;
    }
    const float alpha = expf(mx[r] - m_new);
    float sum = 0.0f;
    for (int t = 0; t < n; ++t) {
      sr[t] = expf(sr[t] - m_new);
      sum += sr[t];
    }
    l[r] = l[r] * alpha + sum;
    mx[r] = m_new;
    if (alpha != 1.0f) {
      float *a = acc + (int64_t)r * d;
      for (int i = 0; i < d; ++i) a[i] *= alpha;
    }
  }
}

static void pv(float *p, int m, int n, void *vp, int d, float *acc) {
  const float *v = vp;
  for (int r = 0; r < m; ++r) {
    float *a = acc + (int64_t)r * d;
    const float *pr = p + (int64_t)r * KEYS;
    for (int t = 0; t < n; ++t) {
      const float w = pr[t];
      const float *vt = v + (int64_t)t * d;
      for (int i = 0; i < d; ++i) a[i] += w * vt[i];
    }
  }
}

#define PORTABLE_FILL(t)                                                                   \
  do {                                                                                     \
    void (*const pk_[PAL_DTYPE_COUNT])(const char *const *, int, int, void *) = {          \
        pack_k_f32, pack_k_f16, pack_k_bf16};                                              \
    void (*const pv_[PAL_DTYPE_COUNT])(const char *const *, int, int, void *) = {          \
        pack_v_f32, pack_v_f16, pack_v_bf16};                                              \
    for (int dt_ = 0; dt_ < PAL_DTYPE_COUNT; ++dt_)                                        \
      for (int b_ = 0; b_ < 2; ++b_)                                                       \
        (t)->ops[dt_][b_] = (pal__prefill_ops){0, NULL, pack_q_f32, pk_[dt_], pv_[dt_], qk, \
                                               softmax, pv};                               \
  } while (0)

#endif /* PAL_PREFILL_PORTABLE_H */
