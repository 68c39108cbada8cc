/* cpu_load.c - see cpu_load.h. */
#define _POSIX_C_SOURCE 200809L
#include "cpu_load.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "../common/clock.h"

/* CPU seconds all CPUs spent busy since boot: everything in /proc/stat's
 * "cpu" line but idle and iowait. */
static double machine_busy_s(void) {
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return -1;
  unsigned long long v[8] = {0};
  int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                 &v[4], &v[5], &v[6], &v[7]);
  fclose(f);
  long hz = sysconf(_SC_CLK_TCK);
  if (n < 5 || hz <= 0) return -1;
  /* user nice system idle iowait irq softirq steal */
  return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)hz;
}

void bench_load_meter_start(bench_load_meter *m) {
  m->busy0 = machine_busy_s();
  m->self0 = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
  m->wall0 = clock_seconds(CLOCK_MONOTONIC);
}

double bench_load_meter_foreign(const bench_load_meter *m) {
  const double busy1 = machine_busy_s();
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  const double wall = clock_seconds(CLOCK_MONOTONIC) - m->wall0;
  if (m->busy0 < 0 || busy1 < 0 || cpus < 1 || wall <= 0) return -1;
  const double other = (busy1 - m->busy0) - (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - m->self0);
  const double share = other / (wall * (double)cpus);
  return share < 0 ? 0 : share > 1 ? 1 : share;
}
