/* axes.c - reading an instance's axis values by name. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"

const char *bench_get(const bench_instance *in, const char *axis) {
  for (int i = 0; i < in->num_axes; ++i)
    if (!strcmp(in->axes[i].name, axis)) return in->axes[i].value;
  return NULL;
}

int64_t bench_get_int(const bench_instance *in, const char *axis, int64_t fallback) {
  const char *v = bench_get(in, axis);
  return v ? strtoll(v, NULL, 10) : fallback;
}

pal_dtype bench_get_dtype(const bench_instance *in) {
  const char *v = bench_get(in, "dtype");
  for (int d = 0; d < PAL_DTYPE_COUNT; ++d)
    if (v && !strcmp(v, pal_dtype_name((pal_dtype)d))) return (pal_dtype)d;
  return PAL_DTYPE_COUNT; /* rejected by the sweep before any setup */
}
