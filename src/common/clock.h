/* clock.h - the one clock reader of pal bench (runner, measurement, probes,
 * pilot, planner) and whoever else times something. */
#ifndef PAL_COMMON_CLOCK_H
#define PAL_COMMON_CLOCK_H

#include <time.h>

/* Seconds on clock `id`: CLOCK_MONOTONIC for wall time, CLOCK_*_CPUTIME_ID
 * for CPU time. */
double clock_seconds(clockid_t id);

#endif /* PAL_COMMON_CLOCK_H */
