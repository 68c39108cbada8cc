/* cpu_load.h - how much CPU time the whole machine spent busy, so a
 * measurement can say whether other processes competed with it. */
#ifndef PAL_BENCH_CPU_LOAD_H
#define PAL_BENCH_CPU_LOAD_H

/* Seconds of CPU time all CPUs have spent busy since boot (Linux /proc/stat:
 * everything but idle and iowait); -1 where that is not available. */
double bench_machine_busy_s(void);

#endif
