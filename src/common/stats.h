/* stats.h - summary statistics over a sample of doubles, shared by the
 * benchmark runner and the analyzer. Pure functions:
 * inputs are not modified (quantiles sort a private copy). */
#ifndef PAL_COMMON_STATS_H
#define PAL_COMMON_STATS_H

#include <stddef.h>

typedef struct stats_summary {
  size_t n;
  double min, max, mean, median, q1, q3;
  double stddev; /* with Bessel's correction; 0 for n < 2 */
  double cv;     /* stddev / mean, a fraction (Google Benchmark's convention) */
  double iqr_rel; /* (q3 - q1) / median: the robust noise figure */
} stats_summary;

/* Fills *out; returns 0, or -1 when n == 0 or memory runs out. */
int stats_compute(const double *x, size_t n, stats_summary *out);
/* Linear-interpolation quantile (R type 7) of an ascending array. */
double quantile_sorted(const double *sorted, size_t n, double q);

#endif /* PAL_COMMON_STATS_H */
