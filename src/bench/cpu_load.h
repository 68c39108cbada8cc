/* cpu_load.h - how much of the machine other processes used while we
 * measured, so a result can say whether it measured contention. */
#ifndef PAL_BENCH_CPU_LOAD_H
#define PAL_BENCH_CPU_LOAD_H

#include "../common/clock.h" /* clock_seconds: every bench file times with it */

typedef struct bench_load_meter {
  double busy0; /* machine-wide busy CPU seconds at start (-1: unknown) */
  double self0; /* this process's CPU seconds at start */
  double wall0;
} bench_load_meter;

void bench_load_meter_start(bench_load_meter *m);
/* Share of all CPUs' time since start that other processes took: (machine
 * busy time - our CPU time) / (wall time x CPUs), clamped to [0, 1]; -1 where
 * /proc/stat is missing. Ticks are 10 ms, so short spans read coarsely. */
double bench_load_meter_foreign(const bench_load_meter *m);

#endif
