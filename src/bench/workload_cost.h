/* workload_cost.h - an instance's work per call and working-set rotations
 * without setting it up (no allocation): the formulas the workloads' setup
 * uses (docs/BENCHMARKS.md), shared with the budget pilot (pilot.c). */
#ifndef PAL_BENCH_WORKLOAD_COST_H
#define PAL_BENCH_WORKLOAD_COST_H

#include "bench.h"

/* Each: 0 with *cost and *rotations set, or -1 when the axes are invalid. */
int bench_decode_cost(const bench_instance *in, const bench_env *env, int paged, bench_cost *cost,
                      int *rotations);
int bench_prefill_cost(const bench_instance *in, const bench_env *env, int paged, bench_cost *cost,
                       int *rotations);
int bench_fill_cost(const bench_instance *in, const bench_env *env, bench_cost *cost,
                    int *rotations);
/* Dispatches on in->suite->op; -1 for an op it does not know. */
int bench_workload_cost(const bench_instance *in, const bench_env *env, bench_cost *cost,
                        int *rotations);

#endif
