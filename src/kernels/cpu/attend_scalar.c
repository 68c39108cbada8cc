/* attend_scalar.c - portable C micro-kernel: one online-softmax block step.
 *
 * The reference level: always built, fills every dispatch slot, and is what
 * the SIMD levels are tested against besides the float64 test reference.
 * Compiled for baseline x86-64 (no ISA pragmas here).
 */
#include "../baseline_only.h"

#include <math.h>
#include <string.h>

#include "cpu_kernels.h"

/* Load the block's K and V rows into fp32 scratch so the two passes below
 * read each element from cache once per row of q. */
static void load_block_f32(const pal__attend_args *a, pal_dtype dtype, float *kf, float *vf) {
  for (int32_t t = 0; t < a->n; ++t) {
    pal__row_to_f32(dtype, a->k_rows[t], kf + (int64_t)t * a->d, a->d);
    pal__row_to_f32(dtype, a->v_rows[t], vf + (int64_t)t * a->d, a->d);
  }
}

static void attend_scalar(const pal__attend_args *a, pal_dtype dtype) {
  const int32_t g = a->g, d = a->d, n = a->n;
  float *s = a->scratch;                    /* [g][BLOCK] */
  float *kf = s + (int64_t)g * PAL__BLOCK_TOKENS; /* [BLOCK][d] */
  float *vf = kf + (int64_t)PAL__BLOCK_TOKENS * d;
  load_block_f32(a, dtype, kf, vf);

  for (int32_t r = 0; r < g; ++r) {
    const float *q = a->q + (int64_t)r * d;
    float *sr = s + (int64_t)r * PAL__BLOCK_TOKENS;
    float bmax = -INFINITY;
    for (int32_t t = 0; t < n; ++t) {
      const float *kt = kf + (int64_t)t * d;
      float dot = 0.0f;
      for (int32_t i = 0; i < d; ++i) dot += q[i] * kt[i];
      sr[t] = dot;
      if (dot > bmax) bmax = dot;
    }
    float m_new = a->m[r] > bmax ? a->m[r] : bmax;
    /* exp(-inf) == 0 makes the first block need no special case. */
    float alpha = expf(a->m[r] - m_new);
    float sum = 0.0f;
    for (int32_t t = 0; t < n; ++t) {
      sr[t] = expf(sr[t] - m_new);
      sum += sr[t];
    }
    float *acc = a->acc + (int64_t)r * d;
    for (int32_t i = 0; i < d; ++i) acc[i] *= alpha;
    for (int32_t t = 0; t < n; ++t) {
      const float *vt = vf + (int64_t)t * d;
      const float p = sr[t];
      for (int32_t i = 0; i < d; ++i) acc[i] += p * vt[i];
    }
    a->l[r] = a->l[r] * alpha + sum;
    a->m[r] = m_new;
  }
}

static void attend_f32_scalar(const pal__attend_args *a) { attend_scalar(a, PAL_F32); }
static void attend_f16_scalar(const pal__attend_args *a) { attend_scalar(a, PAL_F16); }
static void attend_bf16_scalar(const pal__attend_args *a) { attend_scalar(a, PAL_BF16); }

void pal__cpu_kernels_init_scalar(pal__cpu_kernels *t) {
  t->isa = PAL_ISA_SCALAR;
  t->attend[PAL_F32] = attend_f32_scalar;
  t->attend[PAL_F16] = attend_f16_scalar;
  t->attend[PAL_BF16] = attend_bf16_scalar;
  pal__prefill_kernels_init_scalar(&t->prefill);
}
