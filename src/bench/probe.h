/* probe.h - measure the machine's limits in the same run as the benchmarks:
 * streaming-read bandwidth and the best compute peaks. Each probe returns the
 * best of several trials (a limit is a maximum) and names the ISA it used. */
#ifndef PAL_BENCH_PROBE_H
#define PAL_BENCH_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* Bytes/s reading `bytes` (well beyond the LLC) on `threads` threads. */
double bench_probe_read_bandwidth(int64_t bytes, int threads, const char **isa);
/* fp32 FMA FLOP/s on `threads` threads with the widest FMA available. */
double bench_probe_fp32_peak(int threads, const char **isa);
/* bf16 FLOP/s: AMX-BF16 tiles where the CPU and OS allow (0 when absent). */
double bench_probe_bf16_peak(int threads, const char **isa);

/* per-ISA inner loops (probe_avx512.c, probe_amx.c); only call when supported */
double bench__read_sum_avx512(const float *a, int64_t n);
double bench__fma_loop_avx512(int64_t iters); /* returns a value to keep the work alive */
int bench__amx_enable(void);                  /* 0 when the kernel grants tile data */
double bench__amx_bf16_loop(int64_t iters);
#endif /* PAL_BENCH_PROBE_H */
