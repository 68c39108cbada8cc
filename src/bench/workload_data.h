/* workload_data.h - allocation and random contents for benchmark working sets. */
#ifndef PAL_BENCH_WORKLOAD_DATA_H
#define PAL_BENCH_WORKLOAD_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "bench.h"

/* 64-byte aligned, rounded up to whole cache lines; NULL on failure. */
void *bench_alloc(int64_t bytes);
/* Fills n elements with values in (-1, 1), in parallel; deterministic in seed. */
void bench_fill_random(void *data, pal_dtype dtype, int64_t n, uint64_t seed);
/* Working-set copies cold mode needs: at least 2, and enough that together
 * they exceed env->cold_target_bytes; 1 in hot mode. */
int bench_rotations(const bench_env *env, double bytes_per_call);
/* Builds a workload's state by setup's contract (bench.h): `size` zeroed
 * bytes that `fill` (with `variant`, e.g. paged) sets up; when fill fails
 * `teardown` frees what it made and *state stays NULL. fill's why is kept;
 * running out of memory for the state itself is named by the instance. */
typedef int (*bench_fill_fn)(const bench_instance *in, const bench_env *env, int variant,
                             void *state, bench_cost *cost, int *rotations, char *why,
                             size_t why_size);
int bench_setup_state(size_t size, bench_fill_fn fill, void (*teardown)(void *), int variant,
                      const bench_instance *in, const bench_env *env, void **state,
                      bench_cost *cost, int *rotations, char *why, size_t why_size);
/* Fisher-Yates shuffle of 0..n-1 into ids. */
void bench_shuffled_ids(int32_t *ids, int64_t n, uint64_t seed);

#endif
