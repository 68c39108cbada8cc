/* counters.h - the derived counters of a result, computed in one place for
 * every reporter (console line, JSON rows; docs/BENCHMARKS.md "Derived metrics"):
 * rates (bytes, items, FLOP per second) at a per-call time, the
 * utilisations against the roofs of the path that ran the row (roof.h),
 * arithmetic intensity, and which utilisations make the probe suspect. */
#ifndef PAL_BENCH_COUNTERS_H
#define PAL_BENCH_COUNTERS_H

#include "bench.h"
#include "roof.h"

/* In the order the JSON rows carry them. */
enum {
  BENCH_C_BYTES_PER_SECOND,
  BENCH_C_ITEMS_PER_SECOND,
  BENCH_C_FLOPS_PER_SECOND,
  BENCH_C_BW_UTIL,       /* bytes/s over the bandwidth roof: probed machines only */
  BENCH_C_ROOFLINE_UTIL, /* FLOP/s over min(bw_peak x intensity, compute roof) */
  BENCH_C_FLOP_UTIL,     /* FLOP/s over the compute roof: compute kernels only */
  BENCH_C_COUNT
};
/* The JSON keys: "bytes_per_second" ... "flop_util". */
extern const char *const bench_counter_names[BENCH_C_COUNT];

typedef struct bench_counters {
  double v[BENCH_C_COUNT];
  /* The first `count` of v are valid: 3 unprobed, 5 without flop_util, 6. */
  int count;
  bench_row_roof roof; /* the roofs the utilisations are relative to */
} bench_counters;

/* The counters of a row of cost c, run at level `isa` (pal_isa_name), at a
 * per-call time of t seconds. */
void bench_counters_at(const bench_machine *m, const char *isa, const bench_cost *c, double t,
                       bench_counters *out);

/* FLOPs per byte of one call (0 without bytes). */
double bench_arithmetic_intensity(const bench_cost *c);

/* BENCH_SUSPECT_* bits of the utilisations in k (its first k->count values;
 * non-finite ones are not judged) above 1 + BENCH_PROBE_SUSPECT_MARGIN;
 * bw_util only for cold rows (roof.h). */
int bench_counters_suspect(const bench_counters *k, int hot);

#endif
