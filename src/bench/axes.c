/* axes.c - reading an instance's axis values by name. */
#include <stdint.h>
#include <stdio.h>
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

int bench_check_ints(const bench_instance *in, const bench_int_check *checks, char *why,
                     size_t why_size) {
  for (const bench_int_check *c = checks; c->axis; ++c) {
    const int64_t v = bench_get_int(in, c->axis, c->fallback);
    if (v < c->lo || v > c->hi)
      return snprintf(why, why_size, "%s=%lld: must be %s %lld", c->axis, (long long)v,
                      v < c->lo ? "at least" : "at most", (long long)(v < c->lo ? c->lo : c->hi)),
             -1;
  }
  return 0;
}

int bench_setup_failed(const bench_instance *in, char *why, size_t why_size) {
  const char *axis = in->suite->swept;
  const char *value = axis ? bench_get(in, axis) : NULL;
  if (!value && in->num_axes > 0) axis = in->axes[0].name, value = in->axes[0].value;
  if (!value) return -1;
  char msg[256];
  snprintf(msg, sizeof msg, "%s", why);
  snprintf(why, why_size, "%s=%s: %s", axis, value, msg);
  return -1;
}
