/* stats.c - summary statistics (see stats.h). */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double quantile_sorted(const double *sorted, size_t n, double q) {
  if (n == 0) return NAN;
  double pos = q * (double)(n - 1);
  size_t lo = (size_t)floor(pos);
  size_t hi = lo + 1 < n ? lo + 1 : lo;
  return sorted[lo] + (pos - (double)lo) * (sorted[hi] - sorted[lo]);
}

int stats_compute(const double *x, size_t n, stats_summary *out) {
  memset(out, 0, sizeof *out);
  if (n == 0) return -1;
  double *s = malloc(n * sizeof *s);
  if (!s) return -1;
  memcpy(s, x, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp_double);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += s[i];
  out->n = n;
  out->min = s[0];
  out->max = s[n - 1];
  out->mean = sum / (double)n;
  out->median = quantile_sorted(s, n, 0.5);
  out->q1 = quantile_sorted(s, n, 0.25);
  out->q3 = quantile_sorted(s, n, 0.75);
  double ss = 0;
  for (size_t i = 0; i < n; ++i) ss += (s[i] - out->mean) * (s[i] - out->mean);
  out->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
  out->cv = out->mean != 0 ? out->stddev / out->mean : 0.0;
  out->iqr_rel = out->median != 0 ? (out->q3 - out->q1) / out->median : 0.0;
  free(s);
  return 0;
}
