/* row_out.c - normalise, convert and write one output row (row_out.h). */
#include "../baseline_only.h"

#include <math.h>

#include "cpu_kernels.h"
#include "nonfinite.h"
#include "row_out.h"

float pal__write_row(float *acc, float m, float l, int saw_keys, int32_t d, pal_dtype dtype,
                     void *out) {
  float lse;
  if (l > 0.0f) {
    const float inv = 1.0f / l;
    for (int32_t i = 0; i < d; ++i) acc[i] *= inv;
    lse = m + logf(l);
  } else {
    lse = pal__empty_row(acc, d, saw_keys);
  }
  pal__row_from_f32(dtype, acc, out, d);
  return lse;
}
