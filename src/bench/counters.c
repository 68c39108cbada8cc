/* counters.c - see counters.h. */
#include "counters.h"

#include <math.h>

const char *const bench_counter_names[BENCH_C_COUNT] = {
    "bytes_per_second", "items_per_second", "flops_per_second", "bw_util", "roofline_util",
    "flop_util"};

void bench_counters_at(const bench_machine *m, const char *isa, const bench_cost *c, double t,
                       bench_counters *out) {
  double *v = out->v;
  v[BENCH_C_BYTES_PER_SECOND] = c->bytes / t;
  v[BENCH_C_ITEMS_PER_SECOND] = c->items / t;
  v[BENCH_C_FLOPS_PER_SECOND] = c->flops / t;
  /* every roof is that of the path that ran the row (roof.h) */
  bench_row_roof_get(m, isa, c, &out->roof);
  const bench_row_roof *roof = &out->roof;
  out->count = BENCH_C_BW_UTIL;
  if (roof->bw_peak <= 0) return; /* not probed */
  v[BENCH_C_BW_UTIL] = v[BENCH_C_BYTES_PER_SECOND] / roof->bw_peak;
  double attainable = roof->bw_peak * bench_arithmetic_intensity(c);
  if (roof->compute_peak > 0) attainable = fmin(attainable, roof->compute_peak);
  /* no FLOPs (fill): the roofline is the bandwidth line itself */
  v[BENCH_C_ROOFLINE_UTIL] =
      c->flops > 0 ? v[BENCH_C_FLOPS_PER_SECOND] / attainable : v[BENCH_C_BW_UTIL];
  out->count = BENCH_C_FLOP_UTIL;
  if (roof->flop_peak <= 0) return; /* not a compute kernel */
  v[BENCH_C_FLOP_UTIL] = v[BENCH_C_FLOPS_PER_SECOND] / roof->flop_peak;
  out->count = BENCH_C_COUNT;
}

double bench_arithmetic_intensity(const bench_cost *c) {
  return c->bytes > 0 ? c->flops / c->bytes : 0;
}

int bench_counters_suspect(const bench_counters *k, int hot) {
  const double bw = k->count > BENCH_C_BW_UTIL && isfinite(k->v[BENCH_C_BW_UTIL])
                        ? k->v[BENCH_C_BW_UTIL] : -1;
  const double flop = k->count > BENCH_C_FLOP_UTIL && isfinite(k->v[BENCH_C_FLOP_UTIL])
                          ? k->v[BENCH_C_FLOP_UTIL] : -1;
  return bench_probe_suspect(bw, flop, !hot);
}
