/* machine.h - describing and probing the machine (see bench.h's bench_machine). */
#ifndef PAL_BENCH_MACHINE_H
#define PAL_BENCH_MACHINE_H

#include "bench.h"

/* Host, CPU, caches, clock: cheap, no probes. */
void bench_machine_describe(bench_machine *m);
/* Runs the bandwidth and compute probes (a few seconds) on all CPUs. */
void bench_machine_probe(bench_machine *m, int quiet_retries);
/* The best compute peak of any instruction set probed. */
double bench_machine_best_compute(const bench_machine *m);

#endif /* PAL_BENCH_MACHINE_H */
