/* nonfinite.c - see nonfinite.h. */
#include "../baseline_only.h"

#include "nonfinite.h"

#include <math.h>
#include <string.h>

float pal__empty_row(float *row, int32_t d, int saw_keys) {
  if (!saw_keys) {
    memset(row, 0, (size_t)d * sizeof(float));
    return -INFINITY;
  }
  for (int32_t i = 0; i < d; ++i) row[i] = NAN;
  return NAN;
}

/* A value is non-finite when all its exponent bits are set; OR-ing the
 * masked exponents of a row and comparing once keeps the loop branch-free
 * (and vectorisable) over the row. */
int pal__rows_finite(pal_dtype dtype, const char *const *rows, int n, int32_t d) {
  for (int t = 0; t < n; ++t) {
    int bad = 0;
    if (dtype == PAL_F32) {
      const uint32_t *x = (const void *)rows[t];
      for (int32_t i = 0; i < d; ++i) bad |= (x[i] & 0x7f800000u) == 0x7f800000u;
    } else {
      const uint16_t *x = (const void *)rows[t];
      const uint16_t e = dtype == PAL_F16 ? 0x7c00u : 0x7f80u;
      for (int32_t i = 0; i < d; ++i) bad |= (x[i] & e) == e;
    }
    if (bad) return 0;
  }
  return 1;
}
