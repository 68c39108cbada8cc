/* contention.h - when a measurement counts as contended: the one threshold pal
 * bench (quiet retries, console warning, probe warning) and pal analyze
 * (contended rows) share. */
#ifndef PAL_COMMON_CONTENTION_H
#define PAL_COMMON_CONTENTION_H

/* A result measured while other processes took more than this share of the
 * CPUs (pal bench's foreign_load, 0..1) measured contention. */
#define CONTENDED_LOAD 0.05

#endif /* PAL_COMMON_CONTENTION_H */
