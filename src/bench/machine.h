/* machine.h - describing and probing the machine (see bench.h's bench_machine). */
#ifndef PAL_BENCH_MACHINE_H
#define PAL_BENCH_MACHINE_H

#include "bench.h"

/* Host, CPU, caches, clock: cheap, no probes. */
void bench_machine_describe(bench_machine *m);
/* Runs the bandwidth and compute probes (a few seconds) on all CPUs. */
void bench_machine_probe(bench_machine *m, int quiet_retries);
/* Probes again (no retries) and keeps, for each peak, the better of the two;
 * records the pass in m->bw_runs. Nothing when the first probe was skipped. */
void bench_machine_reprobe(bench_machine *m);
/* Prints (stdout) the bandwidth and every compute probe that ran, and the
 * ones skipped for lack of hardware with the reason. */
void bench_machine_print_probes(const bench_machine *m);
/* The best compute peak of any instruction set probed. */
double bench_machine_best_compute(const bench_machine *m);

#endif /* PAL_BENCH_MACHINE_H */
