/* lse_merge.c - log-sum-exp merge of split-KV chunk states (lse_merge.h). */
#include "../baseline_only.h"

#include <math.h>
#include <string.h>

#include "lse_merge.h"

void pal__lse_merge_row(const float *m, const float *l, const float *acc, int64_t stride,
                        int64_t num_chunks, int32_t d, float *out_acc, float *m_out,
                        float *l_out) {
  float mx = -INFINITY;
  for (int64_t c = 0; c < num_chunks; ++c)
    if (l[c * stride] != 0.0f && m[c * stride] > mx) mx = m[c * stride];
  float sum = 0.0f;
  memset(out_acc, 0, (size_t)d * sizeof(float));
  for (int64_t c = 0; c < num_chunks; ++c) {
    const float lc = l[c * stride];
    if (lc == 0.0f) continue; /* chunk saw nothing of this row */
    const float w = expf(m[c * stride] - mx);
    sum += lc * w;
    const float *ca = acc + c * stride;
    for (int32_t i = 0; i < d; ++i) out_acc[i] += ca[i] * w;
  }
  *m_out = mx;
  *l_out = sum;
}
