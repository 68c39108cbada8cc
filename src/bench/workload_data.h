/* workload_data.h - allocation and random contents for benchmark working sets. */
#ifndef PAL_BENCH_WORKLOAD_DATA_H
#define PAL_BENCH_WORKLOAD_DATA_H

#include <stdint.h>

#include "bench.h"

/* 64-byte aligned, rounded up to whole cache lines; NULL on failure. */
void *bench_alloc(int64_t bytes);
/* Fills n elements with values in (-1, 1), in parallel; deterministic in seed. */
void bench_fill_random(void *data, pal_dtype dtype, int64_t n, uint64_t seed);
/* Working-set copies cold mode needs: at least 2, and enough that together
 * they exceed env->cold_target_bytes; 1 in hot mode. */
int bench_rotations(const bench_env *env, double bytes_per_call);
/* Fisher-Yates shuffle of 0..n-1 into ids. */
void bench_shuffled_ids(int32_t *ids, int64_t n, uint64_t seed);

#endif
