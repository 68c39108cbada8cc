/* cpu_load.c - see cpu_load.h. */
#define _POSIX_C_SOURCE 200809L
#include "cpu_load.h"

#include <stdio.h>
#include <unistd.h>

double bench_machine_busy_s(void) {
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return -1;
  unsigned long long v[8] = {0};
  int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                 &v[4], &v[5], &v[6], &v[7]);
  fclose(f);
  long hz = sysconf(_SC_CLK_TCK);
  if (n < 5 || hz <= 0) return -1;
  /* user nice system idle iowait irq softirq steal */
  unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  return (double)busy / (double)hz;
}
